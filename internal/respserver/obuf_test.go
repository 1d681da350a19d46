package respserver

import (
	"bytes"
	"io"
	"log/slog"
	"math"
	"strings"
	"testing"

	"github.com/goae/goae/ae"
)

// obufServer is a Server whose one command replies a bulk of the size
// given by its argument's length, with the output limits of l, and a
// log kept for the test.
func obufServer(t *testing.T, l OutputBufferLimit) (*Server, *int, *bytes.Buffer) {
	t.Helper()
	el, err := ae.New(16)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { el.Close() })
	var calls int
	logs := &bytes.Buffer{}
	s := New(el, Config{OutputBufferLimit: l, Log: slog.New(slog.NewTextHandler(logs, nil))}, Handler{Command: func(c *Client) {
		calls++
		c.AddReplyBulk(c.Argv[0])
	}})
	s.Now = 1_000_000
	return s, &calls, logs
}

// Input: an in-memory client under LimitOutput, hard limit 1000 bytes,
// fed 20 pipelined commands of 100-byte replies.
// Expected: once its output passes 1000 bytes it is scheduled to close
// with Redis's log line, the rest of the pipeline does not run, its
// output is dropped, and BeforeSleep frees it.
func TestOutputHardLimit(t *testing.T) {
	s, calls, logs := obufServer(t, OutputBufferLimit{Hard: 1000, Soft: -1})
	freed := false
	s.h.Freed = func(*Client) { freed = true }
	c := s.NewClient()
	s.LimitOutput(c)
	s.Feed(c, []byte(strings.Repeat(strings.Repeat("x", 93)+"\r\n", 20)))
	if c.Flags&CloseASAP == 0 {
		t.Fatalf("not scheduled to close after %d commands", *calls)
	}
	if *calls != 10 {
		t.Errorf("%d commands ran; the 10th passes 1000 bytes and the rest must not run", *calls)
	}
	if len(c.Output()) != 0 || c.Out != nil {
		t.Errorf("output of a closing client kept: %d bytes", len(c.Output()))
	}
	if !strings.Contains(logs.String(), "scheduled to be closed ASAP for overcoming of output buffer limits.") {
		t.Errorf("log: %s", logs.String())
	}
	if s.Stats.OutputBufferLimitClosed != 1 {
		t.Errorf("OutputBufferLimitClosed = %d", s.Stats.OutputBufferLimitClosed)
	}
	c.AddReplyBulk(make([]byte, 5000)) // a late reply is dropped
	if len(c.Out) != 0 {
		t.Errorf("late reply kept: %d bytes", len(c.Out))
	}
	s.BeforeSleep()
	if !freed || c.Flags&Freed == 0 {
		t.Fatal("not freed by BeforeSleep")
	}
}

// Input: one command whose reply alone grows the output past the hard
// limit, appending 100 bytes at a time.
// Expected: the limit is seen during the command (as Redis checks on
// every reply added), so the output never holds much more than the limit.
func TestOutputHardLimitWithinOneCommand(t *testing.T) {
	el, err := ae.New(16)
	if err != nil {
		t.Fatal(err)
	}
	defer el.Close()
	most := 0
	s := New(el, Config{OutputBufferLimit: OutputBufferLimit{Hard: 10000, Soft: -1}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))},
		Handler{Command: func(c *Client) {
			for i := 0; i < 100000; i++ {
				c.AddReplyBulk(make([]byte, 100))
				most = max(most, len(c.Out))
			}
		}})
	c := s.NewClient()
	s.LimitOutput(c)
	s.Feed(c, []byte("BIG\r\n"))
	if c.Flags&CloseASAP == 0 || most > 10000+200 {
		t.Fatalf("flags %#x, output reached %d bytes with a 10000-byte limit", c.Flags, most)
	}
}

// Input: soft limit 500 bytes for 1 s, no hard limit; output over it, then
// time moving on.
// Expected: not closed when first seen over, nor at 1 s; closed past 1 s
// of staying over. Under the limit the clock resets.
func TestOutputSoftLimit(t *testing.T) {
	s, _, _ := obufServer(t, OutputBufferLimit{Hard: -1, Soft: 500, SoftSeconds: 1})
	c := s.NewClient()
	s.LimitOutput(c)
	s.Feed(c, []byte(strings.Repeat("x", 600)+"\r\n"))
	if c.Flags&CloseASAP != 0 {
		t.Fatal("closed as soon as it passed the soft limit")
	}
	s.Now += 1000
	if s.closeClientOnOutputBufferLimitReached(c) {
		t.Fatal("closed at 1 s, not past it")
	}
	// Drained under the limit: the clock resets.
	c.ResetOutput()
	s.checkOutputBufferLimits(c)
	s.Feed(c, []byte(strings.Repeat("x", 600)+"\r\n"))
	s.Now += 1000
	if s.closeClientOnOutputBufferLimitReached(c) {
		t.Fatal("closed although the clock should have restarted")
	}
	s.Now++
	if !s.closeClientOnOutputBufferLimitReached(c) || c.Flags&CloseASAP == 0 {
		t.Fatal("not closed after more than 1 s over the soft limit")
	}
}

// Input: Config's zero values, NoOutputBufferLimit, a client not under
// LimitOutput.
// Expected: defaults 256 MiB / 64 MiB / 60 s; no limit means no check at
// all; in-memory clients are unlimited unless asked.
func TestOutputLimitDefaultsAndNone(t *testing.T) {
	s, _, _ := obufServer(t, OutputBufferLimit{})
	if got := s.Config().OutputBufferLimit; got != (OutputBufferLimit{Hard: 256 << 20, Soft: 64 << 20, SoftSeconds: 60}) {
		t.Fatalf("defaults %+v", got)
	}
	if s.obufThreshold != 64<<20-1 {
		t.Fatalf("threshold %d", s.obufThreshold)
	}
	s.SetOutputBufferLimit(NoOutputBufferLimit)
	if s.obufThreshold != math.MaxInt64 {
		t.Fatalf("threshold without limits %d", s.obufThreshold)
	}
	if got := s.Config().OutputBufferLimit; got != NoOutputBufferLimit {
		t.Fatalf("Config() without limits = %+v, which New would read as defaults", got)
	}
	s2, _, _ := obufServer(t, OutputBufferLimit{Hard: 100, Soft: -1})
	c := s2.NewClient()
	s2.Feed(c, []byte(strings.Repeat("x", 600)+"\r\n"))
	if c.Flags&CloseASAP != 0 || len(c.Output()) < 600 {
		t.Fatal("an in-memory client without LimitOutput was limited")
	}
}
