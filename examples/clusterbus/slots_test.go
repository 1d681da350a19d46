package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Slot ownership and the FAIL quorum, against fake masters that claim
// slots (decode_test.go's fakeNode with slots and configEpoch set).

// slotRange returns the bitmap of slots lo..hi.
func slotRange(lo, hi int) SlotBitmap {
	var b SlotBitmap
	for s := lo; s <= hi; s++ {
		b.Set(s)
	}
	return b
}

// setClaim sets what f claims in its headers from now on.
func (f *fakeNode) setClaim(slots SlotBitmap, configEpoch uint64) {
	f.mu.Lock()
	f.slots, f.configEpoch = slots, configEpoch
	f.mu.Unlock()
}

// fakeLink is a connection from a fake to a node's bus port, over which
// the fake sends what it wants the node to process.
type fakeLink struct {
	t *testing.T
	f *fakeNode
	c net.Conn
}

func (f *fakeNode) dial(t *testing.T, n *node) *fakeLink {
	t.Helper()
	c := dialBus(t, n)
	t.Cleanup(func() { c.Close() })
	return &fakeLink{t, f, c}
}

// ping sends a PING with f's header (its claim) and gossip, and waits for
// the PONG: the node has then processed the PING.
func (l *fakeLink) ping(gossip ...Gossip) {
	l.t.Helper()
	m := l.f.message(TypePing)
	m.Gossip = gossip
	l.send(m)
	l.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		b, err := readMessage(l.c)
		if err != nil {
			l.t.Fatalf("no PONG to %s's PING: %v", l.f.name, err)
		}
		if MsgType(be16(b[12:])) == TypePong {
			return
		}
	}
}

func (l *fakeLink) send(m *Message) {
	l.t.Helper()
	if _, err := l.c.Write(AppendMessage(nil, m)); err != nil {
		l.t.Fatalf("%s: write: %v", l.f.name, err)
	}
}

// meetFakes has n meet every fake and waits until it lists each as a
// master holding the slots the fake claims.
func meetFakes(t *testing.T, n *node, fakes ...*fakeNode) {
	t.Helper()
	for _, f := range fakes {
		callStr(t, n, "cluster", "meet", "127.0.0.1", strconv.Itoa(f.port), strconv.Itoa(f.cport))
	}
	waitFor(t, 10*time.Second, "the fakes known as masters", func() bool {
		v := clusterNodes(t, n)
		for _, f := range fakes {
			if v[f.name.String()].flags != "master" {
				return false
			}
		}
		return true
	})
	// The handshake's PONG is not read for slots (cluster-bus.md §7 A.4):
	// a PING from each fake states its claim.
	for _, f := range fakes {
		f.dial(t, n).ping()
	}
}

// slotOwners returns n's owner name of each slot ("" when unassigned).
func slotOwners(n *node) (owners [ClusterSlots]string) {
	n.do(func() {
		for j, o := range n.cluster.slots {
			if o != nil {
				owners[j] = o.name.String()
			}
		}
	})
	return owners
}

func fakeName(c byte, last byte) string { return strings.Repeat(string(c), 39) + string(last) }

