package hashkit

import "hash/crc32"

// CRC32 is libmemcached's crc32 as nutcracker keeps it (hash_crc32 in
// nc_crc32.c): the standard CRC-32 (IEEE) of the key, shifted right by 16
// and masked to 15 bits, so it only ever yields 0..0x7fff. With ketama,
// whose points span 32 bits, nearly every key lands on the server owning
// the lowest points; the behaviour is kept because placement depends on it.
func CRC32(key []byte) uint32 {
	return crc32.ChecksumIEEE(key) >> 16 & 0x7fff
}

// CRC32a is the standard CRC-32 (IEEE) of the key, all 32 bits (hash_crc32a
// in nc_crc32.c).
func CRC32a(key []byte) uint32 {
	return crc32.ChecksumIEEE(key)
}
