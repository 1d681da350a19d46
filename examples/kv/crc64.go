package main

// crc64 is Redis's crc64.c: the Jones polynomial (0xad93d23594c935a9),
// reflected in and out, initial value 0, no final xor, which DUMP
// appends to its payload. crc64(0, "123456789") = 0xe9c6d914c4b8d9ca.
func crc64(crc uint64, p []byte) uint64 {
	for _, b := range p {
		crc = crc64Table[byte(crc)^b] ^ crc>>8
	}
	return crc
}

// crc64Table is the byte-at-a-time table of the reflected polynomial.
var crc64Table = func() (t [256]uint64) {
	const reflected = 0x95ac9329ac4bc9b5 // 0xad93d23594c935a9 bit-reversed
	for i := range t {
		c := uint64(i)
		for k := 0; k < 8; k++ {
			if c&1 != 0 {
				c = c>>1 ^ reflected
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return t
}()
