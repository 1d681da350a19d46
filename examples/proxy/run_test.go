package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// TestLogHandler: a line is "[YYYY-MM-DD HH:MM:SS.mmm] file.go:line
// message", the file:line of the code that logged; a line is cut to 255
// bytes before its newline (LOG_MAX_LEN); -v decides what is written
// (log_error's LOG_ALERT is silenced only by -v 0, log_warn's LOG_WARN by
// -v 3 and below, loga never).
func TestLogHandler(t *testing.T) {
	var b bytes.Buffer
	lv := new(slog.LevelVar)
	lv.Set(slogLevel(logNotice))
	l := slog.New(newLogHandler(&b, lv))
	logError(l, "conf: directive \"%s\" is unknown", "bogus")
	line := strings.TrimSuffix(b.String(), "\n")
	if !regexp.MustCompile(`^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] run_test\.go:\d+ conf: directive "bogus" is unknown$`).MatchString(line) {
		t.Errorf("line %q", line)
	}
	b.Reset()
	logError(l, "%s", strings.Repeat("x", 400))
	if b.Len() != 256 || !strings.HasSuffix(b.String(), "x\n") {
		t.Errorf("long line: %d bytes, want 255 and a newline", b.Len())
	}
	for _, c := range []struct {
		v               int
		err, warn, anyv bool
	}{{0, false, false, true}, {1, true, false, true}, {3, true, false, true}, {4, true, true, true}, {11, true, true, true}} {
		lv.Set(slogLevel(c.v))
		b.Reset()
		logError(l, "e")
		gotErr := b.Len() > 0
		b.Reset()
		logWarnf(l, "w")
		gotWarn := b.Len() > 0
		b.Reset()
		loga(l, "a")
		if gotErr != c.err || gotWarn != c.warn || (b.Len() > 0) != c.anyv {
			t.Errorf("-v %d: error %v warn %v loga %v", c.v, gotErr, gotWarn, b.Len() > 0)
		}
	}
	b.Reset()
	lv.Set(slogLevel(logNotice))
	l.With("k", 1).Info("with attrs", "n", "v")
	if !strings.HasSuffix(b.String(), " with attrs k=1 n=v\n") {
		t.Errorf("attrs: %q", b.String())
	}
}

// TestServeModeBadLog: in the serving mode a log file that cannot be
// opened is reported on stderr, exit 1, by nutcracker and the proxy
// alike.
func TestServeModeBadLog(t *testing.T) {
	bin := proxyBinary(t)
	dir := optionDir(t)
	args := []string{"-c", "good.yml", "-o", "/nonexistent/dir/x.log"}
	got := runProc(t, dir, bin, args...)
	want := "opening log file '/nonexistent/dir/x.log' failed: No such file or directory\n"
	if got.code != 1 || string(got.stderr) != want {
		t.Errorf("proxy %q: exit %d stderr %q, want 1 %q", args, got.code, got.stderr, want)
	}
	if nc, err := exec.LookPath("nutcracker"); err == nil {
		n := runProc(t, dir, nc, args...)
		if n.code != got.code || !bytes.Equal(n.stderr, got.stderr) {
			t.Errorf("nutcracker %q: exit %d stderr %q; proxy exit %d %q", args, n.code, n.stderr, got.code, got.stderr)
		}
	}
}

// TestServeMode: with a good configuration the proxy logs nutcracker's
// banner (with this pid), loads the configuration, listens (the log says
// where), serves, and on SIGINT logs nutcracker's line and exits 1 as
// nutcracker does; with a bad one it says only "syntax is invalid", as
// nutcracker does, and logs the reason.
func TestServeMode(t *testing.T) {
	bin := proxyBinary(t)
	dir := optionDir(t)
	port, sport := testenv.FreePort(t), testenv.FreePort(t)
	conf := fmt.Sprintf("alpha:\n  listen: 127.0.0.1:%d\n  servers:\n   - 127.0.0.1:6379:1\n", port)
	os.WriteFile(filepath.Join(dir, "serve.yml"), []byte(conf), 0o644)
	cmd := exec.Command(bin, "-c", "serve.yml", "-o", "good.log", "-s", strconv.Itoa(sport), "-a", "127.0.0.1")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitLog(t, filepath.Join(dir, "good.log"), "listening on")
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || stderr.Len() != 0 {
		t.Errorf("after SIGINT: %v, stderr %q; want exit 1, nothing", err, stderr.String())
	}
	log, _ := os.ReadFile(filepath.Join(dir, "good.log"))
	msgs := logMessages(t, string(log))
	want := fmt.Sprintf("p %%d listening on '127.0.0.1:%d' in memcache pool 0 'alpha' with 1 servers", port)
	if len(msgs) != 4 || !regexp.MustCompile(`^nutcracker-0\.5\.0 built for \S+ \S+ \S+ started on pid \d+$`).MatchString(msgs[0]) ||
		!strings.HasPrefix(msgs[1], "run, rabbit run") || !regexp.MustCompile("^"+strings.Replace(regexp.QuoteMeta(want), "%d", `\d+`, 1)+"$").MatchString(msgs[2]) ||
		msgs[3] != "signal 2 (SIGINT) received, exiting" {
		t.Errorf("good.yml log: %q", msgs)
	}
	got := runProc(t, dir, bin, "-c", "bad.yml", "-o", "bad.log")
	if got.code != 1 || string(got.stderr) != "nutcracker: configuration file 'bad.yml' syntax is invalid\n" {
		t.Errorf("bad.yml: exit %d stderr %q", got.code, got.stderr)
	}
	log, _ = os.ReadFile(filepath.Join(dir, "bad.log"))
	if msgs := logMessages(t, string(log), "run.go"); len(msgs) != 1 || msgs[0] != "conf: directive \"bogus\" is unknown" {
		t.Errorf("bad.yml log: %q", msgs)
	}
}