// Input: our node (node timeout 1000 ms) meets four fake masters A-D that
// claim 0-4095, 4096-8191, 8192-12287 and 12288-16383 (so size 4,
// needed_quorum 3) and answer its PINGs; D stops answering. Then A
// gossips D as PFAIL, then B does.
// Expected: CLUSTER INFO says cluster_size:4 and cluster_state:ok before;
// ours flags D "fail?" and, with our own vote and A's report (2 < 3), keeps
// it "fail?" (COUNT-FAILURE-REPORTS 1) for over twice the node timeout, and
// sends no FAIL; with B's report (3) it marks D "fail", logs the quorum
// line and broadcasts FAIL about D to A, B and C; CLUSTER INFO then has
// cluster_slots_fail:4096 and cluster_state:fail. (Before slots were
// tracked, size was 0 and the quorum 1: A's report alone made D fail.)
func TestFailQuorumCountsSlotOwners(t *testing.T) {
	rec := &logRecorder{}
	n := startNode(t, Config{NodeTimeout: 1000, Log: slog.New(rec)})
	var fakes []*fakeNode
	for i := 0; i < 4; i++ {
		f := newFakeNode(t, fakeName('e', byte('1'+i)))
		f.setClaim(slotRange(i*4096, i*4096+4095), uint64(i+1))
		fakes = append(fakes, f)
	}
	a, b, c, d := fakes[0], fakes[1], fakes[2], fakes[3]
	meetFakes(t, n, fakes...)
	waitFor(t, 10*time.Second, "cluster_size:4 and cluster_state:ok", func() bool {
		info := callStr(t, n, "cluster", "info")
		return strings.Contains(info, "cluster_size:4\r\n") && strings.Contains(info, "cluster_state:ok\r\n")
	})

	d.mu.Lock()
	d.quiet = true
	d.mu.Unlock()
	idD := d.name.String()
	waitFor(t, 10*time.Second, "D fail?", func() bool { return clusterNodes(t, n)[idD].flags == "master,fail?" })

	report := Gossip{NodeName: d.name, IP: MakeIPField("127.0.0.1"), Port: uint16(d.port), CPort: uint16(d.cport), Flags: NodeMaster | NodePFail}
	la, lb := a.dial(t, n), b.dial(t, n)
	la.ping(report)
	if r := call(t, n, "cluster", "count-failure-reports", idD); r.Int != 1 {
		t.Fatalf("COUNT-FAILURE-REPORTS for D after A's report: %d, want 1", r.Int)
	}
	for end := time.Now().Add(2200 * time.Millisecond); time.Now().Before(end); {
		la.ping(report) // refresh the report: it stays valid for 2 x node timeout
		if fl := clusterNodes(t, n)[idD].flags; fl != "master,fail?" {
			t.Fatalf("D is %q with our vote and one report (quorum 3 of size 4), want master,fail?", fl)
		}
		time.Sleep(200 * time.Millisecond)
	}
	isFailAboutD := func(m *Message) bool { return m.Type == TypeFail && m.Fail.NodeName == d.name }
	if a.received(isFailAboutD) != nil {
		t.Fatalf("FAIL about D broadcast before the quorum")
	}

	lb.ping(report)
	if fl := clusterNodes(t, n)[idD].flags; fl != "master,fail" {
		t.Fatalf("D is %q with our vote and two reports, want master,fail", fl)
	}
	if !rec.has("Marking node " + idD + " as failing (quorum reached).") {
		t.Errorf("no quorum log line")
	}
	for _, f := range []*fakeNode{a, b, c} {
		waitFor(t, 5*time.Second, "FAIL about D at "+f.name.String(), func() bool { return f.received(isFailAboutD) != nil })
	}
	waitFor(t, 5*time.Second, "cluster_state:fail", func() bool {
		info := callStr(t, n, "cluster", "info")
		return strings.Contains(info, "cluster_state:fail\r\n") && strings.Contains(info, "cluster_slots_fail:4096\r\n")
	})
}

