package resp

import "strings"

// UnknownCommandError is the text of Redis 7.0's reply to a command it
// does not know (processCommand): the name and the first arguments, each
// cut so that the whole stays within 128 bytes, as Redis cuts them.
func UnknownCommandError(argv [][]byte) string {
	var args strings.Builder
	for _, a := range argv[1:] {
		if args.Len() >= 128 {
			break
		}
		// Redis's '%.*s' takes 128 minus the length before the quote.
		n := 128 - args.Len()
		args.WriteByte('\'')
		args.WriteString(Truncate(string(a), n))
		args.WriteString("' ")
	}
	return "unknown command '" + Truncate(string(argv[0]), 128) + "', with args beginning with: " + args.String()
}

// UnknownSubcommandError is Redis 7.0's reply text to an unknown
// subcommand of cmd (e.g. "CLIENT"): "unknown subcommand 'x'. Try CLIENT HELP."
func UnknownSubcommandError(cmd, sub string) string {
	return "unknown subcommand '" + Truncate(sub, 128) + "'. Try " + strings.ToUpper(cmd) + " HELP."
}

// Truncate returns at most the first n bytes of s (none for n < 0), as
// Redis's %.128s cuts the names it quotes in errors.
func Truncate(s string, n int) string {
	n = max(n, 0)
	if len(s) > n {
		return s[:n]
	}
	return s
}

// SubcommandSyntaxError is the text of addReplySubcommandSyntaxError, the
// reply to subcommand sub of cmd (argv[0] as the client sent it, upper-
// cased as sdstoupper does, ASCII only) given the wrong arguments by the
// subcommand's own check.
func SubcommandSyntaxError(cmd, sub string) string {
	b := []byte(cmd)
	for i, ch := range b {
		if 'a' <= ch && ch <= 'z' {
			b[i] = ch - ('a' - 'A')
		}
	}
	return "unknown subcommand or wrong number of arguments for '" + Truncate(sub, 128) + "'. Try " + string(b) + " HELP."
}
