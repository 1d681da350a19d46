package rlimit

import "testing"

// Input: the current limits set again, then a soft limit of 64 (below
// any hard limit a test runs with), then the old ones. Expected: each
// read gives back what was set.
func TestNoFileRoundTrip(t *testing.T) {
	cur, max, err := NoFile()
	if err != nil {
		t.Fatal(err)
	}
	if cur == 0 || max < cur {
		t.Fatalf("NoFile() = %d, %d", cur, max)
	}
	t.Cleanup(func() { SetNoFile(cur, max) })
	for _, soft := range []uint64{cur, 64} {
		if err := SetNoFile(soft, max); err != nil {
			t.Fatalf("SetNoFile(%d, %d): %v", soft, max, err)
		}
		if c, m, _ := NoFile(); c != soft || m != max {
			t.Fatalf("after SetNoFile(%d, %d): %d, %d", soft, max, c, m)
		}
	}
}