// Input: our node with a nodes.conf meets fake masters A (claims 0-8191,
// configEpoch 1) and B (8192-16383, configEpoch 2). Then, in order:
// (1) B also claims slot 100 under epoch 2; (2) A claims slot 100 again
// under epoch 1; (3) A claims 8192 under epoch 2 (equal to B's); (4) B
// sends an UPDATE about A with configEpoch 5 and slots 0-8191; (5) B
// sends an UPDATE about A with configEpoch 4 and slot 8193; (6) the node
// restarts on its nodes.conf.
// Expected: (1) slot 100 moves to B (greater epoch than A's); (2) it
// stays B's, and our node sends A an UPDATE about B (configEpoch 2, slot
// 100 among B's slots); (3) 8192 stays B's (only a greater epoch wins);
// (4) A's configEpoch becomes 5 (CLUSTER NODES shows it) and slot 100 is
// A's again; (5) nothing changes (not newer); CLUSTER NODES shows the
// ranges "0-8191" for A and "8192-16383" for B; (6) the restarted node has
// the same owners before any fake speaks again.
func TestSlotOwnersFollowEpochs(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "nodes.conf")
	n := startNode(t, Config{NodeTimeout: 3000, ConfigFile: conf})
	a, b := newFakeNode(t, fakeName('a', '1')), newFakeNode(t, fakeName('b', '1'))
	a.setClaim(slotRange(0, 8191), 1)
	b.setClaim(slotRange(8192, 16383), 2)
	meetFakes(t, n, a, b)
	idA, idB := a.name.String(), b.name.String()
	owner := func(slot int) string { return slotOwners(n)[slot] }
	if owner(0) != idA || owner(8191) != idA || owner(8192) != idB || owner(16383) != idB {
		t.Fatalf("owners of 0, 8191, 8192, 16383: %s %s %s %s", owner(0), owner(8191), owner(8192), owner(16383))
	}
	la, lb := a.dial(t, n), b.dial(t, n)

	// (1) A greater epoch takes the slot.
	bClaim := slotRange(8192, 16383)
	bClaim.Set(100)
	b.setClaim(bClaim, 2)
	lb.ping()
	if o := owner(100); o != idB {
		t.Fatalf("(1) slot 100 owned by %q after B's claim under a greater epoch, want B", o)
	}
	if o := owner(99); o != idA {
		t.Fatalf("(1) slot 99 owned by %q, want A", o)
	}

	// (2) A stale claim is refused and answered with an UPDATE.
	la.ping()
	if o := owner(100); o != idB {
		t.Fatalf("(2) slot 100 owned by %q after A's stale claim, want B", o)
	}
	waitFor(t, 5*time.Second, "an UPDATE about B sent to A", func() bool {
		return a.received(func(m *Message) bool {
			return m.Type == TypeUpdate && m.Update.NodeName == b.name && m.Update.ConfigEpoch == 2 && m.Update.Slots.Has(100) && m.Update.Slots.Has(16383)
		}) != nil
	})

	// (3) An equal epoch does not win.
	aClaim := slotRange(0, 8192)
	a.setClaim(aClaim, 2)
	la.ping()
	if o := owner(8192); o != idB {
		t.Fatalf("(3) slot 8192 owned by %q after A's claim under an equal epoch, want B", o)
	}
	a.setClaim(slotRange(0, 8191), 1)

	// (4) A newer UPDATE moves slot 100 back.
	update := func(epoch uint64, slots SlotBitmap) {
		lb.send(&Message{Header: withType(b.header(), TypeUpdate), Update: Update{ConfigEpoch: epoch, NodeName: a.name, Slots: slots}})
		lb.ping() // after the UPDATE on the same link: processed
	}
	b.setClaim(slotRange(8192, 16383), 2) // B stops claiming 100
	update(5, slotRange(0, 8191))
	if o := owner(100); o != idA {
		t.Fatalf("(4) slot 100 owned by %q after the UPDATE about A (epoch 5), want A", o)
	}
	if e := clusterNodes(t, n)[idA].epoch; e != 5 {
		t.Fatalf("(4) A's configEpoch %d, want 5", e)
	}

	// (5) An UPDATE that is not newer changes nothing.
	update(4, slotRange(8193, 8193))
	if o := owner(8193); o != idB {
		t.Fatalf("(5) slot 8193 owned by %q after a stale UPDATE, want B", o)
	}
	v := clusterNodes(t, n)
	if got := strings.Join(v[idA].slots, " "); got != "0-8191" {
		t.Errorf("CLUSTER NODES slots of A: %q", got)
	}
	if got := strings.Join(v[idB].slots, " "); got != "8192-16383" {
		t.Errorf("CLUSTER NODES slots of B: %q", got)
	}

	// (6) nodes.conf keeps the owners.
	want := slotOwners(n)
	n.do(func() { n.clusterSaveConfigOrLog(true) })
	n.stop()
	a.mu.Lock()
	a.quiet = true
	a.mu.Unlock()
	b.mu.Lock()
	b.quiet = true
	b.mu.Unlock()
	n2 := startNode(t, Config{NodeTimeout: 3000, ConfigFile: conf, Port: n.cfg.Port})
	if got := slotOwners(n2); got != want {
		for j := range got {
			if got[j] != want[j] {
				t.Fatalf("after the restart slot %d is owned by %q, was %q", j, got[j], want[j])
			}
		}
	}
}

