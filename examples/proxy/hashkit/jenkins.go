package hashkit

import "math/bits"

// jenkinsInitval is the initval nutcracker passes to lookup3
// (JENKINS_INITVAL).
const jenkinsInitval = 13

// Jenkins is Bob Jenkins' lookup3 hashlittle with initval 13, as nutcracker
// has it (hash_jenkins in nc_jenkins.c): 12-byte blocks of three
// little-endian words, the last block (1 to 12 bytes, zero-padded) through
// the final mix; the empty key returns the initial state,
// 0xdeadbeef + 13, without mixing.
func Jenkins(key []byte) uint32 {
	a := 0xdeadbeef + uint32(len(key)) + jenkinsInitval
	b, c := a, a
	if len(key) == 0 {
		return c
	}
	for len(key) > 12 {
		a += le32(key[0:])
		b += le32(key[4:])
		c += le32(key[8:])
		a, b, c = jenkinsMix(a, b, c)
		key = key[12:]
	}
	var last [12]byte
	copy(last[:], key)
	a += le32(last[0:])
	b += le32(last[4:])
	c += le32(last[8:])
	return jenkinsFinal(a, b, c)
}

// jenkinsMix is lookup3's mix().
func jenkinsMix(a, b, c uint32) (uint32, uint32, uint32) {
	a -= c
	a ^= bits.RotateLeft32(c, 4)
	c += b
	b -= a
	b ^= bits.RotateLeft32(a, 6)
	a += c
	c -= b
	c ^= bits.RotateLeft32(b, 8)
	b += a
	a -= c
	a ^= bits.RotateLeft32(c, 16)
	c += b
	b -= a
	b ^= bits.RotateLeft32(a, 19)
	a += c
	c -= b
	c ^= bits.RotateLeft32(b, 4)
	b += a
	return a, b, c
}

// jenkinsFinal is lookup3's final(), returning c.
func jenkinsFinal(a, b, c uint32) uint32 {
	c ^= b
	c -= bits.RotateLeft32(b, 14)
	a ^= c
	a -= bits.RotateLeft32(c, 11)
	b ^= a
	b -= bits.RotateLeft32(a, 25)
	c ^= b
	c -= bits.RotateLeft32(b, 16)
	a ^= c
	a -= bits.RotateLeft32(c, 4)
	b ^= a
	b -= bits.RotateLeft32(a, 14)
	c ^= b
	c -= bits.RotateLeft32(b, 24)
	return c
}
