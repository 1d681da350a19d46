package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// outcome is what a receiver does with a message: the three rows of
// cluster-bus.md's malformed-input table.
type outcome string

const (
	accepted outcome = "accepted"
	dropped  outcome = "dropped"
	closed   outcome = "closed"
)

// outcomeOf maps Decode's result to an outcome.
func outcomeOf(err error) outcome {
	switch {
	case err == nil:
		return accepted
	case ShouldClose(err):
		return closed
	}
	var de *DecodeError
	if errors.As(err, &de) && de.Verdict == Drop {
		return dropped
	}
	panic(fmt.Sprintf("error of unknown kind: %v", err))
}

// Helpers that patch raw bytes at the offsets of cluster-bus.md, so the
// malformed messages do not depend on the encoder.

func setTotLen(b []byte) []byte { put32(b[4:], uint32(len(b))); return b }

// withExt appends one extension header (length, type, unused = 0) and
// payload, sets extensions = nexts and, if flag, EXT_DATA in mflags[0],
// and fixes totlen.
func withExt(b []byte, length uint32, typ uint16, payload []byte, nexts uint16, flag bool) []byte {
	var h [8]byte
	put32(h[:], length)
	put16(h[4:], typ)
	b = append(append(b, h[:]...), payload...)
	put16(b[2214:], nexts)
	if flag {
		b[2253] |= 4
	}
	return setTotLen(b)
}

// asType turns the base PING into a message of type t with data appended.
func asType(b []byte, t MsgType, data ...byte) []byte {
	put16(b[12:], uint16(t))
	return setTotLen(append(b, data...))
}

func u32be(v uint32) []byte { var b [4]byte; put32(b[:], v); return b[:] }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// malformedRow is one row of the malformed-input table: a message built
// from a valid PING (base), what Decode must do with it, and what the
// Debian redis-server 7.0.15 was observed to do (TestMalformedAgainstRedis
// checks it again).
type malformedRow struct {
	name  string
	build func(base []byte) []byte
	want  outcome
	// redis is the binary's outcome when it differs from want.
	redis outcome
	// log is a WARNING the binary writes for the row, "" for none.
	log string
	// skipRedis gives why the row is not sent to the real server.
	skipRedis string
}

