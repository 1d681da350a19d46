package hashkit

// crc16Table is the table of CRC-16/XMODEM (polynomial 0x1021, MSB first)
// that nc_crc16.c holds as crc16tab; it is computed here, not transcribed.
var crc16Table = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// CRC16 is nutcracker's crc16 (hash_crc16 in nc_crc16.c): the CRC-16/XMODEM
// table step, but on a 32-bit register that is never cut back to 16 bits,
// so the bits shifted out above bit 15 stay in the result (the key "a"
// gives 0x7c87, "foobar" 0x9effb025).
func CRC16(key []byte) uint32 {
	var crc uint32
	for _, b := range key {
		crc = crc<<8 ^ uint32(crc16Table[(crc>>8^uint32(b))&0xff])
	}
	return crc
}
