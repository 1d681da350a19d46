package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func name(s string) NodeName {
	var n NodeName
	copy(n[:], s)
	return n
}

func slots(s ...int) SlotBitmap {
	var b SlotBitmap
	for _, x := range s {
		b.Set(x)
	}
	return b
}

// canon makes a decoded message and an expected one comparable: empty
// slices become nil.
func canon(m *Message) *Message {
	c := *m
	if len(c.Gossip) == 0 {
		c.Gossip = nil
	}
	if len(c.Exts) == 0 {
		c.Exts = nil
	}
	c.Exts = slices.Clone(c.Exts)
	for i := range c.Exts {
		if len(c.Exts[i].Data) == 0 {
			c.Exts[i].Data = nil
		}
	}
	nilIfEmpty(&c.Publish.Channel)
	nilIfEmpty(&c.Publish.Message)
	nilIfEmpty(&c.Module.Payload)
	nilIfEmpty(&c.Payload)
	return &c
}

func nilIfEmpty(b *[]byte) {
	if len(*b) == 0 {
		*b = nil
	}
}

func diff(t *testing.T, what string, got, want *Message) {
	t.Helper()
	g, w := canon(got), canon(want)
	if reflect.DeepEqual(g, w) {
		return
	}
	gv, wv := reflect.ValueOf(g).Elem(), reflect.ValueOf(w).Elem()
	for i := 0; i < gv.NumField(); i++ {
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			t.Errorf("%s: field %s:\n got %+v\nwant %+v", what, gv.Type().Field(i).Name, gv.Field(i).Interface(), wv.Field(i).Interface())
		}
	}
}

// readFixture parses a hand-written fixture of testdata/*.txt: "len N",
// then "<decimal offset> <hex | "quoted">" lines; # starts a comment.
func readFixture(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b []byte
	sc := bufio.NewScanner(f)
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		key, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		if key == "len" {
			n, err := strconv.Atoi(strings.Fields(rest)[0])
			if err != nil {
				t.Fatalf("%s:%d: %v", path, ln, err)
			}
			b = make([]byte, n)
			continue
		}
		var val []byte
		if rest[0] == '"' {
			end := strings.Index(rest[1:], `"`) + 2
			s, err := strconv.Unquote(rest[:end])
			if err != nil {
				t.Fatalf("%s:%d: %v", path, ln, err)
			}
			val = []byte(s)
		} else {
			word, _, _ := strings.Cut(rest, " ")
			if val, err = hex.DecodeString(word); err != nil {
				t.Fatalf("%s:%d: %v", path, ln, err)
			}
		}
		off, err := strconv.Atoi(key)
		if err != nil || b == nil || off+len(val) > len(b) {
			t.Fatalf("%s:%d: bad offset %q (len %d)", path, ln, key, len(b))
		}
		copy(b[off:], val)
	}
	return b
}

