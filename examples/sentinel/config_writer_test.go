package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/testenv"
)

// TestConfigWriteDoesNotStallTheLoop: the config file's write (its fsyncs)
// is made to take as long as the test wants. Tried: SENTINEL SET, then
// SENTINEL FLUSHCONFIG with a PING pipelined behind it on one connection,
// and PINGs on another while the write hangs; then a write that fails.
// Expected: the other connection is answered at once, the SET's +OK comes
// only once its write is done, the FLUSHCONFIG caller gets nothing
// (not even its PING) until the write is done, then "+OK" and "+PONG" in
// order; the file holds the state; a failed write gives Redis's
// FLUSHCONFIG error and its warning in the log, and the next one
// succeeds.
func TestConfigWriteDoesNotStallTheLoop(t *testing.T) {
	master := testenv.StartRedis(t)
	o := startOurs(t, fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 2\n", master))
	release := make(chan error)
	entered := make(chan struct{}, 16)
	done := make(chan struct{})
	o.s.el.Post(func(*ae.EventLoop) {
		o.s.writeConfig = func(path, content string) error {
			entered <- struct{}{}
			if err := <-release; err != nil {
				return err
			}
			return writeConfigFile(path, content)
		}
		close(done)
	})
	<-done
	t.Cleanup(func() { close(release) }) // let the shutdown's write through

	a, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(o.port))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ar := bufio.NewReader(a)
	setc := dialResp(t, o.port)
	setc.send("SENTINEL", "SET", "mymaster", "quorum", "1")
	<-entered // the SET's write hangs, and its reply with it
	a.Write([]byte("*2\r\n$8\r\nSENTINEL\r\n$11\r\nFLUSHCONFIG\r\n*1\r\n$4\r\nPING\r\n"))
	b := dialResp(t, o.port)
	for i := 0; i < 3; i++ {
		start := time.Now()
		if raw, _ := b.do("PING"); string(raw) != "+PONG\r\n" {
			t.Fatalf("PING on another connection while the write hangs: %q", raw)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("PING took %v while the config write hangs", d)
		}
	}
	a.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if line, err := ar.ReadString('\n'); err == nil {
		t.Fatalf("the FLUSHCONFIG caller got %q before the write was done", line)
	}
	if raw, _, err := setc.read(300 * time.Millisecond); err == nil {
		t.Fatalf("SENTINEL SET replied %q before its write was done", raw)
	}
	release <- nil // the SET's write
	if raw, _, err := setc.read(5 * time.Second); err != nil || string(raw) != "+OK\r\n" {
		t.Fatalf("SENTINEL SET after its write: %q, %v", raw, err)
	}
	<-entered // FLUSHCONFIG's, coalesced behind it
	release <- nil
	a.SetReadDeadline(time.Now().Add(5 * time.Second))
	var got []string
	for i := 0; i < 2; i++ {
		line, err := ar.ReadString('\n')
		if err != nil {
			t.Fatalf("after the write: %v (got %q)", err, got)
		}
		got = append(got, line)
	}
	if strings.Join(got, "") != "+OK\r\n+PONG\r\n" {
		t.Errorf("FLUSHCONFIG then PING: %q", got)
	}
	conf, _ := os.ReadFile(o.conf)
	if !strings.Contains(string(conf), fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 1\n", master)) {
		t.Errorf("the file after the write:\n%s", conf)
	}

	// A write that fails.
	a.Write([]byte("*2\r\n$8\r\nSENTINEL\r\n$11\r\nFLUSHCONFIG\r\n"))
	<-entered
	release <- errors.New("disk on fire")
	if line, _ := ar.ReadString('\n'); line != "-ERR Failed to save config file. Check server logs.\r\n" {
		t.Errorf("FLUSHCONFIG of a failed write: %q", line)
	}
	if !strings.Contains(o.log.String(), "WARNING: Sentinel was not able to save the new configuration on disk!!!: disk on fire") {
		t.Errorf("no warning in the log:\n%s", o.log)
	}
	a.Write([]byte("*2\r\n$8\r\nSENTINEL\r\n$11\r\nFLUSHCONFIG\r\n"))
	<-entered
	release <- nil
	if line, _ := ar.ReadString('\n'); line != "+OK\r\n" {
		t.Errorf("FLUSHCONFIG after a failure: %q", line)
	}
}
