package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// normRESP re-encodes one raw RESP reply, passing every integer through
// onInt and every bulk or verbatim string's body through onBulk, so that
// two replies can be compared byte for byte once what legitimately
// differs (ages, INFO values) is normalized. The types, lengths of
// arrays and every other byte are kept.
func normRESP(t testing.TB, raw []byte, onInt func(string) string, onBulk func(string) string) string {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(raw))
	var out strings.Builder
	var walk func() error
	walk = func() error {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		body := line[1 : len(line)-2]
		switch line[0] {
		case ':':
			out.WriteString(":" + onInt(body) + "\r\n")
		case '$', '=':
			n, _ := strconv.Atoi(body)
			if n < 0 {
				out.WriteString(line)
				return nil
			}
			buf := make([]byte, n+2)
			if _, err := ioReadFull(br, buf); err != nil {
				return err
			}
			s := string(buf[:n])
			prefix := ""
			if line[0] == '=' {
				prefix, s = s[:4], s[4:]
			}
			s = prefix + onBulk(s)
			fmt.Fprintf(&out, "%c%d\r\n%s\r\n", line[0], len(s), s)
		case '*', '%', '~', '>':
			out.WriteString(line)
			n, _ := strconv.Atoi(body)
			if line[0] == '%' {
				n *= 2
			}
			for i := 0; i < n; i++ {
				if err := walk(); err != nil {
					return err
				}
			}
		default:
			out.WriteString(line)
		}
		return nil
	}
	if err := walk(); err != nil {
		t.Fatalf("normalizing %q: %v", raw, err)
	}
	return out.String()
}

// infoFieldNames keeps an INFO text's section headers and field names,
// dropping the values.
func infoFieldNames(s string) string {
	var keys []string
	for _, l := range strings.Split(s, "\r\n") {
		k, _, _ := strings.Cut(l, ":")
		keys = append(keys, k)
	}
	return strings.Join(keys, "|")
}

// sideBySide is a real master with one replica, watched (quorum 1,
// down-after 1000) by a redis-sentinel and by ours, which discover each
// other through the master's hello channel.
type sideBySide struct {
	master, replica int
	real            *realSentinel
	ours            *ourSentinel
	rc, oc          *respConn
}

func startSideBySide(t *testing.T) *sideBySide {
	t.Helper()
	testenv.RequireBinary(t, "redis-sentinel")
	d := &sideBySide{master: testenv.StartRedis(t, "--repl-diskless-sync-delay", "0")}
	d.replica = testenv.StartRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(d.master))
	conf := fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 1\nsentinel down-after-milliseconds mymaster 1000\n", d.master)
	d.real = startReal(t, conf)
	d.ours = startOurs(t, conf)
	d.rc, d.oc = dialResp(t, d.real.port), dialResp(t, d.ours.port)
	d.waitDiscovered(t, "both sentinels to see the linked replica and each other")
	return d
}

// waitDiscovered waits until both list the replica (linked, its runid
// known) and the other sentinel.
func (d *sideBySide) waitDiscovered(t *testing.T, what string) {
	t.Helper()
	waitFor(t, 40*time.Second, what, func() bool { return viewsSettled("1", "1", d.rc, d.oc) })
}

// viewsSettled reports whether each sentinel sees mymaster as a master
// whose INFO it has read (its runid known), with the given numbers of
// replicas and other sentinels, every replica linked with its runid
// known, and every sentinel flagged only "sentinel".
func viewsSettled(replicas, sentinels string, conns ...*respConn) bool {
	for _, c := range conns {
		m, _ := asMap(c.val("SENTINEL", "MASTER", "mymaster"))
		if m["num-slaves"] != replicas || m["num-other-sentinels"] != sentinels || m["flags"] != "master" || m["runid"] == "" {
			return false
		}
		for _, r := range asMaps(c.val("SENTINEL", "REPLICAS", "mymaster")) {
			if r["master-link-status"] != "ok" || r["runid"] == "" || r["flags"] != "slave" {
				return false
			}
		}
		for _, s := range asMaps(c.val("SENTINEL", "SENTINELS", "mymaster")) {
			if s["flags"] != "sentinel" {
				return false
			}
		}
	}
	return true
}

