package resp

import "testing"

// Input: option words in several cases, of other lengths, with non-ASCII
// letters that Unicode folds to ASCII ones (ſ to s, K, the Kelvin sign,
// to k). Expected: equal in any ASCII case only, as strcasecmp.
func TestEqualFold(t *testing.T) {
	for _, c := range []struct {
		s, lower string
		want     bool
	}{
		{"WRITE", "write", true}, {"wRiTe", "write", true}, {"write", "write", true},
		{"writ", "write", false}, {"writes", "write", false}, {"", "", true},
		{"ſet", "set", false}, {"\u212aeys", "keys", false}, {"WRITE\x00", "write", false},
	} {
		if got := EqualFold(c.s, c.lower); got != c.want {
			t.Errorf("EqualFold(%q, %q) = %v", c.s, c.lower, got)
		}
		if got := EqualFold([]byte(c.s), c.lower); got != c.want {
			t.Errorf("EqualFold([]byte(%q), %q) = %v", c.s, c.lower, got)
		}
	}
}
