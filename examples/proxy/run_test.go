package main

import (
	"bytes"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
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

// TestServeModeStub: with a good configuration the stub logs nutcracker's
// banner (with this pid), loads the configuration, says on stderr that
// serving is not built yet and exits 1; with a bad one it says only
// "syntax is invalid", as nutcracker does, and logs the reason.
func TestServeModeStub(t *testing.T) {
	bin := proxyBinary(t)
	dir := optionDir(t)
	got := runProc(t, dir, bin, "-c", "good.yml", "-o", "good.log")
	if got.code != 1 || string(got.stderr) != "proxy: serving is not built yet\n" {
		t.Errorf("good.yml: exit %d stderr %q", got.code, got.stderr)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "good.log"))
	msgs := logMessages(t, string(log))
	if len(msgs) != 4 || !regexp.MustCompile(`^nutcracker-0\.5\.0 built for \S+ \S+ \S+ started on pid \d+$`).MatchString(msgs[0]) ||
		!strings.HasPrefix(msgs[1], "run, rabbit run") || msgs[2] != "proxy: serving is not built yet" || msgs[3] != "done, rabbit done" {
		t.Errorf("good.yml log: %q", msgs)
	}
	got = runProc(t, dir, bin, "-c", "bad.yml", "-o", "bad.log")
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
// configuration, logs that serving is not built, removes the pid file and
// exits.
func TestDaemonize(t *testing.T) {
	bin := proxyBinary(t)
	dir := optionDir(t)
	logName := filepath.Join(dir, "d.log")
	pidName := filepath.Join(dir, "d.pid")
	got := runProc(t, dir, bin, "-d", "-c", "good.yml", "-o", logName, "-p", pidName)
	if got.code != 0 || len(got.stderr) != 0 {
		t.Fatalf("-d: exit %d stderr %q, want 0 and nothing", got.code, got.stderr)
	}
	var msgs []string
	deadline := time.Now().Add(20 * time.Second)
	for {
		log, _ := os.ReadFile(logName)
		msgs = logMessages(t, string(log))
		if len(msgs) > 0 && msgs[len(msgs)-1] == "done, rabbit done" || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	m := regexp.MustCompile(`(?m)started on pid (\d+)$`).FindStringSubmatch(strings.Join(msgs, "\n"))
	if m == nil || len(msgs) != 4 || msgs[2] != "proxy: serving is not built yet" {
		t.Fatalf("daemon's log: %q", msgs)
	}
	if pid, _ := strconv.Atoi(m[1]); pid <= 1 {
		t.Errorf("daemon pid %d", pid)
	}
	if _, err := os.Stat(pidName); !os.IsNotExist(err) {
		t.Errorf("pid file left behind: %v", err)
	}
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