var malformedRows = []malformedRow{
	{name: "valid_ping", build: func(b []byte) []byte { return b }, want: accepted},

	// "sig ≠ RCmb or totlen < 2256": link closed.
	{name: "bad_sig", build: func(b []byte) []byte { b[0] = 'X'; return b }, want: closed, log: "Bad message length or signature"},
	{name: "totlen_below_2256", build: func(b []byte) []byte { put32(b[4:], 2255); return b }, want: closed, log: "Bad message length or signature"},
	{name: "totlen_zero", build: func(b []byte) []byte { put32(b[4:], 0); return b }, want: closed, log: "Bad message length or signature"},
	{name: "totlen_above_our_limit", build: func(b []byte) []byte { put32(b[4:], MaxMessageLen+1); return b }, want: closed,
		skipRedis: "Redis has no upper bound: it would wait for 64 MiB"},

	// "ver ≠ 1": dropped silently.
	{name: "ver_2", build: func(b []byte) []byte { put16(b[8:], 2); return b }, want: dropped},
	{name: "ver_0", build: func(b []byte) []byte { put16(b[8:], 0); return b }, want: dropped},

	// "PING/PONG/MEET with 2256 + 104·count > totlen": dropped (Debian).
	{name: "gossip_count_exceeds_totlen", build: func(b []byte) []byte { put16(b[14:], 1); return b }, want: dropped,
		log: "with gossip count 1 that exceeds total packet length (2256)"},
	{name: "gossip_count_exceeds_totlen_with_ext_flag", build: func(b []byte) []byte {
		put16(b[14:], 1)
		put16(b[2214:], 1)
		b[2253] |= 4
		return b
	}, want: dropped, log: "with gossip count 1 that exceeds total packet length (2256)"},
	{name: "gossip_count_65535", build: func(b []byte) []byte { put16(b[14:], 65535); return b }, want: dropped,
		log: "with gossip count 65535 that exceeds"},

	// "totlen ≠ computed explen (any type)": dropped.
	{name: "explen_ping_8_extra_bytes", build: func(b []byte) []byte { return setTotLen(append(b, make([]byte, 8)...)) }, want: dropped,
		log: "invalid ping packet of length 2264 but expected length 2256"},
	{name: "explen_gossip_count_short_of_totlen", build: func(b []byte) []byte {
		put16(b[14:], 1)
		return setTotLen(append(b, make([]byte, 112)...))
	}, want: dropped, log: "invalid ping packet of length 2368 but expected length 2360"},
	{name: "explen_fail_no_nodename", build: func(b []byte) []byte { return asType(b, TypeFail) }, want: dropped,
		log: "invalid fail packet of length 2256 but expected length 2296"},
	{name: "explen_auth_req_with_data", build: func(b []byte) []byte { return asType(b, TypeFailoverAuthRequest, make([]byte, 8)...) }, want: dropped,
		log: "invalid auth-req packet of length 2264 but expected length 2256"},
	{name: "explen_mfstart_with_data", build: func(b []byte) []byte { return asType(b, TypeMFStart, 0) }, want: dropped,
		log: "invalid mfstart packet of length 2257 but expected length 2256"},
	{name: "explen_update_short", build: func(b []byte) []byte { return asType(b, TypeUpdate, make([]byte, 2088)...) }, want: dropped,
		log: "invalid update packet of length 4344 but expected length 4352"},
	{name: "explen_publish_lengths_mismatch", build: func(b []byte) []byte {
		return asType(b, TypePublish, cat(u32be(2), u32be(4), []byte("chmsg"))...)
	}, want: dropped, log: "invalid publish packet of length 2269 but expected length 2270"},
	{name: "explen_publishshard_lengths_mismatch", build: func(b []byte) []byte {
		return asType(b, TypePublishShard, cat(u32be(1), u32be(1), []byte("c"))...)
	}, want: dropped, log: "invalid publishshard packet of length 2265 but expected length 2266"},
	{name: "explen_module_len_mismatch", build: func(b []byte) []byte {
		return asType(b, TypeModule, cat(make([]byte, 8), u32be(3), []byte{1}, []byte("ab"))...)
	}, want: dropped, log: "invalid module packet of length 2271 but expected length 2272"},
	{name: "publish_lengths_wrap_32_bits", build: func(b []byte) []byte {
		// 2264 + 0xffffffff + 9 = 2272 mod 2^32: Redis's check passes and
		// it would read a 4 GiB channel past the packet once someone
		// subscribes. We drop; on the wire nothing differs (no reply).
		return asType(b, TypePublish, cat(u32be(math.MaxUint32), u32be(9), []byte("xyzwxyzw"))...)
	}, want: dropped, redis: accepted},
	{name: "module_len_wrap_32_bits", build: func(b []byte) []byte {
		// 2269 + (2^32 - 9) = 2260 mod 2^32 = totlen: Redis's check
		// passes with the module header cut short.
		return asType(b, TypeModule, cat(make([]byte, 4))...)
	}, want: dropped, skipRedis: "Redis reads len from the 4 bytes after the packet, whatever its buffer holds there: with 2^32-9 it would accept"},

	// "EXT_DATA set, ext length %8 ≠ 0 or 0": dropped.
	{name: "ext_length_not_multiple_of_8", build: func(b []byte) []byte { return withExt(b, 12, 99, make([]byte, 8), 1, true) }, want: dropped,
		log: "without proper padding (12 bytes)"},
	{name: "ext_length_0", build: func(b []byte) []byte { return withExt(b, 0, 99, make([]byte, 8), 1, true) }, want: dropped,
		log: "without proper padding (0 bytes)"},
	{name: "ext_length_65536_is_0_in_16_bits", build: func(b []byte) []byte { return withExt(b, 65536, 99, nil, 1, true) }, want: dropped,
		log: "without proper padding (0 bytes)"},

	// "ext length beyond totlen (incl. EXT_DATA + extensions=1 with no bytes)": dropped.
	{name: "ext_length_beyond_totlen", build: func(b []byte) []byte { return withExt(b, 24, 99, make([]byte, 8), 1, true) }, want: dropped,
		log: "extension data that exceeds total packet length (2272)"},
	{name: "ext_flag_extensions_1_no_bytes", build: func(b []byte) []byte {
		put16(b[2214:], 1)
		b[2253] |= 4
		return b
	}, want: dropped, log: "extension data that exceeds total packet length (2256)"},
	{name: "ext_flag_extensions_2_one_present", build: func(b []byte) []byte { return withExt(b, 16, 99, make([]byte, 8), 2, true) }, want: dropped,
		log: "extension data that exceeds total packet length (2272)"},

	// "hostname ext without NUL": dropped (Debian).
	{name: "hostname_ext_without_nul", build: func(b []byte) []byte { return withExt(b, 16, 0, []byte("abcdefgh"), 1, true) }, want: dropped,
		log: "missing null terminator in extension type 0"},
	{name: "hostname_ext_empty_payload", build: func(b []byte) []byte { return withExt(b, 8, 0, nil, 1, true) }, want: dropped,
		log: "missing null terminator in extension type 0"},
	{name: "hostname_ext_length_65552_without_nul", build: func(b []byte) []byte {
		return withExt(b, 65536+16, 0, []byte("abcdefgh"), 1, true)
	}, want: dropped, log: "missing null terminator in extension type 0"},

	// "ext bytes present, flag clear, or flag set with extensions=0": dropped.
	{name: "ext_bytes_flag_clear", build: func(b []byte) []byte { return withExt(b, 16, 99, make([]byte, 8), 1, false) }, want: dropped,
		log: "invalid ping packet of length 2272 but expected length 2256"},
	{name: "ext_bytes_flag_set_extensions_0", build: func(b []byte) []byte { return withExt(b, 16, 99, make([]byte, 8), 0, true) }, want: dropped,
		log: "invalid ping packet of length 2272 but expected length 2256"},

	// "unknown ext type, well-formed": accepted.
	{name: "unknown_ext_type_well_formed", build: func(b []byte) []byte { return withExt(b, 16, 99, []byte("abcdefgh"), 1, true) }, want: accepted,
		log: "Received unknown extension type 99"},
	{name: "unknown_ext_type_empty_payload", build: func(b []byte) []byte { return withExt(b, 8, 99, nil, 1, true) }, want: accepted,
		log: "Received unknown extension type 99"},
	{name: "human_nodename_ext_without_nul", build: func(b []byte) []byte { return withExt(b, 16, 1, []byte("abcdefgh"), 1, true) }, want: accepted,
		log: "Received unknown extension type 1"},
	{name: "hostname_ext_well_formed", build: func(b []byte) []byte { return withExt(b, 16, 0, []byte("fake-ho\x00"), 1, true) }, want: accepted},

	// Beyond the table, observed on the binary.
	{name: "ext_length_65552_last_is_16_in_16_bits", build: func(b []byte) []byte { return withExt(b, 65536+16, 99, make([]byte, 8), 1, true) }, want: accepted,
		log: "Received unknown extension type 99"},
	{name: "ext_length_65552_not_last", build: func(b []byte) []byte {
		b = withExt(b, 65536+16, 99, make([]byte, 8), 1, true)
		return withExt(b, 16, 98, make([]byte, 8), 2, true)
	}, want: dropped, skipRedis: "Redis reads the second extension 65552 bytes on, outside the packet (observed: dropped, for whatever it found)"},
	{name: "extensions_1_flag_clear_no_bytes", build: func(b []byte) []byte { put16(b[2214:], 1); return b }, want: accepted,
		skipRedis: "accepted, but Redis then walks one extension outside the packet (observed: 'unknown extension type 97')"},
	{name: "unknown_message_type_11", build: func(b []byte) []byte { return asType(b, 11, 1, 2, 3) }, want: accepted,
		log: "Received unknown packet type: 11"},
	{name: "unknown_message_type_65535_header_only", build: func(b []byte) []byte { return asType(b, 65535) }, want: accepted,
		log: "Received unknown packet type: 65535"},
	{name: "publish_well_formed", build: func(b []byte) []byte {
		return asType(b, TypePublish, cat(u32be(2), u32be(3), []byte("chmsg"))...)
	}, want: accepted},
}

