package hashkit

// Hsieh is Paul Hsieh's SuperFastHash as nutcracker has it (hash_hsieh in
// nc_hsieh.c): the state starts at 0 rather than at the key length, 16-bit
// words are read little-endian, and in a 3-byte tail the third byte is read
// as a signed char (sign-extended before the shift by 18) while a 1-byte
// tail is read unsigned. The empty key hashes to 0.
func Hsieh(key []byte) uint32 {
	if len(key) == 0 {
		return 0
	}
	var h uint32
	rem := len(key) & 3
	for n := len(key) >> 2; n > 0; n-- {
		h += get16(key)
		tmp := get16(key[2:])<<11 ^ h
		h = h<<16 ^ tmp
		key = key[4:]
		h += h >> 11
	}
	switch rem {
	case 3:
		h += get16(key)
		h ^= h << 16
		h ^= sx(key[2]) << 18
		h += h >> 11
	case 2:
		h += get16(key)
		h ^= h << 11
		h += h >> 17
	case 1:
		h += uint32(key[0])
		h ^= h << 10
		h += h >> 1
	}
	// The final avalanche.
	h ^= h << 3
	h += h >> 5
	h ^= h << 4
	h += h >> 17
	h ^= h << 25
	h += h >> 6
	return h
}

// get16 reads two bytes little-endian (the get16bits macro).
func get16(b []byte) uint32 {
	_ = b[1]
	return uint32(b[0]) | uint32(b[1])<<8
}
