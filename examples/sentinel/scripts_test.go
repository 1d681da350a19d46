package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// scriptDir holds the scripts of one side: record.sh appends its
// arguments (one line per run) to record.out; fail.sh records and exits
// 1 (retry me); sleep.sh records and sleeps 30 s; gone.sh is removed
// after the sentinel has checked it (exec fails).
func scriptDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, tail := range map[string]string{"record": "", "fail": "exit 1\n", "sleep": "exec sleep 30\n", "gone": ""} {
		body := fmt.Sprintf("#!/bin/sh\necho \"$*\" >> %s/%s.out\n%s", dir, name, tail)
		if err := os.WriteFile(filepath.Join(dir, name+".sh"), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func readLines(path string) []string {
	b, _ := os.ReadFile(path)
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// TestScriptsMatchRedis: one of ours and one redis-sentinel, side by side
// on the same master and replica, each with scripts of its own (the
// same shell scripts in two directories). Tried and expected, the same
// on both sides (paths and pids aside):
//   - notification-script: run with TYPE MSG for each warning-level
//     event about the master or an instance of it (+monitor at start,
//     +sdown of the replica once it is stopped, -sdown once it is back,
//     +set), not for notice-level ones (+slave, +sentinel);
//   - a script that exits 1 is retried (script-retry-delay 1 ms,
//     doubling) until it has run 10 times, then -script-error PATH 0 1;
//   - a script running past script-max-runtime (300 ms) gets
//     -script-timeout PATH PID and is killed, and SENTINEL
//     PENDING-SCRIPTS shows it running (argv, flags running, pid,
//     run-time, retry-num 1) while it runs;
//   - a script that cannot be executed any more: -script-error PATH 0 2,
//     not retried;
//   - INFO's sentinel_running_scripts and sentinel_scripts_queue_length
//     count the queue.
func TestScriptsMatchRedis(t *testing.T) {
	testenv.RequireBinary(t, "redis-sentinel")
	if testing.Short() {
		t.Skip("the retry and timeout cycles take ~15 s; skipped with -short")
	}
	master := testenv.StartRedis(t, "--repl-diskless-sync-delay", "0")
	replica := testenv.StartRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(master))
	type side struct {
		name string
		dir  string
		port int
		ev   *eventWatcher
	}
	conf := func(dir string) string {
		return fmt.Sprintf("sentinel deny-scripts-reconfig no\n"+
			"sentinel monitor mymaster 127.0.0.1 %d 1\n"+
			"sentinel down-after-milliseconds mymaster 1000\n"+
			"sentinel notification-script mymaster %s/record.sh\n", master, dir)
	}
	sides := []*side{{name: "redis-sentinel", dir: scriptDir(t)}, {name: "ours", dir: scriptDir(t)}}
	sides[0].port = startReal(t, conf(sides[0].dir)).port
	sides[1].port = startOurs(t, conf(sides[1].dir)).port
	for _, sd := range sides {
		sd.ev = watchEvents(t, sd.port)
		waitFor(t, 20*time.Second, sd.name+" to find the replica", func() bool {
			m, _ := asMap(dialResp(t, sd.port).val("SENTINEL", "MASTER", "mymaster"))
			return m["num-slaves"] == "1"
		})
		c := dialResp(t, sd.port)
		for _, kv := range [][2]string{{"script-retry-delay", "1"}, {"script-max-runtime", "300"}} {
			if raw, _ := c.do("SENTINEL", "DEBUG", kv[0], kv[1]); string(raw) != "+OK\r\n" {
				t.Fatalf("%s: SENTINEL DEBUG %s: %q", sd.name, kv[0], raw)
			}
		}
	}
	// +sdown of the replica: SIGSTOP it (its socket stays open, the
	// sentinels' PINGs go unanswered).
	pid := redisPID(t, replica)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(pid, syscall.SIGCONT)
	for _, sd := range sides {
		waitFor(t, 10*time.Second, sd.name+" to run the script for +sdown", func() bool {
			for _, l := range readLines(filepath.Join(sd.dir, "record.out")) {
				if strings.HasPrefix(l, "+sdown slave ") {
					return true
				}
			}
			return false
		})
	}
	syscall.Kill(pid, syscall.SIGCONT)
	for _, sd := range sides {
		waitFor(t, 10*time.Second, sd.name+" to run the script for -sdown", func() bool {
			for _, l := range readLines(filepath.Join(sd.dir, "record.out")) {
				if strings.HasPrefix(l, "-sdown slave ") {
					return true
				}
			}
			return false
		})
	}
	want := readLines(filepath.Join(sides[0].dir, "record.out"))
	got := readLines(filepath.Join(sides[1].dir, "record.out"))
	if strings.Join(want, "\n") != strings.Join(got, "\n") || len(want) != 3 {
		t.Errorf("notification-script runs (want +monitor, +sdown, -sdown):\nredis-sentinel %q\nours           %q", want, got)
	}

	// Each side in turn: fail.sh, sleep.sh, gone.sh as the script, each
	// triggered by the +set that installs it.
	for _, sd := range sides {
		c := dialResp(t, sd.port)
		set := func(script string) {
			t.Helper()
			if raw, _ := c.do("SENTINEL", "SET", "mymaster", "notification-script", filepath.Join(sd.dir, script)); string(raw) != "+OK\r\n" {
				t.Fatalf("%s: SENTINEL SET notification-script %s: %q", sd.name, script, raw)
			}
		}
		set("fail.sh")
		failPath := filepath.Join(sd.dir, "fail.sh")
		waitFor(t, 20*time.Second, sd.name+": -script-error after 10 runs of fail.sh", func() bool {
			_, ok := sd.ev.find("-script-error " + failPath + " 0 1")
			return ok
		})
		if n := len(readLines(filepath.Join(sd.dir, "fail.out"))); n != 10 {
			t.Errorf("%s: fail.sh ran %d times, want 10", sd.name, n)
		}

		set("sleep.sh")
		sleepPath := filepath.Join(sd.dir, "sleep.sh")
		waitFor(t, 5*time.Second, sd.name+": sleep.sh running", func() bool {
			return len(readLines(filepath.Join(sd.dir, "sleep.out"))) > 0
		})
		v := c.val("SENTINEL", "PENDING-SCRIPTS")
		jobs, _ := v.([]any)
		if len(jobs) != 1 {
			t.Fatalf("%s: PENDING-SCRIPTS %v, want one job", sd.name, v)
		}
		job, keys := asMap(jobs[0])
		if strings.Join(keys, " ") != "argv flags pid run-time retry-num" || job["flags"] != "running" || job["retry-num"] != "1" || job["pid"] == "0" {
			t.Errorf("%s: PENDING-SCRIPTS job %v (keys %v)", sd.name, job, keys)
		}
		info := c.val("INFO", "sentinel")
		if s := fmt.Sprint(info); !strings.Contains(s, "sentinel_running_scripts:1\r\n") || !strings.Contains(s, "sentinel_scripts_queue_length:1\r\n") {
			t.Errorf("%s: INFO sentinel while one script runs:\n%s", sd.name, s)
		}
		waitFor(t, 5*time.Second, sd.name+": -script-timeout", func() bool {
			_, ok := sd.ev.find("-script-timeout " + sleepPath + " " + job["pid"])
			return ok
		})
		// gone.sh runs once for its own +set, is removed, and the next +set
		// queues it again: its exec fails.
		set("gone.sh")
		gonePath := filepath.Join(sd.dir, "gone.sh")
		waitFor(t, 5*time.Second, sd.name+": gone.sh ran once", func() bool {
			return len(readLines(filepath.Join(sd.dir, "gone.out"))) > 0
		})
		os.Remove(gonePath)
		if raw, _ := c.do("SENTINEL", "SET", "mymaster", "quorum", "1"); string(raw) != "+OK\r\n" {
			t.Fatalf("%s: SENTINEL SET quorum: %q", sd.name, raw)
		}
		waitFor(t, 5*time.Second, sd.name+": -script-error for the missing script", func() bool {
			_, ok := sd.ev.find("-script-error " + gonePath + " 0 2")
			return ok
		})
	}
	for _, sd := range sides {
		waitFor(t, 20*time.Second, sd.name+": the sleeper's 10 runs to end", func() bool {
			_, ok := sd.ev.find("-script-error " + filepath.Join(sd.dir, "sleep.sh") + " 9 0")
			return ok
		})
	}
}