// validPing returns a PING from sender with no gossip and no extensions.
func validPing(h Header) []byte {
	h.Type = TypePing
	return AppendMessage(nil, &Message{Header: h})
}

func testHeader() Header {
	var h Header
	copy(h.Sender[:], strings.Repeat("a", 39)+"1")
	h.Port, h.CPort, h.Flags = 7100, 17100, NodeMaster
	return h
}

// decodeFramed runs a message through NextReadLen and Decode, as a link
// would: the frame check first, then the message.
func decodeFramed(b []byte) (*Message, error) {
	k, err := NextReadLen(b[:FramePrefixLen])
	if err != nil {
		return nil, err
	}
	n, _ := FrameLen(b)
	if k == 0 || n > len(b) {
		return nil, fmt.Errorf("incomplete message: totlen %d, have %d", n, len(b))
	}
	// The three-index slice makes any read past totlen panic.
	return Decode(b[:n:n])
}

func TestMalformedTable(t *testing.T) {
	base := validPing(testHeader())
	for _, r := range malformedRows {
		t.Run(r.name, func(t *testing.T) {
			b := r.build(bytes.Clone(base))
			var err error
			if r.want == closed {
				_, err = NextReadLen(b[:FramePrefixLen])
			} else {
				_, err = decodeFramed(b)
			}
			if got := outcomeOf(err); got != r.want {
				t.Fatalf("got %s (%v), want %s", got, err, r.want)
			}
			if err != nil {
				t.Logf("%v", err)
			}
		})
	}
}