// TestResetMatchesRedis: ours and a redis-sentinel side by side on a
// master with one replica. Tried on both: SENTINEL RESET with a pattern
// that matches no master, then with a glob that matches "mymaster",
// pipelined with SENTINEL MASTER. Expected: the same reply bytes (:0,
// then :1); the non-matching reset leaves the replica and sentinel known;
// right after the matching one the master has no replicas, no other
// sentinels, no runid and is disconnected, as in redis-sentinel; ours
// publishes +reset-master; then both re-discover the replica (from the
// master's INFO) and the other sentinel (from its hellos).
func TestResetMatchesRedis(t *testing.T) {
	d := startSideBySide(t)
	ev := watchEvents(t, d.ours.port)

	for _, pat := range []string{"nomatch*", "other", "[a-l]*"} {
		r, _ := d.rc.do("SENTINEL", "RESET", pat)
		o, _ := d.oc.do("SENTINEL", "RESET", pat)
		if string(r) != ":0\r\n" || string(o) != string(r) {
			t.Errorf("SENTINEL RESET %s: ours %q, redis-sentinel %q (want :0)", pat, o, r)
		}
	}
	for _, c := range []*respConn{d.rc, d.oc} {
		m, _ := asMap(c.val("SENTINEL", "MASTER", "mymaster"))
		if m["num-slaves"] != "1" || m["num-other-sentinels"] != "1" {
			t.Errorf("a non-matching RESET changed the master: %v", m)
		}
	}

	// The matching reset, and the master's state right after it, before
	// the timer reconnects anything: the two commands are written at once
	// so both are served from the same read.
	after := map[string]any{}
	for name, c := range map[string]*respConn{"redis-sentinel": d.rc, "ours": d.oc} {
		c.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		var buf bytes.Buffer
		buf.WriteString("*3\r\n$8\r\nSENTINEL\r\n$5\r\nRESET\r\n$7\r\n*master\r\n")
		buf.WriteString("*3\r\n$8\r\nSENTINEL\r\n$6\r\nMASTER\r\n$8\r\nmymaster\r\n")
		if _, err := c.c.Write(buf.Bytes()); err != nil {
			t.Fatal(err)
		}
		raw, _, err := c.read(10 * time.Second)
		if err != nil || string(raw) != ":1\r\n" {
			t.Errorf("%s: SENTINEL RESET *master = %q, %v; want :1", name, raw, err)
		}
		_, v, err := c.read(10 * time.Second)
		if err != nil {
			t.Fatalf("%s: SENTINEL MASTER after RESET: %v", name, err)
		}
		after[name] = v
	}
	compareInstance(t, "SENTINEL MASTER right after RESET", after["ours"], after["redis-sentinel"],
		"name", "ip", "port", "runid", "flags", "link-refcount", "num-slaves", "num-other-sentinels",
		"quorum", "config-epoch", "down-after-milliseconds", "role-reported")
	if m, _ := asMap(after["ours"]); m["num-slaves"] != "0" || m["num-other-sentinels"] != "0" || m["runid"] != "" {
		t.Errorf("ours right after RESET: %v", m)
	}
	waitFor(t, 10*time.Second, "+reset-master from ours", func() bool {
		_, ok := ev.find(fmt.Sprintf("+reset-master master mymaster 127.0.0.1 %d", d.master))
		return ok
	})
	d.waitDiscovered(t, "both to re-discover the replica and the other sentinel after RESET")
	for _, c := range []*respConn{d.rc, d.oc} {
		r := asMaps(c.val("SENTINEL", "REPLICAS", "mymaster"))
		if len(r) != 1 || r[0]["port"] != strconv.Itoa(d.replica) {
			t.Errorf("replicas after RESET: %v", r)
		}
	}
	if _, ok := ev.find(fmt.Sprintf("+slave slave 127.0.0.1:%d ", d.replica)); !ok {
		t.Errorf("no +slave after RESET; events:\n%s", ev.all())
	}
	if _, ok := ev.find(fmt.Sprintf("+sentinel sentinel %s 127.0.0.1 %d ", d.rc.val("SENTINEL", "MYID"), d.real.port)); !ok {
		t.Errorf("no +sentinel after RESET; events:\n%s", ev.all())
	}
}