// The hand-written fixtures decode to the values their comments give, and
// the encoder writes them byte for byte.
func TestFixtures(t *testing.T) {
	redis := name("0123456789abcdef0123456789abcdef01234567")
	for _, tc := range []struct {
		file string
		want Message
	}{
		{"ping-2gossip-hostname.txt", Message{
			Header: Header{TotLen: 2488, Ver: 1, Port: 7100, Type: TypePing, Count: 2,
				CurrentEpoch: 5, ConfigEpoch: 3, Offset: 4096,
				Sender: name(strings.Repeat("a", 39) + "1"), MySlots: slots(0, 9, 16383),
				MyIP: MakeIPField("127.0.0.1"), Extensions: 1, CPort: 17100,
				Flags: NodeMyself | NodeMaster, MFlags: [3]byte{MFlag0ExtData}},
			Gossip: []Gossip{
				{NodeName: name(strings.Repeat("b", 39) + "2"), PongReceived: 1700000000,
					IP: MakeIPField("127.0.0.1"), Port: 7101, CPort: 17101, Flags: NodeMaster},
				{NodeName: name(strings.Repeat("c", 39) + "3"), PingSent: 1700000005, PongReceived: 1699999990,
					IP: MakeIPField("10.0.0.3"), Port: 7102, CPort: 17102, Flags: NodeMaster | NodePFail, PPort: 6379},
			},
			Exts: []Extension{{Type: ExtHostname, Data: []byte("node-a.example\x00\x00")}},
		}},
		{"meet.txt", Message{Header: Header{TotLen: 2256, Ver: 1, Port: 7001, Type: TypeMeet,
			Sender: redis, CPort: 17001, Flags: NodeMyself | NodeMaster, State: 1}}},
		{"fail.txt", Message{
			Header: Header{TotLen: 2296, Ver: 1, Port: 7001, Type: TypeFail, CurrentEpoch: 7, ConfigEpoch: 2,
				Sender: redis, MySlots: slots(0, 1, 2, 3, 4, 5, 6, 7), CPort: 17001, Flags: NodeMyself | NodeMaster},
			Fail: Fail{NodeName: name(strings.Repeat("c", 39) + "3")},
		}},
		{"update.txt", Message{
			Header: Header{TotLen: 4352, Ver: 1, Port: 7001, Type: TypeUpdate, CurrentEpoch: 9, ConfigEpoch: 9,
				Sender: redis, SlaveOf: name(strings.Repeat("d", 40)), PPort: 7002, CPort: 17001,
				Flags: NodeMyself | NodeSlave, MFlags: [3]byte{MFlag0Paused}},
			Update: Update{ConfigEpoch: 9, NodeName: name(strings.Repeat("d", 40)), Slots: slots(0, 5460, 16383)},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b := readFixture(t, filepath.Join("testdata", tc.file))
			m, err := decodeFramed(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			diff(t, "decoded", m, &tc.want)
			if enc := AppendMessage(nil, &tc.want); !bytes.Equal(enc, b) {
				t.Errorf("AppendMessage differs from the fixture at byte %d", firstDiff(enc, b))
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// captureDir holds packets captured from the Debian redis-server
// 7.0.15, made by TestCaptureRedisPackets -capture; see its README.
const captureDir = "testdata/redis-7.0.15"

// Real packets decode, look as cluster-bus.md says Redis's packets look,
// and the encoder reproduces them byte for byte.
func TestCapturedRedisPackets(t *testing.T) {
	fake := map[NodeName]bool{}
	for _, s := range []string{"a", "b", "c"} {
		fake[name(strings.Repeat(s, 39)+fmt.Sprint(1+strings.Index("abc", s)))] = true
	}
	for _, tc := range []struct {
		file     string
		typ      MsgType
		count    int
		hostname string
	}{
		{"meet.bin", TypeMeet, 0, ""},
		{"meet-hostname.bin", TypeMeet, 1, "redis-host.example"}, // n1 was known by then
		{"ping-gossip2-hostname.bin", TypePing, 2, "redis-host.example"},
		{"pong-gossip2-hostname.bin", TypePong, 2, "redis-host.example"},
		{"update.bin", TypeUpdate, 0, ""},
		{"fail.bin", TypeFail, 0, ""},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(captureDir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			m, err := decodeFramed(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			h := &m.Header
			if h.Type != tc.typ || int(h.Count) != tc.count || len(m.Gossip) != tc.count {
				t.Errorf("type %v count %d, want %v %d", h.Type, h.Count, tc.typ, tc.count)
			}
			if err := VerifyNodeID(h.Sender.String()); err != nil {
				t.Errorf("sender %q: %v", h.Sender, err)
			}
			// cluster-bus.md §9: "totlen 2256, ver 1, port P, cport P+10000,
			// pport 0, flags 17, ... mflags 000000, myip """.
			if h.CPort != h.Port+PortIncr || h.PPort != 0 || h.Flags != NodeMyself|NodeMaster ||
				h.MyIP != (IPField{}) || !h.SlaveOf.IsNull() {
				t.Errorf("header: port %d cport %d pport %d flags %v myip %q slaveof %q",
					h.Port, h.CPort, h.PPort, h.Flags, h.MyIP, h.SlaveOf)
			}
			for _, g := range m.Gossip {
				if !fake[g.NodeName] || g.IP.String() != "127.0.0.1" || g.Flags != NodeMaster || g.CPort != g.Port+1 {
					t.Errorf("gossip entry %+v", g)
				}
			}
			if tc.hostname == "" {
				if len(m.Exts) != 0 || h.MFlags != [3]byte{} {
					t.Errorf("extensions %v, mflags %v", m.Exts, h.MFlags)
				}
			} else {
				if len(m.Exts) != 1 || m.Exts[0].Type != ExtHostname || h.MFlags != [3]byte{MFlag0ExtData} {
					t.Fatalf("extensions %+v, mflags %v", m.Exts, h.MFlags)
				}
				if s, ok := m.Exts[0].CString(); !ok || s != tc.hostname {
					t.Errorf("hostname %q, %v", s, ok)
				}
			}
			switch tc.typ {
			case TypeFail:
				if !fake[m.Fail.NodeName] {
					t.Errorf("FAIL about %q", m.Fail.NodeName)
				}
			case TypeUpdate:
				if m.Update.NodeName != h.Sender || !m.Update.Slots.Has(0) || m.Update.Slots.Count() != 3 {
					t.Errorf("UPDATE %q slots %d", m.Update.NodeName, m.Update.Slots.Count())
				}
			}
			if enc := AppendMessage(nil, m); !bytes.Equal(enc, b) {
				t.Errorf("re-encoded message differs at byte %d", firstDiff(enc, b))
			}
		})
	}
}

var capture = flag.Bool("capture", false, "capture packets from redis-server into "+captureDir)

// TestCaptureRedisPackets regenerates testdata/redis-7.0.15 from a real
// redis-server (go test -run TestCaptureRedisPackets -capture). Three
// fake nodes join a Redis that announces a hostname, so that its
// PINGs carry gossip (4 nodes: max(3, 4/10) capped at 4-2 = 2 entries)
// and the hostname extension; the first joins before the hostname is set,
// for a bare MEET. Then a node claims a slot of Redis's with an older
// configEpoch, which earns it an UPDATE, and one goes quiet and is
// reported failing, which makes Redis (the only slot owner, so a
// majority by itself) broadcast FAIL.
func TestCaptureRedisPackets(t *testing.T) {
	if !*capture {
		t.Skip("regenerate with -capture")
	}
	r := startClusterRedis(t)
	nodes := []*fakeNode{
		newFakeNode(t, strings.Repeat("a", 39)+"1"),
		newFakeNode(t, strings.Repeat("b", 39)+"2"),
		newFakeNode(t, strings.Repeat("c", 39)+"3"),
	}
	n1, n2, n3 := nodes[0], nodes[1], nodes[2]
	got := map[string][]byte{}
	await := func(file string, f *fakeNode, match func(m *Message) bool) {
		t.Helper()
		waitFor(t, 15*time.Second, file, func() bool { got[file] = f.received(match); return got[file] != nil })
	}
	isType := func(tp MsgType) func(m *Message) bool { return func(m *Message) bool { return m.Type == tp } }

	r.meet(t, n1)
	await("meet.bin", n1, isType(TypeMeet))
	r.cli(t, "config", "set", "cluster-announce-hostname", "redis-host.example")
	r.meet(t, n2)
	r.meet(t, n3)
	await("meet-hostname.bin", n2, isType(TypeMeet))
	for _, f := range nodes {
		f := f
		waitFor(t, 10*time.Second, "handshake", func() bool {
			return strings.Contains(r.cli(t, "cluster", "nodes"), f.name.String()+" 127.0.0.1")
		})
	}
	await("ping-gossip2-hostname.bin", n1, func(m *Message) bool { return m.Type == TypePing && m.Count == 2 && len(m.Exts) == 1 })

	// Our own link to Redis: a PING earns a PONG with gossip.
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", r.busPort))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for got["pong-gossip2-hostname.bin"] == nil {
		c.Write(validPing(n1.header()))
		b, err := readMessage(c)
		if err != nil {
			t.Fatal(err)
		}
		if m, err := Decode(b); err == nil && m.Count == 2 {
			got["pong-gossip2-hostname.bin"] = b
		}
	}

	r.cli(t, "cluster", "addslots", "0", "1", "2")
	r.cli(t, "cluster", "bumpepoch")
	claim := n1.header()
	claim.Type = TypePing
	claim.MySlots.Set(0)
	c.Write(AppendMessage(nil, &Message{Header: claim}))
	await("update.bin", n1, isType(TypeUpdate))

	n3.mu.Lock()
	n3.quiet = true
	n3.mu.Unlock()
	waitFor(t, 20*time.Second, "n3 fail?", func() bool {
		return strings.Contains(r.cli(t, "cluster", "nodes"), n3.name.String()+" 127.0.0.1:"+fmt.Sprint(n3.port)+"@"+fmt.Sprint(n3.cport)+" master,fail?")
	})
	report := n1.header()
	report.Type = TypePing
	c.Write(AppendMessage(nil, &Message{Header: report, Gossip: []Gossip{{
		NodeName: n3.name, IP: MakeIPField("127.0.0.1"), Port: uint16(n3.port), CPort: uint16(n3.cport), Flags: NodeMaster | NodePFail,
	}}}))
	await("fail.bin", n2, isType(TypeFail))

	for file, b := range got {
		if err := os.WriteFile(filepath.Join(captureDir, file), b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", file, len(b))
	}
}

func TestVerifyNodeID(t *testing.T) {
	for _, tc := range []struct {
		s  string
		ok bool
	}{
		{strings.Repeat("a", 40), true},
		{"0123456789abcdefghijklmnopqrstuvwxyz0123", true}, // [a-z0-9], not only hex
		{strings.Repeat("a", 39), false},
		{strings.Repeat("a", 41), false},
		{strings.Repeat("A", 40), false},
		{strings.Repeat("a", 39) + "-", false},
		{strings.Repeat("a", 39) + "\x00", false},
		{"", false},
	} {
		if err := VerifyNodeID(tc.s); (err == nil) != tc.ok {
			t.Errorf("VerifyNodeID(%q) = %v", tc.s, err)
		}
		if _, err := ParseNodeName(tc.s); (err == nil) != tc.ok {
			t.Errorf("ParseNodeName(%q) = %v", tc.s, err)
		}
	}
	a, b := RandomNodeName(), RandomNodeName()
	if VerifyNodeID(a.String()) != nil || a == b || strings.Trim(a.String(), "0123456789abcdef") != "" {
		t.Errorf("RandomNodeName: %q, %q", a, b)
	}
	if !(NodeName{}).IsNull() || a.IsNull() {
		t.Error("IsNull")
	}
}

func TestSlotBitmap(t *testing.T) {
	var b SlotBitmap
	for _, s := range []int{0, 7, 8, 5460, 16383} {
		b.Set(s)
	}
	// LSB first: slot 0 is bit 0 of byte 0, slot 7 bit 7, slot 8 bit 0 of
	// byte 1 (cluster-bus.md §2, bitmapTestBit).
	if b[0] != 0x81 || b[1] != 0x01 || b[682] != 0x10 || b[2047] != 0x80 {
		t.Errorf("bytes % x, %x, %x", b[:2], b[682], b[2047])
	}
	if b.Count() != 5 || !b.Has(5460) || b.Has(5461) {
		t.Errorf("Count %d", b.Count())
	}
	b.Clear(7)
	if b.Has(7) || b[0] != 0x01 || b.Count() != 4 {
		t.Errorf("after Clear: % x", b[:1])
	}
}

func TestNames(t *testing.T) {
	for f, want := range map[NodeFlags]string{
		0:                        "noflags",
		NodeMeet | NodeMigrateTo: "noflags",
		NodeMyself | NodeMaster:  "myself,master",
		NodeSlave | NodePFail | NodeFail | NodeHandshake | NodeNoAddr | NodeNoFailover: "slave,fail?,fail,handshake,noaddr,nofailover",
	} {
		if got := f.String(); got != want {
			t.Errorf("%d: %q, want %q", f, got, want)
		}
	}
	want := "ping pong meet fail publish auth-req auth-ack update mfstart module publishshard unknown"
	var got []string
	for tp := TypePing; tp <= TypeCount; tp++ {
		got = append(got, tp.String())
	}
	if strings.Join(got, " ") != want {
		t.Errorf("type names %q", got)
	}
	if s := MakeIPField("127.0.0.1").String(); s != "127.0.0.1" {
		t.Errorf("IPField %q", s)
	}
	long := strings.Repeat("1", 60)
	if f := MakeIPField(long); f[IPLen-1] != 0 || f.String() != long[:45] {
		t.Errorf("long IPField %q", f.String())
	}
}

func TestExtensionAccessors(t *testing.T) {
	e := HostnameExt("h.example")
	if s, ok := e.CString(); !ok || s != "h.example" {
		t.Errorf("CString %q %v", s, ok)
	}
	if _, ok := (&Extension{Data: []byte("abc")}).CString(); ok {
		t.Error("CString without NUL")
	}
	fn := &Extension{Type: ExtForgottenNode, Data: append(bytes.Repeat([]byte("f"), 40), 0, 0, 0, 0, 0, 0, 0, 60)}
	if n, ttl, ok := fn.ForgottenNode(); !ok || n != name(strings.Repeat("f", 40)) || ttl != 60 {
		t.Errorf("ForgottenNode %q %d %v", n, ttl, ok)
	}
	sh := &Extension{Type: ExtShardID, Data: bytes.Repeat([]byte("s"), 40)}
	if id, ok := sh.ShardID(); !ok || id != name(strings.Repeat("s", 40)) {
		t.Errorf("ShardID %q %v", id, ok)
	}
	if _, ok := fn.ShardID(); ok {
		t.Error("ShardID of a forgotten-node extension")
	}
	if _, _, ok := (&Extension{Type: ExtForgottenNode, Data: make([]byte, 47)}).ForgottenNode(); ok {
		t.Error("short ForgottenNode")
	}
}

// roundTripMessages has one message of every type, with every field set.
func roundTripMessages() []*Message {
	h := Header{Port: 7100, CurrentEpoch: 1<<63 + 5, ConfigEpoch: 3, Offset: 1 << 40,
		Sender: name(strings.Repeat("a", 39) + "1"), MySlots: slots(0, 100, 16383),
		SlaveOf: name(strings.Repeat("e", 40)), MyIP: MakeIPField("::1"),
		NotUsed1: [30]byte{29: 1}, PPort: 6379, CPort: 17100, Flags: NodeSlave | NodeNoFailover,
		State: 1, MFlags: [3]byte{MFlag0Paused | MFlag0ForceAck, 0, 9}}
	with := func(t MsgType) Header { h := h; h.Type = t; return h }
	gossip := []Gossip{
		{NodeName: name(strings.Repeat("b", 40)), PingSent: 1, PongReceived: 2, IP: MakeIPField("10.1.2.3"),
			Port: 1, CPort: 2, Flags: NodeMaster | NodeFail, PPort: 3, NotUsed1: 4},
		{NodeName: name(strings.Repeat("c", 40)), IP: MakeIPField("fe80::1"), Flags: NodeNoAddr},
	}
	exts := []Extension{
		HostnameExt("h.example"),
		{Type: ExtForgottenNode, Data: append(bytes.Repeat([]byte("f"), 40), 0, 0, 0, 0, 0, 0, 0, 60)},
		{Type: ExtShardID, Data: bytes.Repeat([]byte("s"), 40)},
		{Type: 999, Unused: 7},
	}
	var ms []*Message
	for _, tp := range []MsgType{TypePing, TypePong, TypeMeet} {
		ms = append(ms,
			&Message{Header: with(tp)},
			&Message{Header: with(tp), Gossip: gossip},
			&Message{Header: with(tp), Exts: exts},
			&Message{Header: with(tp), Gossip: gossip, Exts: exts[:1]})
	}
	ms = append(ms,
		&Message{Header: with(TypeFail), Fail: Fail{NodeName: name(strings.Repeat("9", 40))}},
		&Message{Header: with(TypePublish), Publish: Publish{Channel: []byte("news"), Message: []byte("hello\x00world")}},
		&Message{Header: with(TypePublish)},
		&Message{Header: with(TypePublishShard), Publish: Publish{Channel: []byte("{s}ch"), Message: bytes.Repeat([]byte("m"), 10000)}},
		&Message{Header: with(TypeFailoverAuthRequest)},
		&Message{Header: with(TypeFailoverAuthAck)},
		&Message{Header: with(TypeUpdate), Update: Update{ConfigEpoch: 77, NodeName: name(strings.Repeat("7", 40)), Slots: slots(1, 2, 3, 16000)}},
		&Message{Header: with(TypeMFStart)},
		&Message{Header: with(TypeModule), Module: Module{ModuleID: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}, Type: 200, Payload: []byte("module payload")}},
		&Message{Header: with(TypeModule)},
		&Message{Header: with(11), Payload: []byte("anything")},
		&Message{Header: with(65535)},
	)
	return ms
}

// expected is what Decode returns for AppendMessage(m): the fields the
// encoder computes filled in, extension data padded to 8.
func expected(m *Message) *Message {
	w := *m
	w.TotLen, w.Ver = uint32(MessageLen(m)), ProtoVer
	if m.Type.isPing() {
		w.Count, w.Extensions = uint16(len(m.Gossip)), uint16(len(m.Exts))
		if len(m.Exts) > 0 {
			w.MFlags[0] |= MFlag0ExtData
		}
		w.Exts = nil
		for _, e := range m.Exts {
			e.Data = append(bytes.Clone(e.Data), make([]byte, (8-len(e.Data)%8)%8)...)
			w.Exts = append(w.Exts, e)
		}
	}
	return &w
}

func TestRoundTrip(t *testing.T) {
	for i, m := range roundTripMessages() {
		t.Run(fmt.Sprintf("%d_%v", i, m.Type), func(t *testing.T) {
			b := AppendMessage([]byte("prefix"), m)
			if string(b[:6]) != "prefix" {
				t.Fatal("AppendMessage overwrote dst")
			}
			b = b[6:]
			if len(b) != MessageLen(m) {
				t.Fatalf("wrote %d bytes, MessageLen %d", len(b), MessageLen(m))
			}
			got, err := decodeFramed(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			diff(t, "round trip", got, expected(m))
			if again := AppendMessage(nil, got); !bytes.Equal(again, b) {
				t.Errorf("re-encoding the decoded message differs at byte %d", firstDiff(again, b))
			}
		})
	}
}

// DecodeInto reuses a message: no allocation once its arrays are large
// enough. AppendMessage allocates nothing into a buffer with room.
func TestNoAllocations(t *testing.T) {
	for _, m := range roundTripMessages() {
		b := AppendMessage(nil, m)
		var into Message
		if err := DecodeInto(&into, b); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { DecodeInto(&into, b) }); n != 0 {
			t.Errorf("DecodeInto %v: %v allocations", m.Type, n)
		}
		buf := make([]byte, 0, len(b))
		if n := testing.AllocsPerRun(100, func() { AppendMessage(buf[:0], m) }); n != 0 {
			t.Errorf("AppendMessage %v: %v allocations", m.Type, n)
		}
	}
}

func TestAppendMessagePanics(t *testing.T) {
	for name, m := range map[string]*Message{
		"65536 gossip entries": {Gossip: make([]Gossip, 65536)},
		"65536 extensions":     {Exts: make([]Extension, 65536)},
		"extension too long":   {Exts: []Extension{{Data: make([]byte, 65528-7)}}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			AppendMessage(nil, m)
		}()
	}
	// The longest extension a 7.0 node reads right is fine.
	b := AppendMessage(nil, &Message{Exts: []Extension{{Type: 5, Data: make([]byte, 65520)}}})
	if m, err := Decode(b); err != nil || len(m.Exts[0].Data) != 65520 {
		t.Errorf("65528-byte extension: %v", err)
	}
}
