package main

import (
	"encoding/binary"
	"math"
)

// The ziplist (ziplist.c) in which Redis before 7.0 kept small lists,
// hashes and sorted sets, and which RESTORE of their payloads (RDB
// version 9 and before) still reads: Redis 7.0 converts each to a
// listpack on load, and so this to its elements.
const (
	rdbTypeListZiplist = 10
	rdbTypeZsetZiplist = 12
	rdbTypeHashZiplist = 13
)

const zlHeaderSize = 10

// zlEntries parses a ziplist: a header (total bytes, offset of the last
// entry, count, little endian), entries of prevlen, encoding and data,
// and 0xFF. Every prevlen must be the size of the entry before, the tail
// offset the last entry's, the count the number of entries (unless
// 65535, "count them"); false otherwise.
func zlEntries(p []byte) ([][]byte, bool) {
	if len(p) < zlHeaderSize+1 || binary.LittleEndian.Uint32(p) != uint32(len(p)) || p[len(p)-1] != 0xFF {
		return nil, false
	}
	tail := int(binary.LittleEndian.Uint32(p[4:]))
	count := int(binary.LittleEndian.Uint16(p[8:]))
	var out [][]byte
	end := len(p) - 1
	i, prev, last := zlHeaderSize, 0, zlHeaderSize
	for i < end {
		start := i
		var prevlen int
		if p[i] < 254 {
			prevlen = int(p[i])
			i++
		} else {
			if p[i] != 254 || i+5 > end {
				return nil, false
			}
			prevlen = int(binary.LittleEndian.Uint32(p[i+1:]))
			i += 5
		}
		if prevlen != prev || i >= end {
			return nil, false
		}
		enc := p[i]
		var ele []byte
		need := func(n int) bool { return i+n <= end }
		intEntry := func(n int, v int64) bool {
			if !need(1 + n) {
				return false
			}
			ele = appendInt(nil, v)
			i += 1 + n
			return true
		}
		ok := true
		switch {
		case enc>>6 == 0:
			n := int(enc & 0x3F)
			if ok = need(1 + n); ok {
				ele = p[i+1 : i+1+n]
				i += 1 + n
			}
		case enc>>6 == 1:
			if ok = need(2); ok {
				n := int(enc&0x3F)<<8 | int(p[i+1])
				if ok = need(2 + n); ok {
					ele = p[i+2 : i+2+n]
					i += 2 + n
				}
			}
		case enc == 0x80:
			if ok = need(5); ok {
				n := int(binary.BigEndian.Uint32(p[i+1:]))
				if ok = n >= 0 && need(5+n); ok {
					ele = p[i+5 : i+5+n]
					i += 5 + n
				}
			}
		case enc == 0xC0:
			ok = need(3) && intEntry(2, int64(int16(binary.LittleEndian.Uint16(p[i+1:]))))
		case enc == 0xD0:
			ok = need(5) && intEntry(4, int64(int32(binary.LittleEndian.Uint32(p[i+1:]))))
		case enc == 0xE0:
			ok = need(9) && intEntry(8, int64(binary.LittleEndian.Uint64(p[i+1:])))
		case enc == 0xF0:
			ok = need(4) && intEntry(3, int64(int32(uint32(p[i+1])<<8|uint32(p[i+2])<<16|uint32(p[i+3])<<24)>>8))
		case enc == 0xFE:
			ok = need(2) && intEntry(1, int64(int8(p[i+1])))
		case enc >= 0xF1 && enc <= 0xFD:
			ok = intEntry(0, int64(enc&0x0F)-1)
		default:
			ok = false
		}
		if !ok {
			return nil, false
		}
		out = append(out, ele)
		prev, last = i-start, start
	}
	if i != end || (len(out) > 0 && tail != last) || (len(out) == 0 && tail != zlHeaderSize) ||
		(count != math.MaxUint16 && count != len(out)) {
		return nil, false
	}
	return out, true
}
