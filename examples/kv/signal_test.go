package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
)

// Input: the kv command (built into a temp dir) on a free port with two
// connected clients, one of them in the middle of a command; then
// SIGTERM, and in a second case SIGINT.
// Expected: Redis's log lines ("Received signal, scheduling shutdown",
// "ready to exit"), exit status 0, both clients read EOF (closed by the
// server), and the port refuses connections (listener closed). Before
// the signal a well-behaved client is served.
func TestSignalsShutDownCleanly(t *testing.T) {
	exe := buildKV(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			kv := startKV(t, exe)
			addr, logs, cmd, exited := kv.addr, kv.logs, kv.cmd, kv.exited
			a, b := dialRaw(t, addr), dialRaw(t, addr)
			if a.do("SET", "k", "v") != resp.OK {
				t.Fatal("SET failed")
			}
			b.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n") // half a command
			expectServed(t, addr)

			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("exit: %v\n%s", err, logs.String())
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("no exit within 20 s of %v\n%s", sig, logs.String())
			}
			for name, c := range map[string]*rawConn{"idle client": a, "client mid-command": b} {
				if got := readToClose(t, c.conn); got != "" {
					t.Errorf("%s got %q before EOF", name, got)
				}
			}
			if c, err := net.DialTimeout("tcp", addr, 2*time.Second); err == nil {
				c.Close()
				t.Fatal("the port still accepts connections after the exit")
			} else if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Logf("dial after exit: %v", err)
			}
			for _, want := range []string{"Received signal, scheduling shutdown...", "Server is now ready to exit, bye bye..."} {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("log lacks %q:\n%s", want, logs.String())
				}
			}
		})
	}
}

// Input: kv run with --cpuprofile and --memprofile, a few commands, then
// SIGTERM; and kv with --cpuprofile in a directory that does not exist.
// Expected: a clean exit leaving both files as gzip-compressed pprof
// profiles, the heap one naming setKey, which allocated the keys; the bad path
// is refused at startup with the error and exit status 1.
func TestProfileFlags(t *testing.T) {
	exe := buildKV(t)
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.out"), filepath.Join(dir, "mem.out")
	kv := startKV(t, exe, "--cpuprofile", cpu, "--memprofile", mem)
	c := dialRaw(t, kv.addr)
	for i := 0; i < 2000; i++ { // about 200 KB of new keys: dozens of heap samples
		c.do("SET", fmt.Sprint("k", i), "v")
	}
	kv.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-kv.exited; err != nil {
		t.Fatalf("exit: %v\n%s", err, kv.logs.String())
	}
	for _, f := range []string{cpu, mem} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s is not a gzip-compressed profile (%d bytes): %v", filepath.Base(f), len(data), err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		// The profile's string table names the functions of its samples.
		if f == mem && !bytes.Contains(raw, []byte("main.(*server).setKey")) {
			t.Errorf("the heap profile does not name setKey, which allocated every new key")
		}
	}

	bad := exec.Command(exe, "--port", "0", "--cpuprofile", filepath.Join(dir, "no", "such", "dir", "cpu.out"))
	out, err := bad.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "no such file or directory") {
		t.Errorf("--cpuprofile into a missing directory: %v\n%s", err, out)
	}
}