// The Redis log lines of rejected rows are ours too: the reasons use
// Redis's words, so a node can log what Redis logs.
func TestMalformedReasonsMatchRedisLog(t *testing.T) {
	base := validPing(testHeader())
	for _, r := range malformedRows {
		if r.want == accepted || r.redis != "" || r.log == "" {
			continue
		}
		_, err := decodeFramed(r.build(bytes.Clone(base)))
		if err == nil || !strings.Contains(err.Error(), r.log) {
			t.Errorf("%s: error %q does not contain Redis's %q", r.name, err, r.log)
		}
	}
}

// TestMalformedAgainstRedis sends every row to a real redis-server (the
// Debian 7.0.15 build the table was written against) from a node it
// knows, followed by a valid PING on the same connection, and checks the
// binary does what the row says: two PONGs for an accepted PING, one for a
// dropped one (the link survives), none and a closed connection for a
// closed one; and that its log has the row's warning.
func TestMalformedAgainstRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("starts redis-server")
	}
	r := startClusterRedis(t)
	n1 := newFakeNode(t, strings.Repeat("a", 39)+"1")
	r.meet(t, n1)
	waitFor(t, 10*time.Second, "handshake with "+n1.name.String(), func() bool {
		return strings.Contains(r.cli(t, "cluster", "nodes"), n1.name.String()+" 127.0.0.1")
	})
	base := validPing(n1.header())
	// The valid PING sent after each row carries a currentEpoch higher
	// than any before it: Redis adopts it from a known sender before it
	// replies, so the PONG that carries it is the PING's, and every PONG
	// before it is the row's.
	fenceEpoch := uint64(1 << 20)
	fence := func(epoch uint64) []byte {
		h := n1.header()
		h.CurrentEpoch = epoch
		return validPing(h)
	}

	// One row at a time: Redis keeps one inbound link per known node and
	// frees the older one when another connects
	// (setClusterNodeToInboundClusterLink).
	for _, row := range malformedRows {
		if row.skipRedis != "" {
			t.Logf("%s: not sent: %s", row.name, row.skipRedis)
			continue
		}
		want := row.want
		if row.redis != "" {
			want = row.redis
		}
		msg := row.build(bytes.Clone(base))
		fenceEpoch++
		got, err := sendAndCount(r.busPort, msg, fence(fenceEpoch), fenceEpoch)
		if err != nil {
			t.Errorf("%s: %v", row.name, err)
			continue
		}
		// A message other than PING gets no reply, accepted or dropped:
		// one PONG (for the valid PING) shows the link survived, and the
		// log check below tells the rest.
		if want != closed && MsgType(be16(msg[12:])) != TypePing {
			want = dropped
		}
		if got != want {
			t.Errorf("%s: redis-server: %s, want %s", row.name, got, want)
		}
	}
	log := r.log()
	if t.Failed() {
		t.Logf("redis log:\n%s", log)
	}
	for _, row := range malformedRows {
		if row.skipRedis == "" && row.log != "" && !strings.Contains(log, row.log) {
			t.Errorf("%s: redis log lacks %q", row.name, row.log)
		}
	}
}

