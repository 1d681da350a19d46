// Package testenv holds helpers for tests that need something outside the
// Go toolchain, such as a real redis-server to compare against.
//
// Such tests skip when the program is missing, so that "go test ./..." passes
// on a bare machine. Setting the environment variable GOAE_INTEROP=require
// turns every such skip into a failure, for CI and other runs that must not
// pass without the comparison.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// InteropEnv is the environment variable that makes missing programs fatal:
// GOAE_INTEROP=require.
const InteropEnv = "GOAE_INTEROP"

// InteropRequired reports whether GOAE_INTEROP=require is set.
func InteropRequired() bool { return os.Getenv(InteropEnv) == "require" }

// RequireBinary returns the path of the program name, looked up on PATH.
// If it is not there, RequireBinary skips the test with a message that says
// so, or fails it when GOAE_INTEROP=require is set.
func RequireBinary(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if InteropRequired() {
		t.Fatalf("%s is required (%s=require) but not found: %v", name, InteropEnv, err)
	} else {
		t.Skipf("skipping: %s not found (%v); install it to run this test, and set %s=require to make its absence a failure", name, err, InteropEnv)
	}
	return ""
}
