package hashkit

// Murmur is Austin Appleby's MurmurHash2 as nutcracker computes it
// (hash_murmur in nc_murmur.c): m = 0x5bd1e995, r = 24, seed 0xdeadbeef
// times the length, 4-byte blocks read little-endian, bytes unsigned.
func Murmur(key []byte) uint32 {
	const m = 0x5bd1e995
	const r = 24
	n := uint32(len(key))
	h := 0xdeadbeef*n ^ n
	for len(key) >= 4 {
		k := le32(key)
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
		key = key[4:]
	}
	switch len(key) {
	case 3:
		h ^= uint32(key[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(key[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(key[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}
