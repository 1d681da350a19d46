package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Concurrency truth: client goroutines over real sockets, spread over 4
// worker loops, doing random commands on a small shared key set, every
// reply checked against a model. Two phases, each sound for its own
// reason:
//
// Phase A (exact model). Each key has a lock in the test; a goroutine
// holds the key's lock from writing its command to reading the whole
// reply. So the commands on one key never overlap in real time and a
// linearizable server must apply them in exactly the order the test ran
// them: the model is a plain sequential memcached per key and every reply
// must be the one it predicts. The goroutines still run at once on
// different keys, and consecutive commands on one key come from different
// connections on different workers, so a set seen late on another worker,
// a lost update in the striped locks or the LRU, or a CAS not moving
// forward is a mismatch. The only freedom memcached itself leaves is
// incr/decr's in-place store: a shorter number is padded with spaces to the
// old length, unless another reference to the item still exists (a get's
// reply not yet released: its bytes may reach the client before the worker
// drops the item), when it is stored unpadded; the model keeps both
// spellings until a get shows which it was.
//
// Phase B (no locks: same-key races). All goroutines hammer the same few
// keys at once, with checks that hold for any linearization: N incr 1 on
// a counter return N distinct values, exactly its old value + 1 .. + N;
// on a gets/cas loop the successful CASes number exactly the final value
// (two CASes from one version both succeeding would leave it lower); the
// appends one goroutine made to a key appear in its value once each and in
// that goroutine's order.
//
// GOAE_LONG=1 runs 1,000,000 operations; by default 25,000 (about 6 s
// under -race on two shared cores).

const (
	truthClients = 8
	truthNumKeys = 8 // "n0".."n7": numbers, for incr/decr
	truthStrKeys = 8 // "s0".."s7": strings, for append/prepend
)

// truthKey is the model of one key.
type truthKey struct {
	mu      sync.Mutex
	name    string
	numeric bool

	present bool
	vals    []string // the value's possible spellings (more than one only after an incr/decr)
	flags   uint32
	cas     uint64 // the current version's CAS, 0 when not seen since it changed
	lastCAS uint64 // the largest CAS seen on this key
}

func (k *truthKey) modified() { k.cas = 0 }

// truthConn is one client's connection.
type truthConn struct {
	c   net.Conn
	r   *bufio.Reader
	ops *atomic.Int64
}

func (tc *truthConn) send(s string) error {
	tc.ops.Add(1)
	tc.c.SetDeadline(time.Now().Add(30 * time.Second))
	_, err := io.WriteString(tc.c, s)
	return err
}

func (tc *truthConn) line() (string, error) {
	l, err := tc.r.ReadString('\n')
	return strings.TrimSuffix(l, "\r\n"), err
}

// value is one VALUE block of a get or gets.
type value struct {
	key   string
	flags uint32
	cas   uint64
	data  string
}

