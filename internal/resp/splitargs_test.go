package resp

import (
	"reflect"
	"testing"
)

// TestSplitArgs checks the exported sdssplitargs against a few lines whose
// splitting Redis documents: plain words, both quotes with their escapes,
// a failing quote, and a NUL ending the C string.
func TestSplitArgs(t *testing.T) {
	for _, tc := range []struct {
		line string
		want []string
		ok   bool
	}{
		{"  port   26379 ", []string{"port", "26379"}, true},
		{`sentinel auth-pass m "a b\x41\n"`, []string{"sentinel", "auth-pass", "m", "a bA\n"}, true},
		{`x 'it\'s'`, []string{"x", "it's"}, true},
		{`x "a"b`, nil, false},
		{`x "a`, nil, false},
		{"a b\x00c d", []string{"a", "b"}, true},
		{"", []string{}, true},
	} {
		got, ok := SplitArgs(tc.line)
		if ok != tc.ok || (ok && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("SplitArgs(%q) = %q, %v; want %q, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}
