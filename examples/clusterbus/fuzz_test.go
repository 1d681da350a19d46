package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"unsafe"
)

// FuzzDecode feeds arbitrary bytes to the framing and decoding steps.
// Properties:
//   - nothing panics, and nothing reads past totlen: the message is
//     passed as data[:n:n], so any read beyond it would panic;
//   - Decode does not write to the message;
//   - a bad prefix closes, a framed message is at worst dropped;
//   - allocation is bounded by totlen by construction: the gossip and
//     extension arrays are exactly as long as the counts, which were
//     checked against totlen (TestDecodeAllocationBound measures it);
//   - an accepted message re-encodes to an accepted, equal message, and
//     to the same bytes unless it used one of Redis's lenient corners.
//
// The seed corpus is testdata/fuzz/FuzzDecode (regenerate with -fuzzseed)
// plus the round-trip messages.
func FuzzDecode(f *testing.F) {
	for _, m := range roundTripMessages() {
		f.Add(AppendMessage(nil, m))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < FramePrefixLen {
			if k, err := NextReadLen(data); err != nil || k != FramePrefixLen-len(data) {
				t.Fatalf("NextReadLen(%d bytes) = %d, %v", len(data), k, err)
			}
			if _, err := Decode(data); !ShouldClose(err) {
				t.Fatalf("Decode of %d bytes: %v", len(data), err)
			}
			return
		}
		n, err := FrameLen(data)
		if err != nil {
			if !ShouldClose(err) {
				t.Fatalf("FrameLen error %v is not a close", err)
			}
			if _, err := NextReadLen(data[:FramePrefixLen]); !ShouldClose(err) {
				t.Fatalf("NextReadLen disagrees with FrameLen: %v", err)
			}
			return
		}
		if n > len(data) {
			if _, err := Decode(data); !ShouldClose(err) {
				t.Fatalf("Decode of %d bytes of a %d-byte message: %v", len(data), n, err)
			}
			k, err := NextReadLen(data)
			if err != nil || k != min(n-len(data), ReadChunkLen) {
				t.Fatalf("NextReadLen = %d, %v", k, err)
			}
			return
		}
		msg := data[:n:n]
		orig := bytes.Clone(msg)
		m, err := Decode(msg)
		if !bytes.Equal(msg, orig) {
			t.Fatal("Decode wrote to the message")
		}
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || de.Verdict != Drop {
				t.Fatalf("framed message failed with %v, want a drop", err)
			}
			return
		}
		checkBounds(t, m, n)

		enc := AppendMessage(nil, m)
		m2, err := Decode(enc)
		if err != nil {
			t.Fatalf("re-encoded message rejected: %v", err)
		}
		want := *m
		if m.Type.isPing() {
			// Without EXT_DATA the header's extensions count is not
			// checked and no extension is decoded; the encoder writes the
			// count it has.
			want.Extensions = uint16(len(m.Exts))
			want.TotLen = uint32(len(enc))
		}
		if !msgEqual(m2, &want) {
			diff(t, "re-decoded", m2, &want)
		}
		if !lenient(m, msg) && !bytes.Equal(enc, msg) {
			t.Fatalf("re-encoding differs at byte %d", firstDiff(enc, msg))
		}
	})
}

// msgEqual is reflect.DeepEqual for messages, minus its cost on the
// 2048-byte arrays (Header, Gossip, Fail and Update are comparable), with
// nil and empty slices equal.
func msgEqual(a, b *Message) bool {
	if a.Header != b.Header || !slices.Equal(a.Gossip, b.Gossip) || len(a.Exts) != len(b.Exts) ||
		a.Fail != b.Fail || a.Update != b.Update ||
		!bytes.Equal(a.Publish.Channel, b.Publish.Channel) || !bytes.Equal(a.Publish.Message, b.Publish.Message) ||
		a.Module.ModuleID != b.Module.ModuleID || a.Module.Type != b.Module.Type ||
		!bytes.Equal(a.Module.Payload, b.Module.Payload) || !bytes.Equal(a.Payload, b.Payload) {
		return false
	}
	for i := range a.Exts {
		x, y := &a.Exts[i], &b.Exts[i]
		if x.Type != y.Type || x.Unused != y.Unused || !bytes.Equal(x.Data, y.Data) {
			return false
		}
	}
	return true
}

// lenient reports whether the accepted message m uses a corner where
// re-encoding cannot give the same bytes: an extensions count without
// EXT_DATA, or an extension length over 16 bits.
func lenient(m *Message, msg []byte) bool {
	if !m.Type.isPing() {
		return false
	}
	if int(m.Extensions) != len(m.Exts) {
		return true
	}
	off := HeaderLen + GossipLen*len(m.Gossip)
	for range m.Exts {
		if be32(msg[off:]) > 0xffff {
			return true
		}
		off += extLenAt(msg, off)
	}
	return false
}

