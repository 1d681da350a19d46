package hashkit

// OneAtATime is Bob Jenkins' one-at-a-time hash as nutcracker computes it
// (hash_one_at_a_time in nc_one_at_a_time.c): each key byte is read as a
// signed char, so bytes >= 0x80 are added sign-extended.
func OneAtATime(key []byte) uint32 {
	var h uint32
	for _, b := range key {
		h += sx(b)
		h += h << 10
		h ^= h >> 6
	}
	h += h << 3
	h ^= h >> 11
	h += h << 15
	return h
}
