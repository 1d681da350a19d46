package main

import (
	"runtime"
	"strconv"
	"testing"
)

// Input: steady-state storage operations on a warm cache: get of a
// present and of a missing key, in-place incr, touch, delete of a missing
// key, and set of a key (new item replacing the old). Expected: zero
// allocations for all but the set, which makes exactly one (the item: key,
// value and header in one allocation).
func TestAllocsPerOperation(t *testing.T) {
	_, w := newTestCache(t, nil)
	key, val := []byte("key:000042"), []byte("0123456789")
	set(t, w, string(key), string(val))
	set(t, w, "n", "1000000")
	for _, tc := range []struct {
		name string
		max  float64
		fn   func()
	}{
		{"get hit", 0, func() { w.Release(w.Get(key)) }},
		{"get miss", 0, func() { w.Get([]byte("nokey")) }},
		{"incr in place", 0, func() { w.Incr([]byte("n"), true, 1, 0) }},
		{"touch", 0, func() { w.Touch(key, 0) }},
		{"delete miss", 0, func() { w.Delete([]byte("nokey")) }},
		{"set", 1, func() {
			it, _ := w.Alloc(key, 0, 0, len(val))
			copy(it.Data(), val)
			w.Store(it, CmdSet, 0)
		}},
	} {
		if n := testing.AllocsPerRun(1000, tc.fn); n != tc.max {
			t.Errorf("%s: %v allocs per operation, want %v", tc.name, n, tc.max)
		}
	}
}

func benchCache(b *testing.B, keys int) (*Cache, [][]byte) {
	c, w := newTestCache(b, func(s *Settings) { s.MaxBytes = 1 << 30 })
	ks := make([][]byte, keys)
	for i := range ks {
		ks[i] = []byte("key:" + strconv.Itoa(100000+i))
		set(b, w, string(ks[i]), "0123456789012345678901234567890")
	}
	return c, ks
}

// benchKeyCounts are the table sizes the get and set benchmarks run at:
// 1,000 keys stay in the CPU caches, 100,000 (about 13 MB of items) do
// not, so that a lookup there mostly waits for memory.
var benchKeyCounts = []int{1000, 100000}

// BenchmarkGet is a get hit and its release, from one worker.
func BenchmarkGet(b *testing.B) {
	for _, n := range benchKeyCounts {
		b.Run("keys="+strconv.Itoa(n), func(b *testing.B) {
			c, ks := benchCache(b, n)
			w := c.NewWorker()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w.Release(w.Get(ks[i%len(ks)]))
			}
		})
	}
}

// BenchmarkSet is a set of a 32-byte value over an existing key: a new
// item linked in the old one's place.
func BenchmarkSet(b *testing.B) {
	val := []byte("0123456789012345678901234567890")
	for _, n := range benchKeyCounts {
		b.Run("keys="+strconv.Itoa(n), func(b *testing.B) {
			c, ks := benchCache(b, n)
			w := c.NewWorker()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				it, err := w.Alloc(ks[i%len(ks)], 0, 0, len(val))
				if err != nil {
					b.Fatal(err)
				}
				copy(it.Data(), val)
				w.Store(it, CmdSet, 0)
			}
		})
	}
}

// BenchmarkSetEvicting is BenchmarkSet at the -m limit (4 MB): every set
// evicts.
func BenchmarkSetEvicting(b *testing.B) {
	c, w := newTestCache(b, func(s *Settings) { s.MaxBytes = 4 << 20 })
	val := make([]byte, 1000)
	keys := make([][]byte, 1<<16)
	for i := range keys {
		keys[i] = []byte("key:" + strconv.Itoa(i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		it, err := w.Alloc(keys[i%len(keys)], 0, 0, len(val))
		if err != nil {
			b.Fatal(err)
		}
		w.Store(it, CmdSet, 0)
	}
	b.StopTimer()
	if c.Stats().Evictions == 0 && b.N > 10000 {
		b.Fatal("no evictions")
	}
}

// BenchmarkGetParallel and BenchmarkSetParallel run one worker per
// goroutine (GOMAXPROCS of them) on shared keys: the item locks and the
// class LRU lock are what they share.
func BenchmarkGetParallel(b *testing.B) {
	c, ks := benchCache(b, 100000)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := c.NewWorker()
		i := 0
		for pb.Next() {
			w.Release(w.Get(ks[i%len(ks)]))
			i += 7
		}
	})
}

func BenchmarkSetParallel(b *testing.B) {
	c, ks := benchCache(b, 100000)
	val := []byte("0123456789012345678901234567890")
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := c.NewWorker()
		i := 0
		for pb.Next() {
			it, _ := w.Alloc(ks[i%len(ks)], 0, 0, len(val))
			copy(it.Data(), val)
			w.Store(it, CmdSet, 0)
			i += 7
		}
	})
}

// Input: 20,000 new keys set with 10-byte values (class 1, 96-byte
// chunks) and 20,000 with 40-byte values (class 2, 120), into a table big
// enough not to grow. Expected: the Go heap grows by what -m accounts, up
// to Go's own size class: 96 bytes per class-1 item, 128 per class-2 item
// (Go has no 120-byte class), within 2%.
func TestHeapBytesPerItem(t *testing.T) {
	for _, tc := range []struct {
		vlen, chunk, heap int
	}{{10, 96, 96}, {40, 120, 128}} {
		c, w := newTestCache(t, nil)
		const n = 20000
		keys := make([][]byte, n)
		for i := range keys {
			keys[i] = []byte("key:" + strconv.Itoa(100000+i))
		}
		val := make([]byte, tc.vlen)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for _, k := range keys {
			it, err := w.Alloc(k, 0, 0, len(val))
			if err != nil {
				t.Fatal(err)
			}
			w.Store(it, CmdSet, 0)
		}
		runtime.ReadMemStats(&after)
		per := float64(after.TotalAlloc-before.TotalAlloc) / n
		if per < float64(tc.heap) || per > float64(tc.heap)*1.02 {
			t.Errorf("%d-byte values: %.1f heap bytes per item, want %d", tc.vlen, per, tc.heap)
		}
		if got := c.mem.Load(); got != int64(n*tc.chunk) {
			t.Errorf("%d-byte values: %d bytes accounted, want %d", tc.vlen, got, n*tc.chunk)
		}
	}
}
