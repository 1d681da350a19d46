package main

// LZF, as Redis's lzf_c.c and lzf_d.c (liblzf 3.6 with HLOG 16 and
// VERY_FAST), so that a compressed string in a DUMP payload has the same
// bytes as Redis's. The compressed format:
//
//	000LLLLL <L+1 octets>       literal run of 1..32 bytes
//	LLLooooo oooooooo           back reference of L+2 (3..8) bytes, offset o+1
//	111ooooo LLLLLLLL oooooooo  back reference of L+9 bytes
const (
	lzfHlog   = 16
	lzfHsize  = 1 << lzfHlog
	lzfMaxLit = 1 << 5
	lzfMaxOff = 1 << 13
	lzfMaxRef = (1 << 8) + (1 << 3)
)

func lzfIdx(h uint32) uint32 { return ((h >> (3*8 - lzfHlog)) - h*5) & (lzfHsize - 1) }

// lzfCompress compresses in into at most outLen bytes and returns them,
// or nil when they do not fit (lzf_compress returning 0). The hash table
// holds positions plus one, 0 meaning empty.
func lzfCompress(in []byte, outLen int) []byte {
	if len(in) == 0 || outLen == 0 {
		return nil
	}
	htab := make([]uint32, lzfHsize)
	out := make([]byte, outLen)
	ip, op := 0, 0
	inEnd := len(in)
	lit := 0
	op++ // start run
	hval := uint32(in[0])<<8 | uint32(at(in, 1))
	for ip < inEnd-2 {
		hval = hval<<8 | uint32(in[ip+2])
		slot := &htab[lzfIdx(hval)]
		ref := int(*slot) - 1 // -1: none
		*slot = uint32(ip) + 1
		if ref > 0 && ref < ip && ip-ref-1 < lzfMaxOff && in[ref+2] == in[ip+2] && in[ref] == in[ip] && in[ref+1] == in[ip+1] {
			off := ip - ref - 1
			length := 2
			maxlen := min(inEnd-ip-length, lzfMaxRef)
			if op+3+1 >= outLen {
				if op-b2i(lit == 0)+3+1 >= outLen {
					return nil
				}
			}
			out[op-lit-1] = byte(lit - 1) // stop run
			op -= b2i(lit == 0)           // undo run if length is zero
			if maxlen > 16 {
				unrolled := true
				for k := 0; k < 16; k++ {
					length++
					if in[ref+length] != in[ip+length] {
						unrolled = false
						break
					}
				}
				if unrolled {
					for {
						length++
						if !(length < maxlen && in[ref+length] == in[ip+length]) {
							break
						}
					}
				}
			} else {
				for {
					length++
					if !(length < maxlen && in[ref+length] == in[ip+length]) {
						break
					}
				}
			}
			length -= 2 // the number of octets - 1
			ip++
			if length < 7 {
				out[op] = byte(off>>8 + length<<5)
				op++
			} else {
				out[op] = byte(off>>8 + 7<<5)
				out[op+1] = byte(length - 7)
				op += 2
			}
			out[op] = byte(off)
			op++
			lit = 0
			op++ // start run
			ip += length + 1
			if ip >= inEnd-2 {
				break
			}
			ip -= 2
			hval = uint32(in[ip])<<8 | uint32(in[ip+1])
			hval = hval<<8 | uint32(in[ip+2])
			htab[lzfIdx(hval)] = uint32(ip) + 1
			ip++
			hval = hval<<8 | uint32(in[ip+2])
			htab[lzfIdx(hval)] = uint32(ip) + 1
			ip++
		} else {
			if op >= outLen {
				return nil
			}
			lit++
			out[op] = in[ip]
			op++
			ip++
			if lit == lzfMaxLit {
				out[op-lit-1] = byte(lit - 1)
				lit = 0
				op++
			}
		}
	}
	if op+3 > outLen {
		return nil
	}
	for ip < inEnd {
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	out[op-lit-1] = byte(lit - 1) // end run
	op -= b2i(lit == 0)
	return out[:op]
}

func at(b []byte, i int) byte {
	if i < len(b) {
		return b[i]
	}
	return 0
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// lzfDecompress expands in into exactly outLen bytes (lzf_decompress
// with CHECK_INPUT); ok is false for input that is not valid LZF or does
// not give outLen bytes.
func lzfDecompress(in []byte, outLen int) ([]byte, bool) {
	out := make([]byte, 0, outLen)
	ip := 0
	for ip < len(in) {
		ctrl := int(in[ip])
		ip++
		if ctrl < 1<<5 { // literal run
			ctrl++
			if len(out)+ctrl > outLen || ip+ctrl > len(in) {
				return nil, false
			}
			out = append(out, in[ip:ip+ctrl]...)
			ip += ctrl
			continue
		}
		length := ctrl >> 5
		ref := len(out) - (ctrl&0x1f)<<8 - 1
		if length == 7 {
			if ip >= len(in) {
				return nil, false
			}
			length += int(in[ip])
			ip++
		}
		if ip >= len(in) {
			return nil, false
		}
		ref -= int(in[ip])
		ip++
		length += 2
		if len(out)+length > outLen || ref < 0 {
			return nil, false
		}
		for k := 0; k < length; k++ {
			out = append(out, out[ref+k])
		}
	}
	if len(out) != outLen {
		return nil, false
	}
	return out, true
}