// confLines returns the config file's lines that start with "sentinel "
// and one of the global parameters' names.
func confLines(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		for _, p := range []string{"resolve-hostnames", "announce-hostnames", "announce-ip", "announce-port", "sentinel-user", "sentinel-pass"} {
			// redis-sentinel keeps CONFIG SET announce-ip "" as a set,
			// empty address (its hellos then announce an empty IP) and
			// rewrites it as `sentinel announce-ip ""`, which its own
			// loader reads back as unset; ours treats "" as unset at once
			// (same CONFIG GET reply), so that line is left out.
			if l == `sentinel announce-ip ""` {
				continue
			}
			if strings.HasPrefix(l, "sentinel "+p+" ") {
				out = append(out, l)
			}
		}
	}
	return strings.Join(out, "\n")
}

// TestConfigSetGetMatchesRedis: side by side, SENTINEL CONFIG SET of each
// global parameter 7.0.15 has (resolve-hostnames, announce-hostnames,
// announce-ip, announce-port, sentinel-user, sentinel-pass; loglevel came
// in 7.2 and is refused by 7.0.15), to a value and back to the default,
// names and yes/no in mixed case, each followed by CONFIG GET of that
// parameter and of *. Expected: the same reply bytes from both, and the
// same parameter lines in both rewritten config files after each SET.
func TestConfigSetGetMatchesRedis(t *testing.T) {
	d := startSideBySide(t)
	sets := [][2]string{
		{"resolve-hostnames", "yes"}, {"RESOLVE-HOSTNAMES", "No"}, {"resolve-hostnames", "YES"},
		{"announce-hostnames", "yes"}, {"announce-hostnames", "no"},
		{"announce-ip", "127.0.0.1"}, {"announce-ip", ""},
		{"announce-port", strconv.Itoa(d.ours.port)}, {"announce-port", "0"},
		{"sentinel-user", "alice"}, {"sentinel-user", ""},
		{"sentinel-pass", "secret"}, {"sentinel-pass", ""},
		{"resolve-hostnames", "no"},
		{"loglevel", "debug"},
	}
	for _, s := range sets {
		cmds := [][]string{
			{"SENTINEL", "CONFIG", "SET", s[0], s[1]},
			{"SENTINEL", "CONFIG", "GET", strings.ToLower(s[0])},
			{"SENTINEL", "CONFIG", "GET", strings.ToUpper(s[0])},
			{"SENTINEL", "CONFIG", "GET", "*"},
		}
		for _, cmd := range cmds {
			r, _ := d.rc.do(cmd...)
			o, _ := d.oc.do(cmd...)
			if string(r) != string(o) {
				t.Errorf("%q:\n ours           %q\n redis-sentinel %q", cmd, o, r)
			}
		}
		if rl, ol := confLines(t, d.real.conf), confLines(t, d.ours.conf); rl != ol {
			t.Errorf("after CONFIG SET %s %q the config files differ:\n ours           %q\n redis-sentinel %q", s[0], s[1], ol, rl)
		}
	}
	if r, _ := d.rc.do("SENTINEL", "CONFIG", "SET", "loglevel", "debug"); !strings.HasPrefix(string(r), "-ERR Invalid argument 'loglevel'") {
		t.Errorf("the test's premise: redis-sentinel 7.0.15 refuses loglevel; it answered %q", r)
	}
}

