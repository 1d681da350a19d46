package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// holdWrites makes every config write of o wait for a token on the
// returned channel (entered is told when one starts waiting); at the end
// of the test the writes go through. It must run before the sentinel's
// first write on the loop.
func holdWrites(t *testing.T, o *ourSentinel) (release chan struct{}, entered chan struct{}) {
	t.Helper()
	release, entered = make(chan struct{}), make(chan struct{}, 16)
	stop := make(chan struct{})
	set := make(chan bool)
	o.s.el.Post(func(*ae.EventLoop) {
		o.s.writeConfig = func(path, content string) error {
			entered <- struct{}{}
			select {
			case <-release:
			case <-stop:
			}
			return writeConfigFile(path, content)
		}
		set <- o.s.writer == nil
	})
	if !<-set {
		t.Fatal("a config write was made before the hook was set")
	}
	t.Cleanup(func() { close(stop) })
	return release, entered
}

// pingsPromptly checks that another connection gets PONG at once, three
// times, while a write is held.
func pingsPromptly(t *testing.T, port int) {
	t.Helper()
	b := dialResp(t, port)
	for i := 0; i < 3; i++ {
		start := time.Now()
		if raw, _ := b.do("PING"); string(raw) != "+PONG\r\n" {
			t.Fatalf("PING while the write is held: %q", raw)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("PING took %v while the write is held", d)
		}
	}
}

// dialRaw is a connection read line by line.
func dialRaw(t *testing.T, port int) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

// noReply checks that nothing comes on r for a while.
func noReply(t *testing.T, r *bufio.Reader, c net.Conn, what string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if line, err := r.ReadString('\n'); err == nil {
		t.Fatalf("%s: got %q before the write was done", what, line)
	}
}

// TestVoteReplyWaitsForTheWrite: SENTINEL is-master-down-by-addr asking
// for a vote at epoch 1 (above ours), with a PING pipelined behind it,
// while the config writes are held. Expected: PINGs on another connection
// answered at once; nothing for the voter, and no vote in the file, until
// the writes are let through; then the vote (*3 :0 RUNID :1) and +PONG in
// order, and the file holds leader-epoch 1 and current-epoch 1. A second
// request at that epoch for another runid gets the first vote at once
// (nothing new to write).
func TestVoteReplyWaitsForTheWrite(t *testing.T) {
	mport := testenv.FreePort(t) // nothing listens: no INFO, no other write
	o := startOurs(t, fmt.Sprintf("sentinel monitor m 127.0.0.1 %d 2\n", mport))
	release, entered := holdWrites(t, o)

	a, ar := dialRaw(t, o.port)
	runid := strings.Repeat("ab", 20)
	req := resp.AppendCommand(nil, "SENTINEL", "is-master-down-by-addr", "127.0.0.1", strconv.Itoa(mport), "1", runid)
	a.Write(append(req, resp.AppendCommand(nil, "PING")...))
	<-entered
	pingsPromptly(t, o.port)
	noReply(t, ar, a, "the voter")
	if conf, _ := os.ReadFile(o.conf); strings.Contains(string(conf), "sentinel leader-epoch m 1") {
		t.Fatalf("the vote is on disk before the write was let through:\n%s", conf)
	}
	close(release)
	a.SetReadDeadline(time.Now().Add(5 * time.Second))
	var got strings.Builder
	want := "*3\r\n:0\r\n$40\r\n" + runid + "\r\n:1\r\n+PONG\r\n"
	for got.Len() < len(want) {
		line, err := ar.ReadString('\n')
		if err != nil {
			t.Fatalf("after the write: %v (got %q)", err, got.String())
		}
		got.WriteString(line)
	}
	if got.String() != want {
		t.Errorf("reply %q, want %q", got.String(), want)
	}
	conf, _ := os.ReadFile(o.conf)
	if !strings.Contains(string(conf), "sentinel leader-epoch m 1\n") || !strings.Contains(string(conf), "sentinel current-epoch 1\n") {
		t.Errorf("the file after the vote:\n%s", conf)
	}

	other := strings.Repeat("cd", 20)
	start := time.Now()
	_, v := dialResp(t, o.port).do("SENTINEL", "is-master-down-by-addr", "127.0.0.1", strconv.Itoa(mport), "1", other)
	if fmt.Sprint(v) != "[0 "+runid+" 1]" || time.Since(start) > time.Second {
		t.Errorf("second request at epoch 1: %v after %v", v, time.Since(start))
	}
}

