package hashkit

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// servers builds a sorted pool of 127.0.0.1 servers on ports with weights.
func servers(ports []int, weights []uint32) []Server {
	s := make([]Server, len(ports))
	for i, p := range ports {
		s[i] = Server{Name: ServerName(fmt.Sprintf("127.0.0.1:%d", p), ""), Weight: weights[i]}
	}
	SortServers(s)
	return s
}

// portOf is the port in a server name "127.0.0.1:port".
func portOf(s Server) string { return s.Name[strings.LastIndexByte(s.Name, ':')+1:] }

// The reference's placement vectors (§5), checked there against nutcracker.
func TestPlacementVectors(t *testing.T) {
	keys := []string{"foo", "bar", "key:0", "key:1", "user:{42}:a", "user:{42}:b", "ключ"}
	eq := []uint32{1, 1, 1}
	cases := []struct {
		dist    Distribution
		hash    string
		tag     string
		ports   []int
		weights []uint32
		want    string
	}{
		{Ketama, "fnv1a_64", "", []int{6379, 6380, 6381}, eq, "6381 6379 6380 6380 6380 6380 6380"},
		{Ketama, "fnv1a_64", "{}", []int{6379, 6380, 6381}, eq, "6381 6379 6380 6380 6381 6381 6380"},
		{Ketama, "md5", "", []int{6379, 6380, 6381}, eq, "6379 6381 6380 6380 6381 6379 6380"},
		{Ketama, "murmur", "", []int{6379, 6380, 6381}, eq, "6379 6380 6380 6381 6381 6380 6381"},
		{Ketama, "crc32a", "", []int{6379, 6380, 6381}, eq, "6380 6379 6379 6381 6380 6381 6381"},
		{Ketama, "md5", "", []int{6379, 6380, 6381}, []uint32{1, 2, 3}, "6381 6381 6381 6380 6381 6381 6380"},
		{Modula, "crc32a", "", []int{16379, 6379, 6380}, []uint32{1, 1, 2}, "6380 6380 6380 6379 6380 6379 6380"},
	}
	for _, c := range cases {
		h, _ := Hash(c.hash)
		srv := servers(c.ports, c.weights)
		sel := Selector{Hash: h, HashTag: c.tag, Continuum: New(c.dist, srv)}
		var got []string
		for _, k := range keys {
			got = append(got, portOf(srv[sel.Index([]byte(k))]))
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("%v %s tag %q weights %v: got %s, want %s", c.dist, c.hash, c.tag, c.weights, g, c.want)
		}
	}
}

func TestKetamaRing(t *testing.T) {
	srv := servers([]int{6379, 6380, 6381}, []uint32{1, 1, 1})
	c := NewKetama(srv)
	if len(c.points) != 480 {
		t.Fatalf("%d points, want 480", len(c.points))
	}
	// The first four points of 127.0.0.1:6379, before sorting, are the
	// words of md5("127.0.0.1:6379-0").
	unsorted := []uint32{0x8bb75706, 0x081066aa, 0x6c98c6fe, 0x28ff9e77}
	for _, v := range unsorted {
		found := false
		for _, p := range c.points {
			if p.value == v && srv[p.index].Name == "127.0.0.1:6379" {
				found = true
			}
		}
		if !found {
			t.Errorf("point %#08x of 127.0.0.1:6379 missing", v)
		}
	}
	if p := c.points[0]; p.value != 0x0132528e || srv[p.index].Name != "127.0.0.1:6379" {
		t.Errorf("first point %#08x of %s, want 0x0132528e of 127.0.0.1:6379", p.value, srv[p.index].Name)
	}
	if p := c.points[1]; p.value != 0x016533c4 || srv[p.index].Name != "127.0.0.1:6380" {
		t.Errorf("second point %#08x of %s, want 0x016533c4 of 127.0.0.1:6380", p.value, srv[p.index].Name)
	}
	for i := 1; i < len(c.points); i++ {
		if c.points[i-1].value > c.points[i].value {
			t.Fatalf("ring not sorted at %d", i)
		}
	}
	// Dispatch is a lower bound with wrap: a point's own value selects it,
	// one past it the next point, past the last point the first.
	for i, p := range c.points {
		if got := c.Dispatch(p.value); got != p.index && c.points[max(i-1, 0)].value != p.value {
			t.Fatalf("Dispatch(%#x) = %d, want %d", p.value, got, p.index)
		}
	}
	last := c.points[len(c.points)-1].value
	if last == math.MaxUint32 {
		t.Skip("last point is 2^32-1")
	}
	if got := c.Dispatch(last + 1); got != c.points[0].index {
		t.Errorf("Dispatch past the last point = %d, want the first point's %d", got, c.points[0].index)
	}
	if got := c.Dispatch(0); got != c.points[0].index {
		t.Errorf("Dispatch(0) = %d, want %d", got, c.points[0].index)
	}
}

