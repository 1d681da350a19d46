package main

import "testing"

// Input: memcached's defaults (-n 48, -f 1.25, 1 MB pages). Expected: the
// 39 classes `memcached -vv` prints for 1.6.18: 96, 120, 152, ... 394840,
// then 524288 (half a page), with their chunks per page.
func TestSlabClassesDefault(t *testing.T) {
	c, _ := newTestCache(t, nil)
	want := []int{96, 120, 152, 192, 240, 304, 384, 480, 600, 752, 944, 1184, 1480, 1856, 2320, 2904,
		3632, 4544, 5680, 7104, 8880, 11104, 13880, 17352, 21696, 27120, 33904, 42384, 52984, 66232,
		82792, 103496, 129376, 161720, 202152, 252696, 315872, 394840, 524288}
	if c.slabs.largest != len(want) {
		t.Fatalf("%d classes, want %d", c.slabs.largest, len(want))
	}
	for i, size := range want {
		cl := &c.slabs.classes[i+1]
		if cl.size != size || cl.perslab != (1<<20)/size {
			t.Errorf("class %d: size %d perslab %d, want %d and %d", i+1, cl.size, cl.perslab, size, (1<<20)/size)
		}
	}
}

// Input: -f 2 and -n 100. Expected: 148 (48+100, a multiple of 4 made one
// of 8: 152), then doubling, up to 524288; and slabs_clsid's edges: a size
// equal to a chunk is that class, one byte more the next, above the
// largest chunk the largest class, above -I class 0.
func TestSlabClassesFactorAndClsid(t *testing.T) {
	c, _ := newTestCache(t, func(s *Settings) { s.Factor, s.ChunkSize = 2, 100 })
	want := []int{152, 304, 608, 1216, 2432, 4864, 9728, 19456, 38912, 77824, 155648, 524288}
	for i, size := range want {
		if got := c.slabs.classes[i+1].size; got != size {
			t.Errorf("class %d: size %d, want %d", i+1, got, size)
		}
	}
	if c.slabs.largest != len(want) {
		t.Fatalf("largest class %d, want %d", c.slabs.largest, len(want))
	}
	for _, tc := range []struct{ size, id int }{
		{1, 1}, {152, 1}, {153, 2}, {304, 2}, {155649, 12}, {524288, 12}, {524289, 12}, {1 << 20, 12}, {1<<20 + 1, 0}, {0, 0},
	} {
		if got := c.slabs.clsid(tc.size); got != tc.id {
			t.Errorf("clsid(%d) = %d, want %d", tc.size, got, tc.id)
		}
	}
}

// Input: item sizes around the largest chunk. Expected: up to 512 KB one
// chunk of the class; above, whole 512 KB chunks plus one chunk of the
// class fitting the rest (memcached's chunked items).
func TestAllocSizeChunked(t *testing.T) {
	c, _ := newTestCache(t, nil)
	for _, tc := range []struct{ ntotal, size, chunks int }{
		{96, 96, 1}, {97, 120, 1}, {524288, 524288, 1}, {524289, 524288 + 96, 2},
		{524288 + 200, 524288 + 240, 2}, {1 << 20, 1 << 20, 2}, {900000, 524288 + 394840, 2},
	} {
		size, chunks := c.slabs.allocSize(tc.ntotal)
		if size != tc.size || chunks != tc.chunks {
			t.Errorf("allocSize(%d) = %d, %d chunks; want %d, %d", tc.ntotal, size, chunks, tc.size, tc.chunks)
		}
	}
}
