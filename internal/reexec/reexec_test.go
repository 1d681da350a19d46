package reexec

import (
	"errors"
	"os"
	"testing"
)

// Input: the marker variable set, then asked for twice; an Error wrapping
// ENOENT. Expected: true once (the variable is gone after), then false;
// the Error unwraps to its cause. (Daemon itself is run by the proxy's
// TestDaemonize and the sentinel's TestDebianSentinelConfMatchesRedis,
// which check the copy detached and the first process exiting 0.)
func TestIsDaemon(t *testing.T) {
	t.Setenv("GOAE_REEXEC_TEST", "1")
	if !IsDaemon("GOAE_REEXEC_TEST") {
		t.Fatal("IsDaemon with the variable set = false")
	}
	if _, ok := os.LookupEnv("GOAE_REEXEC_TEST"); ok {
		t.Error("the variable is still set")
	}
	if IsDaemon("GOAE_REEXEC_TEST") {
		t.Error("IsDaemon after it was unset = true")
	}
	err := error(&Error{Op: "open", Path: os.DevNull, Err: os.ErrNotExist})
	if !errors.Is(err, os.ErrNotExist) || err.Error() != "open /dev/null: file does not exist" {
		t.Errorf("Error = %q", err)
	}
}
