package testenv

import (
	"strings"
	"testing"
)

// recorder is a testing.TB that records Skipf and Fatalf instead of
// stopping the goroutine, so RequireBinary's decisions can be checked.
type recorder struct {
	testing.TB
	skipped, fatal string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Skipf(format string, a ...any)  { r.skipped = format }
func (r *recorder) Fatalf(format string, a ...any) { r.fatal = format }

// TestRequireBinary tries a program that exists ("sh") and one that cannot,
// with GOAE_INTEROP unset and set to "require". Expected: the path of sh;
// for the missing one a skip normally and a failure under require.
func TestRequireBinary(t *testing.T) {
	if p := RequireBinary(t, "sh"); !strings.HasSuffix(p, "/sh") {
		t.Fatalf("RequireBinary(sh) = %q, want a path ending in /sh", p)
	}

	const missing = "goae-no-such-program"
	t.Setenv(InteropEnv, "")
	r := &recorder{TB: t}
	if p := RequireBinary(r, missing); p != "" || r.skipped == "" || r.fatal != "" {
		t.Fatalf("without %s: path %q, skipped %q, fatal %q; want a skip", InteropEnv, p, r.skipped, r.fatal)
	}

	t.Setenv(InteropEnv, "require")
	r = &recorder{TB: t}
	if p := RequireBinary(r, missing); p != "" || r.fatal == "" || r.skipped != "" {
		t.Fatalf("with %s=require: path %q, skipped %q, fatal %q; want a failure", InteropEnv, p, r.skipped, r.fatal)
	}
}