// TestInfoCacheMatchesRedis: side by side, with the info period lowered to
// 500 ms (SENTINEL DEBUG info-period) so both cached INFOs are recent and
// taken after the replica's sync. Tried: SENTINEL INFO-CACHE mymaster, in
// RESP2 and in RESP3 (verbatim strings), and INFO-CACHE of mymaster and an
// unknown name. Expected: the same bytes once normalized: every integer
// (the cached INFO's age in ms, which depends on when each sentinel last
// refreshed it) becomes N after checking it is below 5000, and each INFO
// text keeps only its section headers and field names (the values, such
// as uptime, connected_clients or offsets, change from one INFO to the
// next). The master name, the array shapes, the entry order (master, then
// its replica) and the bulk/verbatim types are compared as they are.
func TestInfoCacheMatchesRedis(t *testing.T) {
	d := startSideBySide(t)
	for _, c := range []*respConn{d.rc, d.oc} {
		if raw, _ := c.do("SENTINEL", "DEBUG", "info-period", "500"); string(raw) != "+OK\r\n" {
			t.Fatalf("SENTINEL DEBUG info-period 500: %q", raw)
		}
	}
	time.Sleep(1500 * time.Millisecond)
	norm := func(name string, raw []byte) string {
		return normRESP(t, raw, func(s string) string {
			if n, err := strconv.Atoi(s); err != nil || n < 0 || n > 5000 {
				t.Errorf("%s: INFO-CACHE age %q, want 0..5000 ms", name, s)
			}
			return "N"
		}, func(s string) string {
			if strings.Contains(s, "\r\n") {
				return infoFieldNames(s)
			}
			return s
		})
	}
	for _, proto := range []string{"2", "3"} {
		d.rc.do("HELLO", proto)
		d.oc.do("HELLO", proto)
		for _, cmd := range [][]string{
			{"SENTINEL", "INFO-CACHE", "mymaster"},
			{"SENTINEL", "INFO-CACHE", "nosuch", "mymaster"},
		} {
			r, rv := d.rc.do(cmd...)
			o, _ := d.oc.do(cmd...)
			if l, _ := rv.([]any); len(l) != 2 || l[0] != "mymaster" {
				t.Fatalf("the test's premise: redis-sentinel answered %v with %q", cmd, r)
			}
			if !strings.Contains(string(r), "role:slave") || !strings.Contains(string(r), "role:master") {
				t.Errorf("the test's premise: redis-sentinel has no cached INFO of both: %q", r)
			}
			if nr, no := norm("redis-sentinel", r), norm("ours", o); nr != no {
				t.Errorf("RESP%s %q, normalized:\n ours           %q\n redis-sentinel %q", proto, cmd, no, nr)
			}
		}
	}
}

// TestIsMasterDownByAddrRealMaster: side by side, SENTINEL
// IS-MASTER-DOWN-BY-ADDR with the real master's address, epoch 0 and
// runid '*' (a plain down-state query, no vote), and with the replica's
// address and an address no one monitors. Expected: the same bytes,
// *3 :0 $1 * :0 (up, no leader) for all of them; nothing to normalize.
func TestIsMasterDownByAddrRealMaster(t *testing.T) {
	d := startSideBySide(t)
	for _, port := range []int{d.master, d.replica, 1} {
		cmd := []string{"SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", strconv.Itoa(port), "0", "*"}
		r, _ := d.rc.do(cmd...)
		o, _ := d.oc.do(cmd...)
		if string(r) != "*3\r\n:0\r\n$1\r\n*\r\n:0\r\n" || string(o) != string(r) {
			t.Errorf("%q: ours %q, redis-sentinel %q", cmd, o, r)
		}
	}
}

