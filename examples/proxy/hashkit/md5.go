package hashkit

import "crypto/md5"

// MD5 is the first four bytes of the key's MD5 digest read little-endian
// (hash_md5 in nc_md5.c, on top of md5_signature).
func MD5(key []byte) uint32 {
	d := md5.Sum(key)
	return le32(d[0:4])
}

// le32 reads four bytes little-endian.
func le32(b []byte) uint32 {
	_ = b[3]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
