package hashkit

import (
	"crypto/md5"
	"encoding/binary"
	"hash/crc32"
	"hash/fnv"
	"slices"
	"strings"
	"testing"
)

// The reference's vectors (../shared/reference/twemproxy.md §4), checked
// there against nutcracker's placement.
var vectorKeys = []string{"a", "foobar", "ключ", "0123456789abcdef"}

var vectors = map[string][4]uint32{
	"one_at_a_time": {0xca2e9442, 0xf952fde7, 0xfbca080a, 0xf02202c7},
	"md5":           {0xb975c10c, 0x22f65838, 0x667b65c3, 0x8daf3240},
	"crc16":         {0x00007c87, 0x9effb025, 0x3c55683f, 0xd663e8a5},
	"crc32":         {0x000068b7, 0x00001ef6, 0x00000caf, 0x000068c4},
	"crc32a":        {0xe8b7be43, 0x9ef61f95, 0x0caf961a, 0x68c4f033},
	"fnv1_64":       {0x8601b7be, 0xa4dda9c2, 0x64997a19, 0x3b82ecc1},
	"fnv1a_64":      {0x8601ec8c, 0xf73967e8, 0xa9ad7881, 0xe5ad677d},
	"fnv1_32":       {0x050c5d7e, 0x31f0b262, 0x31b3eff9, 0x9e1b6f41},
	"fnv1a_32":      {0xe40c292c, 0xbf9cf968, 0xafd617e1, 0x87bc333d},
	"hsieh":         {0x93642e87, 0x07a5862c, 0xfa8a713c, 0xb89ff08b},
	"murmur":        {0x4b41757c, 0xabecff17, 0x9ac6d2af, 0x02923d2d},
	"jenkins":       {0xe0a38690, 0x0fdd8b60, 0x4b2c236f, 0xe022e949},
}

func TestHashVectors(t *testing.T) {
	if len(vectors) != len(HashNames()) {
		t.Fatalf("%d vectors for %d hashes", len(vectors), len(HashNames()))
	}
	for _, name := range HashNames() {
		h, err := Hash(name)
		if err != nil {
			t.Fatal(err)
		}
		want, ok := vectors[name]
		if !ok {
			t.Errorf("no vectors for %s", name)
		}
		for i, k := range vectorKeys {
			if got := h([]byte(k)); got != want[i] {
				t.Errorf("%s(%q) = %#08x, want %#08x", name, k, got, want[i])
			}
		}
	}
}

func TestHashLookup(t *testing.T) {
	want := []string{"one_at_a_time", "md5", "crc16", "crc32", "crc32a", "fnv1_64",
		"fnv1a_64", "fnv1_32", "fnv1a_32", "hsieh", "murmur", "jenkins"}
	if got := HashNames(); !slices.Equal(got, want) {
		t.Errorf("HashNames() = %v, want %v", got, want)
	}
	for _, bad := range []string{"", "FNV1A_64", "fnv1a", "crc", "ketama"} {
		if _, err := Hash(bad); err == nil {
			t.Errorf("Hash(%q) succeeded", bad)
		}
	}
	if _, err := Hash(DefaultHash); err != nil {
		t.Errorf("default hash: %v", err)
	}
}

// The empty key, for which each hash has a closed form. (server_pool_hash
// never calls a hash with it, but the functions must be right anyway.)
func TestHashEmpty(t *testing.T) {
	want := map[string]uint32{
		"one_at_a_time": 0,
		"md5":           0xd98c1dd4, // d41d8cd9... read little-endian
		"crc16":         0,
		"crc32":         0,
		"crc32a":        0,
		"fnv1_64":       0x84222325,
		"fnv1a_64":      0x84222325,
		"fnv1_32":       0x811c9dc5,
		"fnv1a_32":      0x811c9dc5,
		"hsieh":         0,
		"murmur":        0,
		"jenkins":       0xdeadbeef + 13,
	}
	for name, w := range want {
		h, _ := Hash(name)
		if got := h(nil); got != w {
			t.Errorf("%s(\"\") = %#08x, want %#08x", name, got, w)
		}
		if got := h([]byte{}); got != w {
			t.Errorf("%s([]byte{}) = %#08x, want %#08x", name, got, w)
		}
	}
}

