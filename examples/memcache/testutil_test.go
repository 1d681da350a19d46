package main

import "testing"

// testNow is the unix time the test caches start at; their clock is then
// moved with c.clock.set.
const testNow = 1_700_000_000

// newTestCache makes a cache with memcached's defaults changed by mod,
// and one worker.
func newTestCache(t testing.TB, mod func(*Settings)) (*Cache, *Worker) {
	t.Helper()
	s := DefaultSettings()
	if mod != nil {
		mod(&s)
	}
	c, err := NewCache(s, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return c, c.NewWorker()
}

// store runs one storage command as the protocol will: Alloc, fill the
// value and its "\r\n", Store.
func store(t testing.TB, w *Worker, cmd StoreCmd, key, val string, flags uint32, exptime int64, cas uint64) StoreResult {
	t.Helper()
	it, err := w.Alloc([]byte(key), flags, exptime, len(val))
	if err != nil {
		t.Fatalf("Alloc(%q, %d bytes): %v", key, len(val), err)
	}
	if n := copy(it.Data(), val); n != len(val) || string(it.Data()[n:]) != "\r\n" {
		t.Fatalf("Alloc(%q): Data is %d bytes, want %d + \\r\\n", key, len(it.Data()), len(val))
	}
	r, _ := w.Store(it, cmd, cas)
	return r
}

// set is store with CmdSet, flags 0, no expiry.
func set(t testing.TB, w *Worker, key, val string) {
	t.Helper()
	if r := store(t, w, CmdSet, key, val, 0, 0, 0); r != Stored {
		t.Fatalf("set %s = %v", key, r)
	}
}

// get returns key's value and whether it was there.
func get(w *Worker, key string) (string, bool) {
	it := w.Get([]byte(key))
	if it == nil {
		return "", false
	}
	defer w.Release(it)
	return string(it.Value()), true
}

// cas returns key's CAS, 0 when missing.
func casOf(w *Worker, key string) uint64 {
	it := w.Peek([]byte(key), false)
	if it == nil {
		return 0
	}
	defer w.Release(it)
	return it.CAS()
}
