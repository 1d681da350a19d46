package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The process-level tests run the proxy built into a temporary directory.

var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	buildErr  error
	buildOut  []byte
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// proxyBinary builds the proxy once per test run and returns its path.
func proxyBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "proxy-test-")
		if buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "proxy")
		buildOut, buildErr = exec.Command("go", "build", "-o", buildBin, ".").CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("go build: %v\n%s", buildErr, buildOut)
	}
	return buildBin
}

// procResult is what a run of a program gave.
type procResult struct {
	stdout, stderr []byte
	code           int
}

// runProc runs bin with args in dir (a bounded time: a proxy or nutcracker
// given a good configuration in the serving mode would serve).
func runProc(t *testing.T, dir, bin string, args ...string) procResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok || ctx.Err() != nil {
			t.Fatalf("%s %q: %v (stderr %q)", bin, args, err, errb.String())
		}
		code = ee.ExitCode()
	}
	return procResult{out.Bytes(), errb.Bytes(), code}
}