// sendAndCount writes msg then next on a new bus connection, next being
// a valid PING whose currentEpoch, fenceEpoch, is higher than the
// receiver's: the PONG to next is the first one carrying fenceEpoch or
// more, and it comes after the PONG to msg, if any (one link's messages
// are handled in order). It returns accepted if msg got a PONG, dropped
// if only next did, closed if the connection ends first. Nothing is timed
// but a generous deadline for the whole exchange.
func sendAndCount(busPort int, msg, next []byte, fenceEpoch uint64) (outcome, error) {
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", busPort))
	if err != nil {
		return "", err
	}
	defer c.Close()
	if _, err := c.Write(cat(msg, next)); err != nil {
		return closed, nil
	}
	pongs := 0
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		b, err := readMessage(c)
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			return "", fmt.Errorf("no PONG to the valid PING within 10 s (%d PONGs before), and the link is open", pongs)
		case err != nil:
			if pongs == 0 {
				return closed, nil
			}
			return "", fmt.Errorf("link closed after %d PONGs: %v", pongs, err)
		}
		if MsgType(be16(b[12:])) != TypePong {
			return "", fmt.Errorf("reply of type %d", be16(b[12:]))
		}
		if be64(b[16:]) >= fenceEpoch {
			switch pongs {
			case 0:
				return dropped, nil
			case 1:
				return accepted, nil
			}
			return "", fmt.Errorf("%d PONGs before the valid PING's", pongs)
		}
		pongs++
	}
}

// readMessage reads one message the way a link does: NextReadLen says
// how much, and the buffer grows only by what arrived.
func readMessage(r io.Reader) ([]byte, error) {
	var buf []byte
	var chunk [ReadChunkLen]byte
	for {
		k, err := NextReadLen(buf)
		if err != nil {
			return nil, err
		}
		if k == 0 {
			return buf, nil
		}
		got, err := r.Read(chunk[:k])
		buf = append(buf, chunk[:got]...)
		if err != nil {
			return nil, err
		}
	}
}