// checkBounds checks the decoded message against totlen n: counts within
// what the bytes can hold, arrays exactly as long as the counts.
func checkBounds(t *testing.T, m *Message, n int) {
	t.Helper()
	if int(m.TotLen) != n {
		t.Fatalf("TotLen %d, message %d bytes", m.TotLen, n)
	}
	if m.Type.isPing() {
		if len(m.Gossip) != int(m.Count) || HeaderLen+GossipLen*len(m.Gossip) > n {
			t.Fatalf("%d gossip entries for count %d in %d bytes", len(m.Gossip), m.Count, n)
		}
		if len(m.Exts) > (n-HeaderLen)/ExtHeaderLen {
			t.Fatalf("%d extensions in %d bytes", len(m.Exts), n)
		}
	}
	if cap(m.Gossip) != len(m.Gossip) || cap(m.Exts) != len(m.Exts) {
		t.Fatalf("arrays larger than needed: gossip %d/%d, exts %d/%d", len(m.Gossip), cap(m.Gossip), len(m.Exts), cap(m.Exts))
	}
}

// TestDecodeAllocationBound measures what Decode allocates for the
// messages that make it allocate most per byte: the most gossip entries
// (104 bytes on the wire, 104 in memory) and the most extensions (8 bytes
// on the wire, 32 in memory). It stays within 4 times totlen plus the
// fixed Message.
func TestDecodeAllocationBound(t *testing.T) {
	tiny := make([]Extension, 65535)
	for i := range tiny {
		tiny[i].Type = 77
	}
	cases := map[string][]byte{
		"gossip_65535": AppendMessage(nil, &Message{Gossip: make([]Gossip, 65535)}),
		"exts_65535":   AppendMessage(nil, &Message{Exts: tiny}),
		"publish_1MB":  AppendMessage(nil, &Message{Header: Header{Type: TypePublish}, Publish: Publish{Message: make([]byte, 1<<20)}}),
		"header_only":  AppendMessage(nil, &Message{}),
	}
	// Lying counts are dropped before anything is allocated for them.
	lie := AppendMessage(nil, &Message{})
	put16(lie[offCount:], 65535)
	cases["count_lie"] = lie
	lie = AppendMessage(nil, &Message{})
	put16(lie[offExtensions:], 65535)
	lie[offMFlags] |= MFlag0ExtData
	cases["exts_lie"] = lie

	fixed := uint64(unsafe.Sizeof(Message{}))
	const runs = 20
	for name, b := range cases {
		// Averaged over runs: small allocations reach TotalAlloc only
		// when a per-P cache is refilled.
		var before, after runtime.MemStats
		var err error
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range runs {
			decodeSink, err = Decode(b)
		}
		runtime.ReadMemStats(&after)
		got := (after.TotalAlloc - before.TotalAlloc) / runs
		limit := 4*uint64(len(b)) + fixed + 64<<10
		t.Logf("%s: totlen %d, allocated %d bytes per Decode (limit %d), err %v", name, len(b), got, limit, err)
		if got > limit {
			t.Errorf("%s: allocated %d bytes for a %d-byte message", name, got, len(b))
		}
	}
}

// decodeSink keeps Decode's result on the heap, as in a node.
var decodeSink *Message

var fuzzSeed = flag.Bool("fuzzseed", false, "rewrite the seed corpus in testdata/fuzz/FuzzDecode")

// TestWriteFuzzSeed writes the seed corpus of FuzzDecode: the malformed
// rows, the hand-written fixtures and the packets captured from Redis.
func TestWriteFuzzSeed(t *testing.T) {
	if !*fuzzSeed {
		t.Skip("regenerate with -fuzzseed")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	seeds := map[string][]byte{}
	base := validPing(testHeader())
	for _, r := range malformedRows {
		seeds["row-"+r.name] = r.build(bytes.Clone(base))
	}
	for _, f := range []string{"ping-2gossip-hostname", "meet", "fail", "update"} {
		seeds["fixture-"+f] = readFixture(t, filepath.Join("testdata", f+".txt"))
	}
	captured, _ := filepath.Glob(filepath.Join(captureDir, "*.bin"))
	for _, p := range captured {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		seeds["redis-"+filepath.Base(p[:len(p)-4])] = b
	}
	// Two messages back to back: the decoder sees only the first.
	seeds["two-messages"] = append(bytes.Clone(base), base...)
	for name, b := range seeds {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %d seeds", len(seeds))
}