// Point counts are computed in float32, as nutcracker does.
func TestKetamaPoints(t *testing.T) {
	weights := []uint32{15, 93, 39, 23, 46, 61, 64, 99, 68, 21, 76}
	var total uint32
	for _, w := range weights {
		total += w
	}
	if got := ketamaPoints(99, total, len(weights)); got != 284 {
		t.Errorf("weight 99 of %d among 11: %d points, want 284", total, got)
	}
	// The same in float64 gives 288: single precision matters.
	f64 := math.Floor(float64(99)/float64(total)*160/4*11+1e-10) * 4
	if f64 != 288 {
		t.Errorf("float64 check: %v, want 288", f64)
	}
	for n := 1; n <= 20; n++ {
		if got := ketamaPoints(1, uint32(n), n); got != 160 {
			t.Errorf("%d equal servers: %d points each, want 160", n, got)
		}
		if got := ketamaPoints(7, uint32(7*n), n); got != 160 {
			t.Errorf("%d equal servers of weight 7: %d points each, want 160", n, got)
		}
	}
	// Weights 1, 2, 3: 80, 160, 240 points (pct 1/6 etc. of 480).
	for w, want := range map[uint32]uint32{1: 80, 2: 160, 3: 240} {
		if got := ketamaPoints(w, 6, 3); got != want {
			t.Errorf("weight %d of 6 among 3: %d points, want %d", w, got, want)
		}
	}
	// The continuum holds exactly the computed points.
	srv := make([]Server, len(weights))
	var sum uint32
	for i, w := range weights {
		srv[i] = Server{Name: fmt.Sprintf("s%02d", i), Weight: w}
		sum += ketamaPoints(w, total, len(weights))
	}
	if c := NewKetama(srv); uint32(len(c.points)) != sum {
		t.Errorf("continuum of %d points, want %d", len(c.points), sum)
	}
}

// Point keys are cut to 272 bytes, as the nutcracker 0.5.0 binary does
// (found with TestNutcrackerPlacement's long names; older twemproxy and its
// forks format into 86 bytes, which would move the keys of any server whose
// name is 80 bytes or more).
func TestKetamaPointKey(t *testing.T) {
	if got := string(ketamaPointKey("127.0.0.1:6379", 17)); got != "127.0.0.1:6379-17" {
		t.Errorf("point key %q", got)
	}
	n84 := strings.Repeat("n", 84)
	if got := string(ketamaPointKey(n84, 39)); got != n84+"-39" { // 87 bytes: whole
		t.Errorf("87-byte point key %q", got)
	}
	n270 := strings.Repeat("n", 270)
	if got := string(ketamaPointKey(n270, 9)); got != n270+"-9" { // 272: whole
		t.Errorf("272-byte point key %q", got)
	}
	if got := string(ketamaPointKey(n270, 10)); got != n270+"-1" { // 273: cut
		t.Errorf("273-byte point key %q", got)
	}
	n300 := strings.Repeat("n", 300)
	if got := string(ketamaPointKey(n300, 5)); got != n300[:272] {
		t.Errorf("long point key %q", got)
	}
}

// Servers whose point keys are alike tie on every point; the first in pool
// order wins each tie, as with glibc's stable qsort under nutcracker.
func TestKetamaTies(t *testing.T) {
	long := strings.Repeat("t", 300)
	srv := []Server{{Name: "x", Weight: 1}, {Name: long + "1", Weight: 1}, {Name: long + "2", Weight: 1}}
	c := NewKetama(srv)
	seen := map[int]int{}
	for _, p := range c.points {
		seen[c.Dispatch(p.value)]++
	}
	if seen[2] != 0 || seen[1] == 0 || seen[0] == 0 {
		t.Errorf("dispatch over the tied ring: %v", seen)
	}
}

