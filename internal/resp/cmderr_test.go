package resp

import (
	"strings"
	"testing"
)

// Tried: an unknown command with short and long arguments, and an unknown
// subcommand. Expected: Redis 7.0.15's texts (as redis-server answers
// them), with each quoted name cut so that the argument list stays within
// 128 bytes (the room is measured before each opening quote: redis-cli
// with two 300-byte arguments gets 128 bytes of each, 256 x's in all).
func TestUnknownCommandErrors(t *testing.T) {
	if got, want := UnknownCommandError([][]byte{[]byte("foo"), []byte("a"), []byte("b")}),
		"unknown command 'foo', with args beginning with: 'a' 'b' "; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	long := strings.Repeat("x", 300)
	got := UnknownCommandError([][]byte{[]byte(long), []byte(long), []byte("y")})
	want := "unknown command '" + long[:128] + "', with args beginning with: '" + long[:128] + "' "
	if got != want {
		t.Errorf("long arguments: got %q, want %q", got, want)
	}
	if got, want := UnknownSubcommandError("client", "nosuch"), "unknown subcommand 'nosuch'. Try CLIENT HELP."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