// Input: our node meets a fake master whose name is greater than any
// node name ours can have ("ff...f"), both with configEpoch 0.
// Expected: clusterHandleConfigEpochCollision: ours, the smaller name,
// bumps currentEpoch and takes it as its configEpoch (cluster_my_epoch
// 1, or more), and its headers carry it.
func TestConfigEpochCollision(t *testing.T) {
	n := startNode(t, Config{})
	f := newFakeNode(t, strings.Repeat("f", 40))
	if myID(t, n) == f.name.String() {
		t.Skip("our random name is the fake's")
	}
	meetFakes(t, n, f)
	f.dial(t, n).ping()
	info := callStr(t, n, "cluster", "info")
	if strings.Contains(info, "cluster_my_epoch:0\r\n") {
		t.Fatalf("no new configEpoch after a collision:\n%s", info)
	}
	var me NodeName
	copy(me[:], myID(t, n))
	waitFor(t, 5*time.Second, "a header with the new configEpoch", func() bool {
		return f.received(func(m *Message) bool { return m.Sender == me && m.ConfigEpoch > 0 }) != nil
	})
}

// Input: an idle node (node timeout 1000 ms, so a rejoin delay of 1000
// ms) knowing masters A, B and C that own 0-5460, 5461-10922 and
// 10923-16383, with clusterUpdateState called: (1) within 2 s of its
// first call; (2) after; (3) with B and C PFAIL; (4) with them healthy
// again at once; (5) once the rejoin delay has passed; (6) with slot 0
// unassigned; (7) with A FAIL and slot 0 back.
// Expected: (1) nothing computed yet (CLUSTER_WRITABLE_DELAY): state
// fail, size 1 as clusterInit sets it; (2) ok, size 3;
// (3) fail: 1 reachable of 3, a minority; (4) still fail: a master
// rejoining from a minority waits the rejoin delay; (5) ok; (6) fail,
// not every slot served; (7) fail, a slot owner FAIL; size stays 3.
func TestClusterUpdateState(t *testing.T) {
	nd := idleNode(t)
	owners := []*clusterNode{addTestNode(nd, 'a', NodeMaster, true), addTestNode(nd, 'b', NodeMaster, true), addTestNode(nd, 'c', NodeMaster, true)}
	for i, r := range [][2]int{{0, 5460}, {5461, 10922}, {10923, 16383}} {
		for s := r[0]; s <= r[1]; s++ {
			nd.clusterAddSlot(owners[i], s)
		}
	}
	check := func(step string, want int) {
		t.Helper()
		nd.clusterUpdateState()
		if nd.cluster.state != want || nd.cluster.size != 3 {
			t.Fatalf("%s: state %d size %d, want state %d size 3", step, nd.cluster.state, nd.cluster.size, want)
		}
	}
	nd.firstUpdate = mstime()
	nd.clusterUpdateState()
	if nd.cluster.state != clusterStateFail || nd.cluster.size != 1 {
		t.Fatalf("(1) within the writable delay: state %d size %d, want it untouched (fail, 1)", nd.cluster.state, nd.cluster.size)
	}
	nd.firstUpdate = mstime() - clusterWritableDelay - 1
	check("(2) after the writable delay", clusterStateOK)
	owners[1].flags |= NodePFail
	owners[2].flags |= NodePFail
	check("(3) two of three owners PFAIL", clusterStateFail)
	owners[1].flags &^= NodePFail
	owners[2].flags &^= NodePFail
	check("(4) back from a minority at once", clusterStateFail)
	nd.amongMinorityTime = mstime() - nd.cfg.NodeTimeout - 1
	check("(5) after the rejoin delay", clusterStateOK)
	nd.clusterDelSlot(0)
	check("(6) slot 0 unassigned", clusterStateFail)
	nd.clusterAddSlot(owners[0], 0)
	owners[0].flags |= NodeFail
	check("(7) an owner FAIL", clusterStateFail)
}

