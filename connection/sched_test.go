package connection

import (
	"runtime"
	"testing"
	"time"
)

// TestReserveProcs: without GOMAXPROCS in the environment, 3 loops get 4
// Ps (from 1), and a lower request never lowers it; with GOMAXPROCS set,
// nothing changes.
func TestReserveProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	t.Setenv("GOMAXPROCS", "")
	runtime.GOMAXPROCS(1)
	ReserveProcs(3)
	if n := runtime.GOMAXPROCS(0); n != 4 {
		t.Errorf("3 loops: GOMAXPROCS %d, want 4", n)
	}
	ReserveProcs(1)
	if n := runtime.GOMAXPROCS(0); n != 4 {
		t.Errorf("a smaller request lowered GOMAXPROCS to %d", n)
	}
	t.Setenv("GOMAXPROCS", "1")
	runtime.GOMAXPROCS(1)
	ReserveProcs(3)
	if n := runtime.GOMAXPROCS(0); n != 1 {
		t.Errorf("with GOMAXPROCS=1 in the environment: %d Ps", n)
	}
}

// TestYielder: the first call yields, calls right after do not, and one
// YieldEvery later it yields again; it allocates nothing.
func TestYielder(t *testing.T) {
	var y Yielder
	if !y.Maybe() {
		t.Fatal("a new Yielder did not yield")
	}
	if y.Maybe() {
		t.Error("yielded twice in a row")
	}
	time.Sleep(YieldEvery + time.Millisecond)
	if !y.Maybe() {
		t.Error("no yield after YieldEvery")
	}
	if n := testing.AllocsPerRun(1000, func() { y.Maybe() }); n != 0 {
		t.Errorf("Maybe allocates %v per call", n)
	}
}