// getReply reads a get/gets reply: its VALUE blocks and END.
func (tc *truthConn) getReply() ([]value, error) {
	var vs []value
	for {
		l, err := tc.line()
		if err != nil {
			return nil, err
		}
		if l == "END" {
			return vs, nil
		}
		f := strings.Fields(l)
		if len(f) < 4 || f[0] != "VALUE" {
			return nil, fmt.Errorf("get: unexpected line %q", l)
		}
		var v value
		v.key = f[1]
		fl, _ := strconv.ParseUint(f[2], 10, 32)
		v.flags = uint32(fl)
		n, _ := strconv.Atoi(f[3])
		if len(f) > 4 {
			v.cas, _ = strconv.ParseUint(f[4], 10, 64)
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(tc.r, b); err != nil {
			return nil, err
		}
		v.data = string(b[:n])
		vs = append(vs, v)
	}
}

// truthRun is one phase-A client: ops operations on random keys, each
// under its key's lock. It returns the mismatches it saw.
func truthRun(tc *truthConn, keys []*truthKey, r *rand.Rand, ops int) (bad []string, err error) {
	mismatch := func(k *truthKey, op, got, want string) {
		bad = append(bad, fmt.Sprintf("%s %s: got %q, want %s (model: present %v, vals %q, flags %d, cas %d, last %d)",
			op, k.name, got, want, k.present, k.vals, k.flags, k.cas, k.lastCAS))
	}
	for i := 0; i < ops && err == nil; {
		k := keys[r.Intn(len(keys))]
		k.mu.Lock()
		var n int
		n, err = truthStep(tc, k, r, mismatch)
		k.mu.Unlock()
		i += n
	}
	return bad, err
}

// newValue is a random value for k: a number for a numeric key (some near
// 2^64, to wrap), a word otherwise.
func newValue(k *truthKey, r *rand.Rand) string {
	if k.numeric {
		if r.Intn(8) == 0 {
			return strconv.FormatUint(^uint64(0)-uint64(r.Intn(100)), 10)
		}
		return strconv.Itoa(r.Intn(100000))
	}
	return "v" + strconv.Itoa(r.Intn(1000000))
}

// gets runs a gets on k and checks it, learning the CAS.
func truthGets(tc *truthConn, k *truthKey, withCAS bool, mismatch func(k *truthKey, op, got, want string)) (*value, error) {
	cmd := "get"
	if withCAS {
		cmd = "gets"
	}
	if err := tc.send(cmd + " " + k.name + "\r\n"); err != nil {
		return nil, err
	}
	vs, err := tc.getReply()
	if err != nil {
		return nil, err
	}
	if !k.present {
		if len(vs) != 0 {
			mismatch(k, cmd, fmt.Sprintf("%+v", vs), "a miss")
		}
		return nil, nil
	}
	if len(vs) != 1 || vs[0].key != k.name || !slices.Contains(k.vals, vs[0].data) || vs[0].flags != k.flags {
		mismatch(k, cmd, fmt.Sprintf("%+v", vs), "one of the model's values")
		if len(vs) != 1 {
			return nil, nil
		}
	}
	v := &vs[0]
	k.vals = []string{v.data} // what the server holds is now known
	if withCAS {
		switch {
		case k.cas != 0 && v.cas != k.cas:
			mismatch(k, cmd, strconv.FormatUint(v.cas, 10), fmt.Sprintf("the unchanged CAS %d", k.cas))
		case k.cas == 0 && v.cas <= k.lastCAS:
			mismatch(k, cmd, strconv.FormatUint(v.cas, 10), fmt.Sprintf("a CAS above %d (the value changed)", k.lastCAS))
		}
		k.cas = v.cas
		k.lastCAS = max(k.lastCAS, v.cas)
	}
	return v, nil
}

// truthStep runs one random command (or two: a gets and its cas) on k,
// which the caller has locked, checks the reply and updates the model.
// It returns how many commands it sent.
func truthStep(tc *truthConn, k *truthKey, r *rand.Rand, mismatch func(k *truthKey, op, got, want string)) (int, error) {
	expect := func(op, want string) error {
		got, err := tc.line()
		if err == nil && got != want {
			mismatch(k, op, got, strconv.Quote(want))
		}
		return err
	}
	storage := func(cmd, val string, flags uint32, cas uint64) error {
		line := fmt.Sprintf("%s %s %d 0 %d", cmd, k.name, flags, len(val))
		if cmd == "cas" {
			line += " " + strconv.FormatUint(cas, 10)
		}
		return tc.send(line + "\r\n" + val + "\r\n")
	}
	ops := []string{"set", "add", "replace", "get", "gets", "cas", "cas-stale", "incr", "decr", "delete", "touch"}
	if !k.numeric {
		ops = append(ops, "append", "prepend", "append")
	}
	switch op := ops[r.Intn(len(ops))]; op {
	case "set", "add", "replace":
		val, flags := newValue(k, r), uint32(r.Intn(4))
		if err := storage(op, val, flags, 0); err != nil {
			return 1, err
		}
		if ok := op == "set" || op == "add" && !k.present || op == "replace" && k.present; ok {
			k.present, k.vals, k.flags = true, []string{val}, flags
			k.modified()
			return 1, expect(op, "STORED")
		}
		return 1, expect(op, "NOT_STORED")
	case "append", "prepend":
		part := strconv.Itoa(r.Intn(100))
		if err := storage(op, part, 9, 0); err != nil {
			return 1, err
		}
		if !k.present {
			return 1, expect(op, "NOT_STORED")
		}
		for i, v := range k.vals {
			if op == "append" {
				k.vals[i] = v + part
			} else {
				k.vals[i] = part + v
			}
		}
		if len(k.vals[0]) > 2000 {
			// Keep the values short: start again.
			if err := expect(op, "STORED"); err != nil {
				return 1, err
			}
			k.modified()
			val := newValue(k, r)
			if err := storage("set", val, k.flags, 0); err != nil {
				return 2, err
			}
			k.vals = []string{val}
			return 2, expect("set", "STORED")
		}
		k.modified()
		return 1, expect(op, "STORED")
	case "get", "gets":
		_, err := truthGets(tc, k, op == "gets", mismatch)
		return 1, err
	case "cas", "cas-stale":
		v, err := truthGets(tc, k, true, mismatch)
		if err != nil {
			return 1, err
		}
		val, flags := newValue(k, r), uint32(r.Intn(4))
		if v == nil {
			if err := storage("cas", val, flags, k.lastCAS+1); err != nil {
				return 2, err
			}
			return 2, expect(op, "NOT_FOUND")
		}
		if op == "cas-stale" {
			if v.cas <= 1 {
				return 1, nil
			}
			if err := storage("cas", val, flags, v.cas-1); err != nil {
				return 2, err
			}
			return 2, expect(op, "EXISTS")
		}
		if err := storage("cas", val, flags, v.cas); err != nil {
			return 2, err
		}
		k.vals, k.flags = []string{val}, flags
		k.modified()
		return 2, expect(op, "STORED")
	case "incr", "decr":
		delta := uint64(r.Intn(1000))
		if r.Intn(10) == 0 {
			delta = ^uint64(0) - uint64(r.Intn(1000))
		}
		if err := tc.send(fmt.Sprintf("%s %s %d\r\n", op, k.name, delta)); err != nil {
			return 1, err
		}
		switch {
		case !k.present:
			return 1, expect(op, "NOT_FOUND")
		case !k.numeric:
			return 1, expect(op, "CLIENT_ERROR cannot increment or decrement non-numeric value")
		}
		old, _ := strconv.ParseUint(strings.TrimRight(k.vals[0], " "), 10, 64)
		nv := old + delta // wraps, as memcached's incr
		if op == "decr" {
			nv = old - min(old, delta)
		}
		s := strconv.FormatUint(nv, 10)
		alts := []string{s}
		for _, v := range k.vals {
			if len(s) < len(v) {
				if p := s + strings.Repeat(" ", len(v)-len(s)); !slices.Contains(alts, p) {
					alts = append(alts, p)
				}
			}
		}
		k.vals = alts
		k.modified()
		return 1, expect(op, s)
	case "delete":
		if err := tc.send("delete " + k.name + "\r\n"); err != nil {
			return 1, err
		}
		if k.present {
			k.present, k.vals = false, nil
			k.modified()
			return 1, expect(op, "DELETED")
		}
		return 1, expect(op, "NOT_FOUND")
	case "touch":
		if err := tc.send("touch " + k.name + " 86400\r\n"); err != nil {
			return 1, err
		}
		if k.present {
			return 1, expect(op, "TOUCHED") // the CAS stays
		}
		return 1, expect(op, "NOT_FOUND")
	}
	return 0, nil
}

// truthContend is one phase-B client: ops commands on the shared keys
// with no lock, the replies recorded for the checks.
type contendLog struct {
	incrs    [4][]uint64 // values incr returned, per counter
	casWins  [4][]uint64 // values a successful cas wrote, per key
	appended [4][]string // tokens appended, in order, per key
}

func truthContend(tc *truthConn, id int, r *rand.Rand, ops int, lg *contendLog) error {
	appends := 0
	for i := 0; i < ops; {
		j := r.Intn(4)
		switch r.Intn(3) {
		case 0:
			if err := tc.send(fmt.Sprintf("incr c%d 1\r\n", j)); err != nil {
				return err
			}
			l, err := tc.line()
			if err != nil {
				return err
			}
			v, err := strconv.ParseUint(l, 10, 64)
			if err != nil {
				return fmt.Errorf("incr c%d: %q", j, l)
			}
			lg.incrs[j] = append(lg.incrs[j], v)
			i++
		case 1:
			if err := tc.send(fmt.Sprintf("gets x%d\r\n", j)); err != nil {
				return err
			}
			vs, err := tc.getReply()
			if err != nil {
				return err
			}
			if len(vs) != 1 {
				return fmt.Errorf("gets x%d: %+v", j, vs)
			}
			v, _ := strconv.ParseUint(vs[0].data, 10, 64)
			nv := strconv.FormatUint(v+1, 10)
			if err := tc.send(fmt.Sprintf("cas x%d 0 0 %d %d\r\n%s\r\n", j, len(nv), vs[0].cas, nv)); err != nil {
				return err
			}
			l, err := tc.line()
			if err != nil {
				return err
			}
			switch l {
			case "STORED":
				lg.casWins[j] = append(lg.casWins[j], v+1)
			case "EXISTS":
			default:
				return fmt.Errorf("cas x%d: %q", j, l)
			}
			i += 2
		case 2:
			if appends >= 500 {
				continue
			}
			appends++
			tok := fmt.Sprintf("%d.%d,", id, appends)
			if err := tc.send(fmt.Sprintf("append a%d 0 0 %d\r\n%s\r\n", j, len(tok), tok)); err != nil {
				return err
			}
			l, err := tc.line()
			if err != nil {
				return err
			}
			if l != "STORED" {
				return fmt.Errorf("append a%d: %q", j, l)
			}
			lg.appended[j] = append(lg.appended[j], tok)
			i++
		}
	}
	return nil
}

// TestConcurrencyTruth: tried 8 clients over 4 workers doing random
// set/add/replace/append/prepend/get/gets/cas (fresh and stale)/incr/decr/
// delete/touch on 16 shared keys under per-key locks (phase A, 80% of the
// operations), then incr, gets+cas and append on 12 keys without locks
// (phase B). Expected: 0 mismatches against the model (see the top of the
// file), and every phase-B check holding.
func TestConcurrencyTruth(t *testing.T) {
	total := 25_000
	if os.Getenv("GOAE_LONG") != "" {
		total = 1_000_000
	}
	s := startServer(t, func(c *config) { c.threads = 4 })
	var ops atomic.Int64
	tcs := make([]*truthConn, truthClients)
	for i := range tcs {
		c := dial(t, s.Addr())
		tcs[i] = &truthConn{c: c, r: bufio.NewReader(c), ops: &ops}
	}
	var keys []*truthKey
	for i := 0; i < truthNumKeys; i++ {
		keys = append(keys, &truthKey{name: fmt.Sprintf("n%d", i), numeric: true})
	}
	for i := 0; i < truthStrKeys; i++ {
		keys = append(keys, &truthKey{name: fmt.Sprintf("s%d", i)})
	}

	// Phase A.
	perA := total * 8 / 10 / truthClients
	var wg sync.WaitGroup
	bads := make([][]string, truthClients)
	errs := make([]error, truthClients)
	for i, tc := range tcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bads[i], errs[i] = truthRun(tc, keys, rand.New(rand.NewSource(int64(i)+1)), perA)
		}()
	}
	wg.Wait()
	mismatches := 0
	for i := range bads {
		if errs[i] != nil {
			t.Fatalf("client %d: %v", i, errs[i])
		}
		mismatches += len(bads[i])
		for _, b := range bads[i][:min(len(bads[i]), 5)] {
			t.Errorf("client %d: %s", i, b)
		}
	}
	opsA := ops.Load()

	// Phase B.
	var setup strings.Builder
	for j := 0; j < 4; j++ {
		fmt.Fprintf(&setup, "set c%d 0 0 1\r\n0\r\nset x%d 0 0 1\r\n0\r\nset a%d 0 0 0\r\n\r\n", j, j, j)
	}
	roundTrip(t, tcs[0].c, setup.String(), strings.Repeat("STORED\r\n", 12))
	perB := (total - int(opsA) + truthClients - 1) / truthClients // so that at least total run
	logs := make([]contendLog, truthClients)
	for i, tc := range tcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = truthContend(tc, i, rand.New(rand.NewSource(int64(i)+100)), perB, &logs[i])
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("phase B, client %d: %v", i, err)
			mismatches++
		}
	}
	check := func(ok bool, format string, args ...any) {
		if !ok {
			mismatches++
			t.Errorf(format, args...)
		}
	}
	c := tcs[0]
	for j := 0; j < 4; j++ {
		var incrs, wins []uint64
		for i := range logs {
			incrs = append(incrs, logs[i].incrs[j]...)
			wins = append(wins, logs[i].casWins[j]...)
		}
		slices.Sort(incrs)
		for n, v := range incrs {
			if v != uint64(n+1) {
				check(false, "counter c%d: the %dth smallest value incr returned is %d, want %d (each of 1..%d once)", j, n+1, v, n+1, len(incrs))
				break
			}
		}
		got := roundTrip(t, c.c, fmt.Sprintf("get c%d x%d a%d\r\n", j, j, j), "END\r\n")
		vals := map[string]string{}
		for _, blk := range strings.Split(got, "VALUE ")[1:] {
			hdr, data, _ := strings.Cut(blk, "\r\n")
			vals[strings.Fields(hdr)[0]] = strings.TrimSuffix(strings.TrimSuffix(data, "END\r\n"), "\r\n")
		}
		check(vals[fmt.Sprintf("c%d", j)] == strconv.Itoa(len(incrs)), "counter c%d is %q after %d incrs", j, vals[fmt.Sprintf("c%d", j)], len(incrs))
		slices.Sort(wins)
		check(len(slices.Compact(slices.Clone(wins))) == len(wins), "x%d: two successful CASes wrote the same value (%d wins)", j, len(wins))
		check(vals[fmt.Sprintf("x%d", j)] == strconv.Itoa(len(wins)), "x%d is %q after %d successful CASes", j, vals[fmt.Sprintf("x%d", j)], len(wins))
		toks := strings.Split(strings.TrimSuffix(vals[fmt.Sprintf("a%d", j)], ","), ",")
		pos := map[string]int{}
		for n, tok := range toks {
			if _, dup := pos[tok]; dup {
				check(false, "a%d: %q appended twice", j, tok)
			}
			pos[tok] = n
		}
		appended := 0
		for i := range logs {
			last := -1
			for _, tok := range logs[i].appended[j] {
				appended++
				p, ok := pos[strings.TrimSuffix(tok, ",")]
				check(ok && p > last, "a%d: client %d's append %q missing or out of its order", j, i, tok)
				last = p
			}
		}
		check(appended == len(toks) || appended == 0 && toks[0] == "", "a%d holds %d tokens, %d were appended", j, len(toks), appended)
	}
	t.Logf("%d operations (%d in phase A, under per-key locks; %d in phase B, contended), %d mismatches",
		ops.Load(), opsA, ops.Load()-opsA, mismatches)
	if int(ops.Load()) < total {
		t.Errorf("only %d operations ran, want about %d", ops.Load(), total)
	}
}
