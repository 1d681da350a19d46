package hashkit

import (
	"slices"
	"testing"
)

func TestServerName(t *testing.T) {
	cases := []struct{ addr, name, want string }{
		{"127.0.0.1:6379", "", "127.0.0.1:6379"},
		{"127.0.0.1:6379", "alpha", "alpha"},
		{"127.0.0.1:11211", "", "127.0.0.1"},
		{"127.0.0.1:011211", "", "127.0.0.1"}, // nc_atoi reads 11211
		{"127.0.0.1:11211", "mc1", "mc1"},
		{"localhost:06379", "", "localhost:06379"}, // as written
		{"/tmp/redis.sock", "", "/tmp/redis.sock:"},
		{"/tmp/redis.sock", "r1", "r1"},
	}
	for _, c := range cases {
		if got := ServerName(c.addr, c.name); got != c.want {
			t.Errorf("ServerName(%q, %q) = %q, want %q", c.addr, c.name, got, c.want)
		}
	}
}

func TestSortServers(t *testing.T) {
	srv := []Server{
		{Name: "127.0.0.1:16379"}, {Name: "127.0.0.1:6380"}, {Name: "beta"},
		{Name: "127.0.0.1:6379"}, {Name: "alpha"}, {Name: "b"}, {Name: "Zeta"},
	}
	SortServers(srv)
	var got []string
	for _, s := range srv {
		got = append(got, s.Name)
	}
	want := []string{"b", "Zeta", "beta", "alpha", "127.0.0.1:6379", "127.0.0.1:6380", "127.0.0.1:16379"}
	if !slices.Equal(got, want) {
		t.Errorf("sorted %q, want %q", got, want)
	}
	if CompareNames("ab", "ab") != 0 || CompareNames("b", "aa") != -1 || CompareNames("\xff", "a") != 1 {
		t.Errorf("CompareNames")
	}
}

func TestHashTagKey(t *testing.T) {
	cases := []struct{ key, tag, want string }{
		{"user:{42}:a", "{}", "42"},
		{"user:{42}:{7}", "{}", "42"},
		{"{}a", "{}", "{}a"},
		{"{a", "{}", "{a"},
		{"a}", "{}", "a}"},
		{"a}{b}", "{}", "b"},
		{"{{x}}", "{}", "{x"},
		{"$$", "$$", "$$"},
		{"a$bc$d", "$$", "bc"},
		{"$$x$", "$$", "$$x$"}, // the first $ after the first is next to it: whole key
		{"", "{}", ""},
		{"user:{42}", "", "user:{42}"},
		{"user:{42}", "{", "user:{42}"},
		{"k\xff\xfe\xfdq", "\xff\xfd", "\xfe"},
	}
	for _, c := range cases {
		got := string(HashTagKey([]byte(c.key), c.tag))
		if got != c.want {
			t.Errorf("HashTagKey(%q, %q) = %q, want %q", c.key, c.tag, got, c.want)
		}
	}
}

// One server: no hash at all; the empty key hashes to 0; both without
// calling the hash function.
func TestKeyHashShortcuts(t *testing.T) {
	calls := 0
	h := func(key []byte) uint32 { calls++; return 0xdeadbeef }
	one := &Selector{Hash: h, Continuum: NewKetama([]Server{{Name: "only", Weight: 3}})}
	if one.KeyHash([]byte("foo")) != 0 || one.Index([]byte("foo")) != 0 || calls != 0 {
		t.Errorf("one server: hash called %d times", calls)
	}
	// The shortcut counts servers, not live ones.
	two := []Server{{Name: "a", Weight: 1}, {Name: "b", Weight: 1, Ejected: true}}
	sel := &Selector{Hash: h, Continuum: NewKetama(two)}
	if sel.KeyHash([]byte("foo")) != 0xdeadbeef || calls != 1 {
		t.Errorf("two servers, one ejected: hash not called")
	}
	calls = 0
	if sel.KeyHash(nil) != 0 || sel.KeyHash([]byte{}) != 0 || calls != 0 {
		t.Errorf("empty key: hash called %d times", calls)
	}
	// Hash tags are applied before hashing; a tag never yields an empty key.
	sel.HashTag = "{}"
	var seen []byte
	sel.Hash = func(key []byte) uint32 { seen = key; return 1 }
	sel.KeyHash([]byte("a{bc}d"))
	if string(seen) != "bc" {
		t.Errorf("tagged key hashed as %q", seen)
	}
	sel.KeyHash([]byte("a{}d"))
	if string(seen) != "a{}d" {
		t.Errorf("empty tag hashed as %q", seen)
	}
	// The empty key goes where hash 0 goes.
	srv := servers([]int{6379, 6380, 6381}, []uint32{1, 1, 1})
	k := &Selector{Hash: FNV64a, Continuum: NewKetama(srv)}
	if got, want := k.Index(nil), k.Continuum.Dispatch(0); got != want {
		t.Errorf("empty key on %d, hash 0 on %d", got, want)
	}
	// Random does not hash.
	calls = 0
	r := &Selector{Hash: h, Continuum: NewRandom(srv)}
	if i := r.Index([]byte("foo")); i < 0 || i > 2 || calls != 0 {
		t.Errorf("random: Index %d, hash called %d times", i, calls)
	}
}