func TestFrameLen(t *testing.T) {
	ok := cat([]byte("RCmb"), u32be(2256))
	for _, tc := range []struct {
		name   string
		prefix []byte
		want   int // -1: close
	}{
		{"min", ok, 2256},
		{"msgsize", cat([]byte("RCmb"), u32be(MsgSize)), MsgSize},
		{"max", cat([]byte("RCmb"), u32be(MaxMessageLen)), MaxMessageLen},
		{"above_max", cat([]byte("RCmb"), u32be(MaxMessageLen+1)), -1},
		{"u32_max", cat([]byte("RCmb"), u32be(math.MaxUint32)), -1},
		{"below_min", cat([]byte("RCmb"), u32be(2255)), -1},
		{"sig_lowercase", cat([]byte("rcmb"), u32be(2256)), -1},
		{"short_prefix", ok[:7], -1},
	} {
		n, err := FrameLen(tc.prefix)
		switch {
		case tc.want < 0 && !ShouldClose(err):
			t.Errorf("%s: FrameLen = %d, %v; want a close error", tc.name, n, err)
		case tc.want >= 0 && (err != nil || n != tc.want):
			t.Errorf("%s: FrameLen = %d, %v; want %d", tc.name, n, err, tc.want)
		}
	}
}

// A peer announcing 100 MB (within a larger limit it would be legal) and
// sending 10 KB costs the reader about 10 KB, not 100 MB: NextReadLen
// never asks for more than ReadChunkLen at a time.
func TestNextReadLenGrowsWithArrivals(t *testing.T) {
	var buf []byte
	stream := cat([]byte("RCmb"), u32be(MaxMessageLen), make([]byte, 10<<10))
	for len(stream) > 0 {
		k, err := NextReadLen(buf)
		if err != nil {
			t.Fatal(err)
		}
		if k <= 0 || k > ReadChunkLen {
			t.Fatalf("NextReadLen = %d with %d buffered", k, len(buf))
		}
		k = min(k, len(stream))
		buf = append(buf, stream[:k]...)
		stream = stream[k:]
	}
	if cap(buf) > 64<<10 {
		t.Errorf("buffer capacity %d after 10 KB arrived", cap(buf))
	}
	if k, _ := NextReadLen(buf); k != ReadChunkLen {
		t.Errorf("NextReadLen = %d, want a full chunk", k)
	}
}

// Several messages in one stream, read in arbitrary splits, come out
// whole and in order, including ones larger than ReadChunkLen.
func TestReadStreamOfMessages(t *testing.T) {
	h := testHeader()
	msgs := []*Message{
		{Header: h},
		{Header: withType(h, TypePong), Gossip: make([]Gossip, 60)}, // 8496 bytes > 4352
		{Header: withType(h, TypeUpdate)},
		{Header: withType(h, TypeMeet), Exts: []Extension{HostnameExt("x.example")}},
	}
	var stream []byte
	for _, m := range msgs {
		stream = AppendMessage(stream, m)
	}
	for _, split := range []int{1, 7, 8, 100, 4352, len(stream)} {
		r := &splitReader{b: stream, n: split}
		for i, m := range msgs {
			b, err := readMessage(r)
			if err != nil {
				t.Fatalf("split %d, message %d: %v", split, i, err)
			}
			got, err := Decode(b)
			if err != nil || got.Type != m.Type {
				t.Fatalf("split %d, message %d: %v, type %v", split, i, err, got)
			}
		}
	}
}

func withType(h Header, t MsgType) Header { h.Type = t; return h }

type splitReader struct {
	b []byte
	n int
}

func (r *splitReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), r.n)], r.b)
	r.b = r.b[k:]
	return k, nil
}

func TestDecodeNeedsWholeMessage(t *testing.T) {
	b := validPing(testHeader())
	for _, in := range [][]byte{b[:7], b[:2255], append(bytes.Clone(b), 0)} {
		if _, err := Decode(in); !ShouldClose(err) {
			t.Errorf("Decode(%d bytes of a %d-byte message) = %v, want a close error", len(in), len(b), err)
		}
	}
}