// TestParallelSyncsOne: a master with three replicas, three of ours with
// quorum 2, parallel-syncs 1, down-after 1000, failover-timeout 30000.
// Tried: SIGKILL the master. Expected: one of ours leads; in its events
// (in publication order) every replica it reconfigures goes
// +slave-reconf-sent, +slave-reconf-inprog, +slave-reconf-done, and a
// second +slave-reconf-sent never comes while another replica is between
// sent and done (or -slave-reconf-sent-timeout); both replicas that were
// not promoted are reconfigured, none best effort, before +failover-end;
// both then replicate from the new master (their INFO), and all three of
// ours list them linked to it.
func TestParallelSyncsOne(t *testing.T) {
	master := testenv.StartRedis(t, "--repl-diskless-sync-delay", "0")
	var replicas []int
	for i := 0; i < 3; i++ {
		replicas = append(replicas, testenv.StartRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(master)))
	}
	conf := fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 2\n", master) +
		"sentinel down-after-milliseconds mymaster 1000\n" +
		"sentinel failover-timeout mymaster 30000\n" +
		"sentinel parallel-syncs mymaster 1\n"
	var ours []*ourSentinel
	var evs []*eventWatcher
	for i := 0; i < 3; i++ {
		o := startOurs(t, conf)
		ours = append(ours, o)
		evs = append(evs, watchEvents(t, o.port))
	}
	waitFor(t, 40*time.Second, "every sentinel to see 3 linked replicas and 2 sentinels", func() bool {
		for _, o := range ours {
			c := dialResp(t, o.port)
			m, _ := asMap(c.val("SENTINEL", "MASTER", "mymaster"))
			if m["num-slaves"] != "3" || m["num-other-sentinels"] != "2" || m["parallel-syncs"] != "1" {
				return false
			}
			for _, r := range asMaps(c.val("SENTINEL", "REPLICAS", "mymaster")) {
				if r["master-link-status"] != "ok" {
					return false
				}
			}
		}
		return true
	})

	killMaster(t, master)
	var leader *eventWatcher
	waitFor(t, 60*time.Second, "+failover-end at the leader", func() bool {
		for _, ev := range evs {
			if _, ok := ev.find("+failover-end "); ok {
				leader = ev
				return true
			}
		}
		return false
	})
	if _, ok := leader.find("+elected-leader "); !ok {
		t.Fatalf("the sentinel that ended the failover was not elected:\n%s", leader.all())
	}
	promoted, _ := leader.find("+promoted-slave ")
	leader.mu.Lock()
	events := slices.Clone(leader.events)
	leader.mu.Unlock()

	// Each replica's reconfiguration steps, and how many are in flight.
	steps := map[string][]string{}
	inFlight := map[string]bool{}
	ended := false
	for _, e := range events {
		typ, rest, _ := strings.Cut(e, " ")
		f := strings.Fields(rest)
		if len(f) < 2 {
			continue
		}
		name := f[1]
		switch typ {
		case "+slave-reconf-sent":
			if len(inFlight) > 0 {
				t.Errorf("+slave-reconf-sent to %s while %v are being reconfigured (parallel-syncs 1)", name, inFlight)
			}
			inFlight[name] = true
		case "+slave-reconf-done", "-slave-reconf-sent-timeout":
			delete(inFlight, name)
		case "+slave-reconf-sent-be", "+failover-end-for-timeout":
			t.Errorf("unexpected %s", e)
		case "+failover-end":
			ended = true
		}
		if strings.Contains(typ, "slave-reconf") {
			if ended {
				t.Errorf("%s after +failover-end", e)
			}
			steps[name] = append(steps[name], typ)
		}
	}
	var newAddr string
	// "+promoted-slave slave IP:PORT IP PORT @ ..."
	if f := strings.Fields(promoted); len(f) >= 5 {
		newAddr = f[2]
	} else {
		t.Fatalf("+promoted-slave event %q", promoted)
	}
	for _, r := range replicas {
		name := "127.0.0.1:" + strconv.Itoa(r)
		if name == newAddr {
			continue
		}
		if got := strings.Join(steps[name], " "); got != "+slave-reconf-sent +slave-reconf-inprog +slave-reconf-done" {
			t.Errorf("replica %s went through %q", name, got)
		}
		waitFor(t, 30*time.Second, name+" to replicate from "+newAddr, func() bool {
			addr, link := replicaLink(r)
			return addr == newAddr && link == "up"
		})
	}
	var order []string
	for _, e := range events {
		if typ, rest, _ := strings.Cut(e, " "); strings.Contains(typ, "slave-reconf") || typ == "+failover-end" {
			f := strings.Fields(rest)
			order = append(order, typ+" "+f[min(1, len(f)-1)])
		}
	}
	t.Logf("the leader's reconfiguration events: %s", strings.Join(order, ", "))
	if len(steps) != 2 {
		t.Errorf("the leader reconfigured %d replicas, want 2: %v", len(steps), steps)
	}
	newPort := newAddr[strings.LastIndexByte(newAddr, ':')+1:]
	for i, o := range ours {
		c := dialResp(t, o.port)
		waitFor(t, 30*time.Second, fmt.Sprintf("sentinel %d to list both replicas linked to %s", i, newAddr), func() bool {
			linked := 0
			for _, r := range asMaps(c.val("SENTINEL", "REPLICAS", "mymaster")) {
				if r["master-port"] == newPort && r["master-link-status"] == "ok" {
					linked++
				}
			}
			return linked == 2
		})
	}
	if t.Failed() {
		t.Logf("leader's events:\n%s", leader.all())
	}
}

// refcounts maps each sentinel listed under master (by runid) to its
// link-refcount.
func refcounts(c *respConn, master string) map[string]string {
	out := map[string]string{}
	for _, s := range asMaps(c.val("SENTINEL", "SENTINELS", master)) {
		out[s["runid"]] = s["link-refcount"]
	}
	return out
}

