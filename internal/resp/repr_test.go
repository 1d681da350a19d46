package resp

import "testing"

// TestReprSplitArgsRoundTrip: Repr's quoting (sdscatrepr's bytes: "a b"
// as "\"a b\"", a NUL as \x00, a quote and a backslash escaped) reads
// back through SplitArgs as the original, for every byte value.
func TestReprSplitArgsRoundTrip(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a b", `"a b"`}, {"", `""`}, {"q\"b\\", `"q\"b\\"`}, {"\n\r\t\a\b", `"\n\r\t\a\b"`}, {"\x00\xff~", `"\x00\xff~"`},
	} {
		if got := Repr(c.in); got != c.want {
			t.Errorf("Repr(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	var all []byte
	for i := 1; i < 256; i++ { // SplitArgs stops at a NUL, as sdssplitargs
		all = append(all, byte(i))
	}
	args, ok := SplitArgs(Repr(string(all)))
	if !ok || len(args) != 1 || args[0] != string(all) {
		t.Errorf("SplitArgs(Repr(every byte)) = %q, %v", args, ok)
	}
}