// TestTestConfLogsReason: -t -o FILE logs the reason to FILE (nutcracker
// logs nothing for -t; see ncTestConf), stderr as nutcracker's.
func TestTestConfLogsReason(t *testing.T) {
	bin := proxyBinary(t)
	dir := optionDir(t)
	got := runProc(t, dir, bin, "-t", "-c", "bad.yml", "-o", "t.log")
	if got.code != 1 || string(got.stderr) != strings.Repeat("nutcracker: configuration file 'bad.yml' syntax is invalid\n", 2) {
		t.Errorf("exit %d stderr %q", got.code, got.stderr)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "t.log"))
	if msgs := logMessages(t, string(log)); len(msgs) != 1 || msgs[0] != "conf: directive \"bogus\" is unknown" {
		t.Errorf("log: %q", msgs)
	}
}

// TestDaemonize: -d re-executes the proxy detached. The command returns 0
// at once with nothing on stderr; the daemon (another pid, in its own
// session) writes the -p pid file, logs its banner, loads the
// configuration and serves, until SIGINT (sent to the pid in the file)
// ends it.
func TestDaemonize(t *testing.T) {
	bin := proxyBinary(t)
	dir := optionDir(t)
	logName := filepath.Join(dir, "d.log")
	pidName := filepath.Join(dir, "d.pid")
	conf := fmt.Sprintf("alpha:\n  listen: 127.0.0.1:%d\n  servers:\n   - 127.0.0.1:6379:1\n", testenv.FreePort(t))
	os.WriteFile(filepath.Join(dir, "d.yml"), []byte(conf), 0o644)
	got := runProc(t, dir, bin, "-d", "-c", "d.yml", "-o", logName, "-p", pidName, "-s", strconv.Itoa(testenv.FreePort(t)), "-a", "127.0.0.1")
	if got.code != 0 || len(got.stderr) != 0 {
		t.Fatalf("-d: exit %d stderr %q, want 0 and nothing", got.code, got.stderr)
	}
	waitLog(t, logName, "listening on")
	msgs := logMessages(t, string(must(os.ReadFile(logName))))
	m := regexp.MustCompile(`(?m)started on pid (\d+)$`).FindStringSubmatch(strings.Join(msgs, "\n"))
	if m == nil {
		t.Fatalf("daemon's log: %q", msgs)
	}
	pidText, err := os.ReadFile(pidName)
	if err != nil || string(pidText) != m[1] {
		t.Fatalf("pid file %q (%v), log says pid %s", pidText, err, m[1])
	}
	pid, _ := strconv.Atoi(m[1])
	if pid <= 1 || pid == os.Getpid() {
		t.Fatalf("daemon pid %d", pid)
	}
	syscall.Kill(pid, syscall.SIGINT)
	waitLog(t, logName, "signal 2 (SIGINT) received, exiting")
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(pid, 0) == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
}

// waitLog waits until the log file has a line containing s.
func waitLog(t *testing.T, name, s string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		log, _ := os.ReadFile(name)
		if strings.Contains(string(log), s) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("log %s never said %q: %q", name, s, log)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestDaemonPidFileFailure: nutcracker's default pid file directory does
// not exist here, so a daemon without -p fails to write it and logs
// nutcracker's message.
func TestDaemonPidFileFailure(t *testing.T) {
	if _, err := os.Stat(filepath.Dir(defaultPidFile)); err == nil {
		t.Skipf("%s exists", filepath.Dir(defaultPidFile))
	}
	bin := proxyBinary(t)
	dir := optionDir(t)
	logName := filepath.Join(dir, "d.log")
	if got := runProc(t, dir, bin, "-d", "-c", "good.yml", "-o", logName); got.code != 0 {
		t.Fatalf("-d: exit %d stderr %q", got.code, got.stderr)
	}
	want := "opening pid file '/run/nutcracker/nutcracker.pid' failed: No such file or directory"
	deadline := time.Now().Add(20 * time.Second)
	for {
		log, _ := os.ReadFile(logName)
		msgs := logMessages(t, string(log))
		if len(msgs) == 2 && msgs[0] == want && msgs[1] == "done, rabbit done" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("daemon's log: %q, want %q and the end", msgs, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