func TestModula(t *testing.T) {
	srv := []Server{{Name: "a", Weight: 2}, {Name: "b", Weight: 1}, {Name: "c", Weight: 3}}
	c := NewModula(srv)
	want := []int{0, 0, 1, 2, 2, 2}
	for h := uint32(0); h < 60; h++ {
		if got := c.Dispatch(h); got != want[h%6] {
			t.Errorf("Dispatch(%d) = %d, want %d", h, got, want[h%6])
		}
	}
	if got := c.Dispatch(math.MaxUint32); got != want[math.MaxUint32%6] {
		t.Errorf("Dispatch(2^32-1) = %d", got)
	}
	// An ejected server gives up its slots and keeps its index.
	srv[1].Ejected = true
	c = NewModula(srv)
	want = []int{0, 0, 2, 2, 2}
	for h := uint32(0); h < 50; h++ {
		if got := c.Dispatch(h); got != want[h%5] {
			t.Errorf("ejected b: Dispatch(%d) = %d, want %d", h, got, want[h%5])
		}
	}
	if c.Live() != 2 || c.Servers() != 3 {
		t.Errorf("Live %d Servers %d, want 2 3", c.Live(), c.Servers())
	}
}

func TestRandom(t *testing.T) {
	srv := []Server{{Name: "a", Weight: 1}, {Name: "b", Weight: 50, Ejected: true}, {Name: "c", Weight: 1}, {Name: "d", Weight: 9}}
	c := NewRandom(srv)
	counts := make([]int, len(srv))
	for i := 0; i < 3000; i++ {
		counts[c.Dispatch(uint32(i))]++
	}
	if counts[1] != 0 {
		t.Errorf("ejected server chosen %d times", counts[1])
	}
	// Weights are ignored: about 1000 each.
	for _, i := range []int{0, 2, 3} {
		if counts[i] < 800 || counts[i] > 1200 {
			t.Errorf("server %d chosen %d times of 3000", i, counts[i])
		}
	}
}

func TestEjectedKetama(t *testing.T) {
	srv := servers([]int{6379, 6380, 6381}, []uint32{1, 1, 1})
	full := NewKetama(srv)
	srv[1].Ejected = true
	c := NewKetama(srv)
	// Two live servers: 160 points each, recomputed for n = 2.
	if len(c.points) != 320 || c.Live() != 2 {
		t.Fatalf("%d points, %d live", len(c.points), c.Live())
	}
	// Keys of the live servers stay where they were; the ejected one's move.
	moved := 0
	for i := 0; i < 1000; i++ {
		h := FNV32a([]byte(fmt.Sprint("k", i)))
		before, after := full.Dispatch(h), c.Dispatch(h)
		if after == 1 {
			t.Fatalf("key dispatched to the ejected server")
		}
		if before != 1 && before != after {
			t.Fatalf("key of a live server moved %d -> %d", before, after)
		}
		if before == 1 {
			moved++
		}
	}
	if moved == 0 {
		t.Errorf("no key was on the ejected server")
	}
	for i := range srv {
		srv[i].Ejected = true
	}
	for _, d := range []Distribution{Ketama, Modula, Random} {
		c := New(d, srv)
		if c.Live() != 0 || c.Dispatch(42) != -1 {
			t.Errorf("%v with every server ejected: Live %d, Dispatch %d", d, c.Live(), c.Dispatch(42))
		}
		sel := Selector{Hash: MD5, Continuum: c}
		if sel.Index([]byte("k")) != -1 {
			t.Errorf("%v with every server ejected: Index not -1", d)
		}
	}
}

func TestDistributionNames(t *testing.T) {
	for _, d := range []Distribution{Ketama, Modula, Random} {
		got, err := ParseDistribution(d.String())
		if err != nil || got != d {
			t.Errorf("ParseDistribution(%q) = %v, %v", d.String(), got, err)
		}
		if c := New(d, []Server{{Name: "x", Weight: 1}}); c.Distribution() != d {
			t.Errorf("New(%v) built %v", d, c.Distribution())
		}
	}
	if DefaultDistribution.String() != "ketama" {
		t.Errorf("default distribution %v", DefaultDistribution)
	}
	for _, bad := range []string{"", "Ketama", "consistent", "mod"} {
		if _, err := ParseDistribution(bad); err == nil {
			t.Errorf("ParseDistribution(%q) succeeded", bad)
		}
	}
	if got := Distribution(7).String(); got != "Distribution(7)" {
		t.Errorf("String of a bad value: %q", got)
	}
}