// Input: our node meets a fake master A that claims slots 5, 6, 7 and
// 100 under configEpoch 1 and sends the hostname extension
// "host-a.example" in its PINGs and PONGs.
// Expected: ours' CLUSTER SLOTS and A's shard in CLUSTER SHARDS are byte
// for byte what redis-server 7.0.15 replied for a node with those slots
// and that cluster-announce-hostname (observed: the hostname in the
// fourth, metadata, element of each SLOTS node, and a "hostname" field
// after "endpoint" in SHARDS), here with A's ip and port; ours' own shard
// has an empty "slots" array; CLUSTER NODES shows A's address with
// ",host-a.example" and the ranges "5-7 100".
func TestSlotsRepliesWithHostname(t *testing.T) {
	n := startNode(t, Config{})
	a := newFakeNode(t, fakeName('a', '2'))
	a.setClaim(slotRange(5, 7), 1)
	a.mu.Lock()
	a.slots.Set(100)
	a.hostname = "host-a.example"
	a.mu.Unlock()
	meetFakes(t, n, a)
	id := a.name.String()
	node := fmt.Sprintf("*4\r\n$9\r\n127.0.0.1\r\n:%d\r\n$40\r\n%s\r\n*2\r\n$8\r\nhostname\r\n$14\r\nhost-a.example\r\n", a.port, id)
	wantSlots := "*2\r\n*3\r\n:5\r\n:7\r\n" + node + "*3\r\n:100\r\n:100\r\n" + node
	if got := string(appendReply(nil, call(t, n, "cluster", "slots"))); got != wantSlots {
		t.Errorf("CLUSTER SLOTS\n got %q\nwant %q", got, wantSlots)
	}
	wantShard := fmt.Sprintf("*4\r\n$5\r\nslots\r\n*4\r\n:5\r\n:7\r\n:100\r\n:100\r\n$5\r\nnodes\r\n*1\r\n*16\r\n"+
		"$2\r\nid\r\n$40\r\n%s\r\n$4\r\nport\r\n:%d\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$8\r\nendpoint\r\n$9\r\n127.0.0.1\r\n"+
		"$8\r\nhostname\r\n$14\r\nhost-a.example\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$18\r\nreplication-offset\r\n:0\r\n$6\r\nhealth\r\n$6\r\nonline\r\n", id, a.port)
	shards := call(t, n, "cluster", "shards")
	var gotShard string
	for _, sh := range shards.Array {
		enc := string(appendReply(nil, sh))
		if strings.Contains(enc, id) {
			gotShard = enc
		} else if !strings.HasPrefix(enc, "*4\r\n$5\r\nslots\r\n*0\r\n") {
			t.Errorf("our own shard has slots: %q", enc)
		}
	}
	if len(shards.Array) != 2 || gotShard != wantShard {
		t.Errorf("CLUSTER SHARDS: %d shards; A's\n got %q\nwant %q", len(shards.Array), gotShard, wantShard)
	}
	l := clusterNodes(t, n)[id]
	if l.hostname != "host-a.example" || strings.Join(l.slots, " ") != "5-7 100" {
		t.Errorf("CLUSTER NODES line of A: hostname %q slots %q", l.hostname, l.slots)
	}
}

// Input: a nodes.conf in which our node (myself, configEpoch 7) owns
// slots 0-10 and 16000; the node starts on it and meets a fake peer.
// Expected: the MEET and the PINGs it sends carry those slots in myslots
// and configEpoch 7 (clusterBuildMessageHdr), and CLUSTER SLOTS lists
// the two ranges at our node.
func TestOwnHeaderCarriesOwnSlots(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "nodes.conf")
	me := fakeName('9', '9')
	text := me + " 127.0.0.1:7000@17000 myself,master - 0 0 7 connected 0-10 16000\nvars currentEpoch 7 lastVoteEpoch 0\n"
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	n := startNode(t, Config{ConfigFile: conf})
	want := slotRange(0, 10)
	want.Set(16000)
	f := newFakeNode(t, fakeName('c', '9'))
	meetFakes(t, n, f)
	var sender NodeName
	copy(sender[:], me)
	for _, typ := range []MsgType{TypeMeet, TypePing} {
		waitFor(t, 10*time.Second, typ.String()+" from our node", func() bool {
			return f.received(func(m *Message) bool { return m.Type == typ && m.Sender == sender }) != nil
		})
		m, _ := Decode(f.received(func(m *Message) bool { return m.Type == typ && m.Sender == sender }))
		if m.MySlots != want || m.ConfigEpoch != 7 {
			t.Errorf("%s: myslots has %d slots (want 0-10 and 16000: %v), configEpoch %d (want 7)", typ, m.MySlots.Count(), m.MySlots == want, m.ConfigEpoch)
		}
	}
	r := call(t, n, "cluster", "slots")
	if len(r.Array) != 2 || r.Array[0].Array[0].Int != 0 || r.Array[0].Array[1].Int != 10 || r.Array[1].Array[0].Int != 16000 {
		t.Errorf("CLUSTER SLOTS %q", appendReply(nil, r))
	}
}