// TestOwnVoteCountedOnceOnDisk: ours alone (quorum 1) over a master
// nothing listens on, down-after 200 ms, its config writes held. Expected:
// SDOWN, ODOWN, a failover tried and our vote for ourselves cast
// (+vote-for-leader), but no +elected-leader while the vote's write is
// held (PING answered meanwhile); +elected-leader once it is let through.
func TestOwnVoteCountedOnceOnDisk(t *testing.T) {
	mport := testenv.FreePort(t)
	o := startOurs(t, fmt.Sprintf("sentinel monitor m 127.0.0.1 %d 1\n"+
		"sentinel down-after-milliseconds m 200\nsentinel failover-timeout m 60000\n", mport))
	release, entered := holdWrites(t, o)
	ev := watchEvents(t, o.port)
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatalf("no config write; events:\n%s", ev.all())
	}
	waitFor(t, 5*time.Second, "+vote-for-leader", func() bool {
		_, ok := ev.find("+vote-for-leader ")
		return ok
	})
	if _, ok := ev.find("+try-failover "); !ok {
		t.Errorf("the vote is not the failover's; events:\n%s", ev.all())
	}
	pingsPromptly(t, o.port)
	time.Sleep(time.Second)
	if e, ok := ev.find("+elected-leader "); ok {
		t.Fatalf("%q before the vote was on disk; events:\n%s", e, ev.all())
	}
	close(release)
	waitFor(t, 5*time.Second, "+elected-leader", func() bool {
		_, ok := ev.find("+elected-leader ")
		return ok
	})
}

// TestSettingRepliesWaitForTheWrite: SENTINEL MONITOR, SET, CONFIG SET
// and REMOVE while the config writes are held. Expected: each reply comes
// once its write is let through (+OK), not before; PING answered
// meanwhile; the file holds each change when its reply comes.
func TestSettingRepliesWaitForTheWrite(t *testing.T) {
	o := startOurs(t, "")
	release, entered := holdWrites(t, o)
	a, ar := dialRaw(t, o.port)
	mport := strconv.Itoa(testenv.FreePort(t))
	for _, c := range []struct {
		args []string
		file string // a line the file holds, "!" first: does not hold
	}{
		{[]string{"SENTINEL", "MONITOR", "m", "127.0.0.1", mport, "2"}, "sentinel monitor m 127.0.0.1 " + mport + " 2\n"},
		{[]string{"SENTINEL", "SET", "m", "quorum", "1"}, "sentinel monitor m 127.0.0.1 " + mport + " 1\n"},
		{[]string{"SENTINEL", "CONFIG", "SET", "announce-port", "1234"}, "sentinel announce-port 1234\n"},
		{[]string{"SENTINEL", "REMOVE", "m"}, "!sentinel monitor m "},
	} {
		a.Write(resp.AppendCommand(nil, c.args...))
		<-entered
		pingsPromptly(t, o.port)
		noReply(t, ar, a, strings.Join(c.args, " "))
		release <- struct{}{}
		a.SetReadDeadline(time.Now().Add(5 * time.Second))
		if line, err := ar.ReadString('\n'); err != nil || line != "+OK\r\n" {
			t.Fatalf("%v after its write: %q, %v", c.args, line, err)
		}
		conf, _ := os.ReadFile(o.conf)
		if want, not := strings.CutPrefix(c.file, "!"); strings.Contains(string(conf), want) == not {
			t.Errorf("after %v the file:\n%s", c.args, conf)
		}
	}
}