// TestLinkSharedAcrossMasters: two masters, each monitored by two of ours
// and a redis-sentinel. Expected: once every sentinel knows the other two
// under both masters, SENTINEL SENTINELS of either master shows
// link-refcount 2 for each peer, on ours and on redis-sentinel alike (and
// the entry of the peer both list agrees field by field with
// redis-sentinel's); after SENTINEL REMOVE m2 on one of ours and on the
// redis-sentinel, both show link-refcount 1 for their peers under m1,
// while the other of ours, still monitoring both, shows 2.
func TestLinkSharedAcrossMasters(t *testing.T) {
	testenv.RequireBinary(t, "redis-sentinel")
	m1, m2 := testenv.StartRedis(t), testenv.StartRedis(t)
	conf := fmt.Sprintf("sentinel monitor m1 127.0.0.1 %d 2\nsentinel monitor m2 127.0.0.1 %d 2\n", m1, m2)
	real := startReal(t, conf)
	o0, o1 := startOurs(t, conf), startOurs(t, conf)
	rc, c0, c1 := dialResp(t, real.port), dialResp(t, o0.port), dialResp(t, o1.port)
	ids := map[*respConn]string{}
	for _, c := range []*respConn{rc, c0, c1} {
		ids[c] = fmt.Sprint(c.val("SENTINEL", "MYID"))
	}
	all := []*respConn{rc, c0, c1}
	waitFor(t, 40*time.Second, "every sentinel to list the other two under both masters", func() bool {
		for _, c := range all {
			for _, m := range []string{"m1", "m2"} {
				rcs := refcounts(c, m)
				if len(rcs) != 2 {
					return false
				}
				for _, other := range all {
					if other != c && rcs[ids[other]] == "" {
						return false
					}
				}
			}
		}
		return true
	})
	for _, c := range all {
		for _, m := range []string{"m1", "m2"} {
			for id, n := range refcounts(c, m) {
				if n != "2" {
					t.Errorf("sentinel %s lists %s under %s with link-refcount %s, want 2", ids[c], id, m, n)
				}
			}
		}
	}
	// The entry both the redis-sentinel and o0 have: o1's.
	find := func(c *respConn, m, id string) any {
		for _, e := range c.val("SENTINEL", "SENTINELS", m).([]any) {
			if mm, _ := asMap(e); mm["runid"] == id {
				return e
			}
		}
		return nil
	}
	compareInstance(t, "SENTINEL SENTINELS m1 (the other of ours)", find(c0, "m1", ids[c1]), find(rc, "m1", ids[c1]),
		"ip", "port", "runid", "link-refcount", "down-after-milliseconds")

	for _, c := range []*respConn{rc, c0} {
		r, _ := c.do("SENTINEL", "REMOVE", "m2")
		if string(r) != "+OK\r\n" {
			t.Fatalf("SENTINEL REMOVE m2: %q", r)
		}
	}
	for _, c := range []*respConn{rc, c0} {
		rcs := refcounts(c, "m1")
		if len(rcs) != 2 {
			t.Errorf("sentinel %s lists %v under m1 after REMOVE m2", ids[c], rcs)
		}
		for id, n := range rcs {
			if n != "1" {
				t.Errorf("after REMOVE m2, sentinel %s lists %s under m1 with link-refcount %s, want 1", ids[c], id, n)
			}
		}
	}
	for id, n := range refcounts(c1, "m1") {
		if n != "2" {
			t.Errorf("the other of ours (monitoring both) lists %s under m1 with link-refcount %s, want 2", id, n)
		}
	}
	compareInstance(t, "SENTINEL SENTINELS m1 after REMOVE m2", find(c0, "m1", ids[c1]), find(rc, "m1", ids[c1]),
		"ip", "port", "runid", "link-refcount", "down-after-milliseconds")
	// The shared link still works: the peers are not reported down.
	time.Sleep(2500 * time.Millisecond)
	for _, c := range []*respConn{rc, c0} {
		for _, s := range asMaps(c.val("SENTINEL", "SENTINELS", "m1")) {
			if s["flags"] != "sentinel" {
				t.Errorf("after REMOVE m2, sentinel %s lists %s with flags %s", ids[c], s["runid"], s["flags"])
			}
		}
	}
}