// Bytes >= 0x80 are sign-extended where nutcracker reads a char: the hashes
// then differ from the textbook algorithm over unsigned bytes, and agree
// with it below 0x80.
func TestSignExtension(t *testing.T) {
	for _, key := range []string{"\x80", "\xff", "a\xfe", "\xc3\xa9t\xc3\xa9"} {
		k := []byte(key)
		// fnv1_32, fnv1a_32 and fnv1_64 against hash/fnv, which reads
		// bytes unsigned.
		f := fnv.New32()
		f.Write(k)
		if FNV32(k) == f.Sum32() {
			t.Errorf("FNV32(%q) = hash/fnv's %#x: bytes not sign-extended", key, f.Sum32())
		}
		f = fnv.New32a()
		f.Write(k)
		if FNV32a(k) == f.Sum32() {
			t.Errorf("FNV32a(%q) = hash/fnv's %#x: bytes not sign-extended", key, f.Sum32())
		}
		f64 := fnv.New64()
		f64.Write(k)
		if FNV64(k) == uint32(f64.Sum64()) {
			t.Errorf("FNV64(%q) = hash/fnv's: bytes not sign-extended", key)
		}
	}
	// A single byte spelled out.
	b32, p32, sx80 := fnv32Init, fnv32Prime, uint32(0xffffff80)
	if got, want := FNV32a([]byte{0x80}), (b32^sx80)*p32; got != want {
		t.Errorf("FNV32a(0x80) = %#x, want %#x", got, want)
	}
	if got, want := FNV32([]byte{0x80}), b32*p32^sx80; got != want {
		t.Errorf("FNV32(0x80) = %#x, want %#x", got, want)
	}
	b64a, p64a := uint32(0x84222325), uint32(0x1b3)
	if got, want := FNV64a([]byte{0x80}), (b64a^sx80)*p64a; got != want {
		t.Errorf("FNV64a(0x80) = %#x, want %#x", got, want)
	}
	b64, p64 := fnv64Init, fnv64Prime
	if got, want := FNV64([]byte{0xff}), uint32(b64*p64^0xffffffffffffffff); got != want {
		t.Errorf("FNV64(0xff) = %#x, want %#x", got, want)
	}
	// one_at_a_time: the first step adds 0xffffff80, not 0x80.
	oaat := func(first uint32) uint32 {
		h := first
		h += h << 10
		h ^= h >> 6
		h += h << 3
		h ^= h >> 11
		h += h << 15
		return h
	}
	if got, want := OneAtATime([]byte{0x80}), oaat(0xffffff80); got != want {
		t.Errorf("OneAtATime(0x80) = %#x, want %#x", got, want)
	}
	if got, want := OneAtATime([]byte{0x7f}), oaat(0x7f); got != want {
		t.Errorf("OneAtATime(0x7f) = %#x, want %#x", got, want)
	}
	// hsieh: the third byte of a 3-byte tail is sign-extended.
	for _, c := range []byte{0x00, 0x7f, 0x80, 0xff} {
		got := Hsieh([]byte{'a', 'b', c})
		unsigned := hsiehTail3('a', 'b', uint32(c))
		signed := hsiehTail3('a', 'b', sx(c))
		if got != signed || (c >= 0x80) != (got != unsigned) {
			t.Errorf("Hsieh(ab\\x%02x) = %#x; sign-extended %#x, unsigned %#x", c, got, signed, unsigned)
		}
	}
	// Hashes that read bytes unsigned, against the standard library.
	for _, key := range []string{"\x80", "\xff\xfe\xfd", "ключ"} {
		k := []byte(key)
		if CRC32a(k) != crc32.ChecksumIEEE(k) {
			t.Errorf("CRC32a(%q) is not CRC-32", key)
		}
		d := md5.Sum(k)
		if MD5(k) != binary.LittleEndian.Uint32(d[:]) {
			t.Errorf("MD5(%q) is not the digest's first word", key)
		}
	}
}

// hsiehTail3 is Hsieh of a 3-byte key spelled out, its third byte widened
// to w by the caller.
func hsiehTail3(b0, b1 byte, w uint32) uint32 {
	h := uint32(b0) | uint32(b1)<<8
	h ^= h << 16
	h ^= w << 18
	h += h >> 11
	h ^= h << 3
	h += h >> 5
	h ^= h << 4
	h += h >> 17
	h ^= h << 25
	h += h >> 6
	return h
}

// CRC16 keeps a 32-bit register: its low 16 bits are CRC-16/XMODEM, which
// is computed here bit by bit, and the bits above are not cleared.
func TestCRC16Register(t *testing.T) {
	xmodem := func(key []byte) uint16 {
		var c uint16
		for _, b := range key {
			c ^= uint16(b) << 8
			for range 8 {
				if c&0x8000 != 0 {
					c = c<<1 ^ 0x1021
				} else {
					c <<= 1
				}
			}
		}
		return c
	}
	if got := xmodem([]byte("123456789")); got != 0x31c3 {
		t.Fatalf("xmodem check value %#x, want 0x31c3", got)
	}
	for _, key := range []string{"a", "foobar", "ключ", "123456789", strings.Repeat("\xff", 33)} {
		k := []byte(key)
		if got := CRC16(k); uint16(got) != xmodem(k) {
			t.Errorf("CRC16(%q) = %#x, low 16 bits not XMODEM %#x", key, got, xmodem(k))
		}
	}
	if CRC16([]byte("foobar")) <= 0xffff {
		t.Errorf("CRC16 register was masked to 16 bits")
	}
}

// Long keys go through every block loop many times; the values are pinned
// so that a change shows, and the length-dependent hashes must differ from
// the key one byte shorter.
func TestLongKeys(t *testing.T) {
	long := []byte(strings.Repeat("0123456789abcdef\xd0\xba", 1000)) // 18000 bytes
	for _, name := range HashNames() {
		h, _ := Hash(name)
		a, b := h(long), h(long[:len(long)-1])
		if name != "crc32" && a == b {
			t.Errorf("%s: same hash for keys of %d and %d bytes", name, len(long), len(long)-1)
		}
		if name == "crc32" && a > 0x7fff {
			t.Errorf("crc32 = %#x, more than 15 bits", a)
		}
	}
}
