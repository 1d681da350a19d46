package mcproto

// base64Value maps a byte to its value in the standard base64 alphabet;
// '=' counts as 0, and every other byte is 0x80: skipped, as memcached's
// decoder (base64.c) skips it.
var base64Value = func() (t [256]byte) {
	for i := range t {
		t[i] = 0x80
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	t['='] = 0
	return t
}()

// base64Decode decodes src into dst as memcached's base64_decode does and
// returns the decoded length, 0 meaning failure. Bytes outside the
// alphabet are skipped; the bytes left must be a non-zero multiple of
// four; decoding stops after the first group holding a '=', which may
// hold one or two of them (more fails). dst must have room for
// len(src)/4*3 bytes.
func base64Decode(dst, src []byte) int {
	count := 0
	for _, c := range src {
		if base64Value[c] != 0x80 {
			count++
		}
	}
	if count == 0 || count%4 != 0 || count/4*3 > len(dst) {
		return 0
	}
	var block [4]byte
	pos, k, pad := 0, 0, 0
	for _, c := range src {
		v := base64Value[c]
		if v == 0x80 {
			continue
		}
		if c == '=' {
			pad++
		}
		block[k] = v
		k++
		if k < 4 {
			continue
		}
		dst[pos] = block[0]<<2 | block[1]>>4
		dst[pos+1] = block[1]<<4 | block[2]>>2
		dst[pos+2] = block[2]<<6 | block[3]
		pos += 3
		k = 0
		if pad > 0 {
			switch pad {
			case 1:
				pos--
			case 2:
				pos -= 2
			default:
				return 0 // invalid padding
			}
			break
		}
	}
	return pos
}
