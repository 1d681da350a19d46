package hashkit

import (
	"bytes"
	"hash/crc32"
	"hash/fnv"
	"testing"
)

// FuzzHashes checks every hash on arbitrary keys: no panic, the same value
// twice, and agreement with the textbook algorithm wherever nutcracker's
// quirks do not apply (fnv over bytes below 0x80, crc32a always, crc32 as
// 15 bits of CRC-32, crc16's low half as CRC-16/XMODEM).
func FuzzHashes(f *testing.F) {
	for _, k := range vectorKeys {
		f.Add([]byte(k))
	}
	for _, k := range []string{"", "\x80", "ab\xff", "\xff\xfe\xfd\xfc\xfb", "0123456789ab", "0123456789abc"} {
		f.Add([]byte(k))
	}
	f.Fuzz(func(t *testing.T, key []byte) {
		orig := bytes.Clone(key)
		for _, name := range HashNames() {
			h, _ := Hash(name)
			if h(key) != h(orig) || !bytes.Equal(key, orig) {
				t.Fatalf("%s not deterministic or changed its key", name)
			}
		}
		c := crc32.ChecksumIEEE(key)
		if CRC32a(key) != c || CRC32(key) != c>>16&0x7fff {
			t.Fatalf("crc32/crc32a(%q)", key)
		}
		var x uint16
		for _, b := range key {
			x ^= uint16(b) << 8
			for range 8 {
				if x&0x8000 != 0 {
					x = x<<1 ^ 0x1021
				} else {
					x <<= 1
				}
			}
		}
		if uint16(CRC16(key)) != x {
			t.Fatalf("crc16(%q) low half %#x, XMODEM %#x", key, uint16(CRC16(key)), x)
		}
		ascii := true
		for _, b := range key {
			ascii = ascii && b < 0x80
		}
		if ascii {
			f32, f32a, f64 := fnv.New32(), fnv.New32a(), fnv.New64()
			f32.Write(key)
			f32a.Write(key)
			f64.Write(key)
			if FNV32(key) != f32.Sum32() || FNV32a(key) != f32a.Sum32() || FNV64(key) != uint32(f64.Sum64()) {
				t.Fatalf("fnv(%q) differs from hash/fnv on ASCII", key)
			}
		}
		if len(key) == 0 && Hsieh(key) != 0 {
			t.Fatalf("hsieh of the empty key")
		}
	})
}

// FuzzPlacement checks dispatch on arbitrary keys and tags: always a live
// server, the tag part within the key, and the same server for keys that
// share a tag part.
func FuzzPlacement(f *testing.F) {
	f.Add([]byte("user:{42}:a"), "{}", uint8(0))
	f.Add([]byte(""), "", uint8(1))
	f.Add([]byte("\xff{\x80}"), "{}", uint8(2))
	srv := []Server{
		{Name: "127.0.0.1:6379", Weight: 1}, {Name: "127.0.0.1:6380", Weight: 5},
		{Name: "127.0.0.1:6381", Weight: 2, Ejected: true}, {Name: "127.0.0.1:6382", Weight: 3},
	}
	conts := []*Continuum{NewKetama(srv), NewModula(srv), NewRandom(srv)}
	f.Fuzz(func(t *testing.T, key []byte, tag string, which uint8) {
		part := HashTagKey(key, tag)
		if !bytes.Contains(key, part) || (len(part) == 0) != (len(key) == 0) {
			t.Fatalf("HashTagKey(%q, %q) = %q", key, tag, part)
		}
		c := conts[int(which)%len(conts)]
		for _, name := range HashNames() {
			h, _ := Hash(name)
			sel := Selector{Hash: h, HashTag: tag, Continuum: c}
			i := sel.Index(key)
			if i < 0 || i >= len(srv) || srv[i].Ejected {
				t.Fatalf("%s: Index(%q) = %d", name, key, i)
			}
			// Another key around the same tag part goes to the same server.
			if c.dist != Random && len(part) < len(key) {
				other := append(append([]byte{tag[0]}, part...), tag[1])
				if j := sel.Index(other); j != i {
					t.Fatalf("%s: %q on %d, %q on %d", name, key, i, other, j)
				}
			}
		}
	})
}