// ---- A real redis-server and fake nodes, for the interop test and the
// capture of testdata/redis-7.0.15.

type clusterRedis struct {
	port, busPort int
	logPath       string
}

func startClusterRedis(t *testing.T, extra ...string) *clusterRedis {
	t.Helper()
	testenv.RequireBinary(t, "redis-cli")
	logPath := filepath.Join(t.TempDir(), "redis.log")
	// Cluster mode refuses ports above 55535 (the bus is port+10000);
	// StartRedis retries when the server exits.
	port := testenv.StartRedis(t, append([]string{"--cluster-enabled", "yes",
		"--cluster-node-timeout", "3000", "--logfile", logPath}, extra...)...)
	return &clusterRedis{port: port, busPort: port + PortIncr, logPath: logPath}
}

func (r *clusterRedis) cli(t testing.TB, args ...string) string {
	t.Helper()
	return redisCLI(t, r.port, args...)
}

func (r *clusterRedis) log() string {
	b, _ := os.ReadFile(r.logPath)
	return string(b)
}

// meet runs CLUSTER MEET for f: Redis connects to f's listener and sends
// MEET; f's PONG completes the handshake (cluster-bus.md §7 A).
func (r *clusterRedis) meet(t testing.TB, f *fakeNode) {
	r.cli(t, "cluster", "meet", "127.0.0.1", fmt.Sprint(f.port), fmt.Sprint(f.cport))
}

func redisCLI(t testing.TB, port int, args ...string) string {
	t.Helper()
	out, err := exec.Command("redis-cli", append([]string{"-p", fmt.Sprint(port)}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fakeNode is the least a node must do for Redis to keep it: listen on
// its bus port and answer every PING and MEET with a PONG on the same
// connection. It records what it receives.
type fakeNode struct {
	name        NodeName
	ln          net.Listener
	port, cport int

	mu    sync.Mutex
	recv  [][]byte
	quiet bool // stop answering, to be marked failing
	// slots and configEpoch go in every header f sends, as a master's
	// claim (zero: no slots, epoch 0).
	slots       SlotBitmap
	configEpoch uint64
	hostname    string // sent as a hostname extension in PONGs, if set
}

func newFakeNode(t testing.TB, name string) *fakeNode {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeNode{ln: ln}
	copy(f.name[:], name)
	f.cport = ln.Addr().(*net.TCPAddr).Port
	f.port = f.cport - 1 // only advertised: nobody connects to it
	t.Cleanup(func() { ln.Close() })
	go f.serve()
	return f
}

func (f *fakeNode) header() Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return Header{Port: uint16(f.port), CPort: uint16(f.cport), Sender: f.name, Flags: NodeMaster,
		MySlots: f.slots, ConfigEpoch: f.configEpoch, CurrentEpoch: f.configEpoch}
}

// message is a PING, PONG or MEET from f: its header, and its hostname
// extension if it has one.
func (f *fakeNode) message(t MsgType) *Message {
	m := &Message{Header: withType(f.header(), t)}
	f.mu.Lock()
	if f.hostname != "" {
		m.Exts = []Extension{HostnameExt(f.hostname)}
	}
	f.mu.Unlock()
	return m
}

func (f *fakeNode) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			for {
				b, err := readMessage(c)
				if err != nil {
					return
				}
				f.mu.Lock()
				f.recv = append(f.recv, b)
				quiet := f.quiet
				f.mu.Unlock()
				if t := MsgType(be16(b[12:])); !quiet && (t == TypePing || t == TypeMeet) {
					c.Write(AppendMessage(nil, f.message(TypePong)))
				}
			}
		}()
	}
}

// received returns the first message f received that match accepts.
func (f *fakeNode) received(match func(m *Message) bool) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range f.recv {
		if m, err := Decode(b); err == nil && match(m) {
			return b
		}
	}
	return nil
}
