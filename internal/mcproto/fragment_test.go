package mcproto

import (
	"hash/crc32"
	"strings"
	"testing"
	"unsafe"
)

// TestAppendRetrieval splits a gets and a gat of many keys across three
// "servers" by a hash of each key, as a proxy does, builds each server's
// line with AppendRetrieval, parses those lines back, and expects every
// key exactly once, on the server its hash picks, in the client's order
// within each server, with the gat's exptime kept.
func TestAppendRetrieval(t *testing.T) {
	for _, line := range []string{
		"gets a b c d e f a g h i j k l m n o p q r s t u v w x y z 0 1 2\r\n",
		"gat 300 a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2\r\n",
	} {
		var p Parser
		req, _, err := p.Parse([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		kind, exptime := req.Kind, req.Exptime
		groups := make([][][]byte, 3)
		for _, k := range req.Keys {
			s := crc32.ChecksumIEEE(k) % 3
			groups[s] = append(groups[s], k)
		}
		var seen []string
		for s, g := range groups {
			if len(g) == 0 {
				continue
			}
			out := AppendRetrieval(nil, kind, exptime, g)
			var q Parser
			sub, n, err := q.Parse(out)
			if err != nil || n != len(out) || sub.Kind != kind || sub.Exptime != exptime {
				t.Fatalf("server %d line %q parsed as %s", s, out, summary(sub, err))
			}
			for i, k := range sub.Keys {
				if string(k) != string(g[i]) || crc32.ChecksumIEEE(k)%3 != uint32(s) {
					t.Fatalf("server %d got key %q at %d, want %q", s, k, i, g[i])
				}
				seen = append(seen, string(k))
			}
		}
		if len(seen) != len(req.Keys) {
			t.Errorf("%q: %d keys sent, want %d", line, len(seen), len(req.Keys))
		}
	}
	if got := string(AppendRetrieval([]byte("x"), KindGet, 0, [][]byte{[]byte("k")})); got != "xget k\r\n" {
		t.Errorf("AppendRetrieval appended %q", got)
	}
}

// TestRelease checks that a released Parser is small, holds none of its
// working storage, keeps the state of a partly received line, and parses
// as before afterwards.
func TestRelease(t *testing.T) {
	if size := unsafe.Sizeof(Parser{}); size > 40 {
		t.Errorf("a Parser takes %d bytes, want at most 40", size)
	}
	var p Parser
	big := []byte("get" + strings.Repeat(" key", 1000) + "\r\n")
	if req, _, err := p.Parse(big); err != nil || len(req.Keys) != 1000 {
		t.Fatalf("multi-get: %v", err)
	}
	partial := []byte("get a b")
	if req, n, err := p.Parse(partial); req != nil || n != 0 || err != nil {
		t.Fatalf("partial line: %v %d %v", req, n, err)
	}
	p.Release()
	if p.s != nil {
		t.Fatal("Release kept the working storage")
	}
	req, n, err := p.Parse(append(partial, " c\r\n"...))
	if err != nil || n != len("get a b c\r\n") || len(req.Keys) != 3 || string(req.Keys[2]) != "c" {
		t.Fatalf("after Release: %s (n=%d)", summary(req, err), n)
	}
}
