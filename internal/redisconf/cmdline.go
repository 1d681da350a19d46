package redisconf

import (
	"strings"

	"github.com/goae/goae/internal/resp"
)

// CommandLine is the argument handling in Redis's main(): args are the
// arguments after the program name; the first is the config file unless
// it starts with '-', and the others become config lines to be read after
// the file's ("--port 26400" becomes `port "26400"`, each value quoted with
// sdscatrepr, each option on a line of its own). An option name with no
// value before the next option is kept for the value that follows, except
// --save (which then means save "") and the value-less --sentinel, as in
// Redis 7.0. Reading the config from stdin ("-") is not supported.
func CommandLine(args []string) (file, options string) {
	j := 0
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file = args[0]
		j = 1
	}
	var opts strings.Builder
	handledLastConfigArg := true
	for ; j < len(args); j++ {
		a := args[j]
		if !handledLastConfigArg || !strings.HasPrefix(a, "--") {
			opts.WriteString(resp.Repr(a))
			opts.WriteString(" ")
			handledLastConfigArg = true
			continue
		}
		if opts.Len() > 0 {
			opts.WriteString("\n")
		}
		opts.WriteString(a[2:])
		opts.WriteString(" ")
		if argv, _ := resp.SplitArgs(a); len(argv) != 1 {
			handledLastConfigArg = true // "--port 7777" as one argument
			continue
		}
		// Only the option's name ("--port"): its value follows.
		handledLastConfigArg = false
		last := j == len(args)-1
		nextIsOption := !last && strings.HasPrefix(args[j+1], "--")
		switch {
		case nextIsOption && strings.EqualFold(a, "--save"):
			opts.WriteString(`""`)
			handledLastConfigArg = true
		case last && strings.EqualFold(a, "--save"):
			opts.WriteString(`""`)
		case nextIsOption && strings.EqualFold(a, "--sentinel"):
			handledLastConfigArg = true
		}
	}
	return file, opts.String()
}
