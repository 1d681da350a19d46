package main

import (
	"encoding/binary"
	"math"
)

// listpack builds the bytes of a Redis listpack (listpack.c), the form
// DUMP gives small hashes, small sorted sets and each quicklist node:
// a 6-byte header (total bytes, element count, little endian), the
// entries, and an 0xFF terminator. Each entry is an encoding with its
// data and then its own length backwards (backlen), so the list can be
// walked from either end.
type listpack struct {
	entries []byte
	n       int
}

const (
	lpHeaderSize = 6
	lpEOF        = 0xFF
)

// append is lpAppend: ele as an integer when lpStringToInt64 reads it
// as one (canonical, no '+', no leading zero), else as a string.
func (lp *listpack) append(ele []byte) {
	start := len(lp.entries)
	b := lp.entries
	if v, ok := lpStringToInt64(ele); ok {
		switch {
		case v >= 0 && v <= 127:
			b = append(b, byte(v))
		case v >= -4096 && v <= 4095:
			u := uint64(v) & (1<<13 - 1)
			b = append(b, byte(u>>8)|0xC0, byte(u))
		case v >= math.MinInt16 && v <= math.MaxInt16:
			b = binary.LittleEndian.AppendUint16(append(b, 0xF1), uint16(v))
		case v >= -(1<<23) && v <= 1<<23-1:
			u := uint32(v)
			b = append(b, 0xF2, byte(u), byte(u>>8), byte(u>>16))
		case v >= math.MinInt32 && v <= math.MaxInt32:
			b = binary.LittleEndian.AppendUint32(append(b, 0xF3), uint32(v))
		default:
			b = binary.LittleEndian.AppendUint64(append(b, 0xF4), uint64(v))
		}
	} else {
		switch n := len(ele); {
		case n < 64:
			b = append(b, 0x80|byte(n))
		case n < 4096:
			b = append(b, 0xE0|byte(n>>8), byte(n))
		default:
			b = binary.LittleEndian.AppendUint32(append(b, 0xF0), uint32(n))
		}
		b = append(b, ele...)
	}
	lp.entries = lpAppendBacklen(b, uint64(len(b)-start))
	lp.n++
}

// lpAppendBacklen is lpEncodeBacklen: l in 7-bit groups, the most
// significant first, every byte but the first with its high bit set.
func lpAppendBacklen(b []byte, l uint64) []byte {
	switch {
	case l <= 127:
		return append(b, byte(l))
	case l < 16383:
		return append(b, byte(l>>7), byte(l&127)|128)
	case l < 2097151:
		return append(b, byte(l>>14), byte((l>>7)&127)|128, byte(l&127)|128)
	case l < 268435455:
		return append(b, byte(l>>21), byte((l>>14)&127)|128, byte((l>>7)&127)|128, byte(l&127)|128)
	}
	return append(b, byte(l>>28), byte((l>>21)&127)|128, byte((l>>14)&127)|128, byte((l>>7)&127)|128, byte(l&127)|128)
}

// bytes is the whole listpack.
func (lp *listpack) bytes() []byte {
	total := lpHeaderSize + len(lp.entries) + 1
	out := binary.LittleEndian.AppendUint32(make([]byte, 0, total), uint32(total))
	out = binary.LittleEndian.AppendUint16(out, uint16(min(lp.n, math.MaxUint16)))
	out = append(out, lp.entries...)
	return append(out, lpEOF)
}

// size is the listpack's byte size so far (lpBytes).
func (lp *listpack) size() int { return lpHeaderSize + len(lp.entries) + 1 }

// lpStringToInt64 is lpStringToInt64 (string2ll's rules).
func lpStringToInt64(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	return isLongString(s)
}

// lpEntries parses a listpack: its elements in order, or false when the
// bytes are not a well-formed listpack (the checks of
// lpValidateIntegrity with deep validation: header, every entry's
// encoding, length and backlen within bounds, the count, the
// terminator).
func lpEntries(p []byte) ([][]byte, bool) {
	if len(p) < lpHeaderSize+1 || binary.LittleEndian.Uint32(p) != uint32(len(p)) || p[len(p)-1] != lpEOF {
		return nil, false
	}
	count := int(binary.LittleEndian.Uint16(p[4:]))
	var out [][]byte
	i := lpHeaderSize
	end := len(p) - 1
	for i < end {
		start := i
		var ele []byte
		var intval int64
		isInt := true
		enc := p[i]
		need := func(n int) bool { return i+n <= end }
		switch {
		case enc&0x80 == 0:
			intval = int64(enc)
			i++
		case enc&0xC0 == 0x80:
			n := int(enc & 0x3F)
			if !need(1 + n) {
				return nil, false
			}
			ele = p[i+1 : i+1+n]
			isInt = false
			i += 1 + n
		case enc&0xE0 == 0xC0:
			if !need(2) {
				return nil, false
			}
			u := uint64(enc&0x1F)<<8 | uint64(p[i+1])
			intval = int64(u<<51) >> 51
			i += 2
		case enc&0xF0 == 0xE0:
			if !need(2) {
				return nil, false
			}
			n := int(enc&0x0F)<<8 | int(p[i+1])
			if !need(2 + n) {
				return nil, false
			}
			ele = p[i+2 : i+2+n]
			isInt = false
			i += 2 + n
		case enc == 0xF0:
			if !need(5) {
				return nil, false
			}
			n := int(binary.LittleEndian.Uint32(p[i+1:]))
			if n < 0 || !need(5+n) {
				return nil, false
			}
			ele = p[i+5 : i+5+n]
			isInt = false
			i += 5 + n
		case enc == 0xF1:
			if !need(3) {
				return nil, false
			}
			intval = int64(int16(binary.LittleEndian.Uint16(p[i+1:])))
			i += 3
		case enc == 0xF2:
			if !need(4) {
				return nil, false
			}
			u := uint32(p[i+1]) | uint32(p[i+2])<<8 | uint32(p[i+3])<<16
			intval = int64(int32(u<<8) >> 8)
			i += 4
		case enc == 0xF3:
			if !need(5) {
				return nil, false
			}
			intval = int64(int32(binary.LittleEndian.Uint32(p[i+1:])))
			i += 5
		case enc == 0xF4:
			if !need(9) {
				return nil, false
			}
			intval = int64(binary.LittleEndian.Uint64(p[i+1:]))
			i += 9
		default:
			return nil, false
		}
		// The backlen must encode this entry's length, in its bytes.
		want := lpAppendBacklen(nil, uint64(i-start))
		if i+len(want) > end || string(p[i:i+len(want)]) != string(want) {
			return nil, false
		}
		i += len(want)
		if isInt {
			ele = appendInt(nil, intval)
		}
		out = append(out, ele)
	}
	if i != end || (count != math.MaxUint16 && count != len(out)) {
		return nil, false
	}
	return out, true
}

// qlNode is one node of the quicklist a list is kept in by Redis: the
// elements from..to-1, and the listpack's size; a plain node holds one
// element, as it is, and sz is its length.
type qlNode struct {
	from, to, sz int
	plain        bool
}

// quicklistNodes splits l into the nodes Redis's quicklist would hold
// after RPUSHes of its elements in order under list-max-listpack-size
// fill (_quicklistNodeAllowInsert of Redis 7.0), with an element of
// packedThreshold bytes or more in a plain node of its own
// (isLargeElement, DEBUG QUICKLIST-PACKED-THRESHOLD). A list Redis built
// otherwise (LPUSH, LINSERT, deletions in the middle) may have its nodes
// split elsewhere; the elements are the same.
func quicklistNodes(l *list, fill, packedThreshold int64) []qlNode {
	fill = max(min(fill, 1<<15-1), -5) // quicklistSetFill's FILL_MAX and -5
	var nodes []qlNode
	var lp listpack
	cur := -1
	for i := 0; i < l.len(); i++ {
		e := l.at(i)
		if int64(len(e)) >= packedThreshold {
			// __quicklistInsertPlainNode; nothing joins a plain node.
			nodes = append(nodes, qlNode{from: i, to: i + 1, sz: len(e), plain: true})
			cur = -1
			continue
		}
		if cur < 0 || !quicklistAllowInsert(lp.size(), nodes[cur].to-nodes[cur].from, len(e), fill) {
			nodes = append(nodes, qlNode{from: i, to: i})
			cur = len(nodes) - 1
			lp = listpack{}
		}
		lp.append(e)
		nodes[cur].to = i + 1
		nodes[cur].sz = lp.size()
	}
	return nodes
}

// quicklistOptimizationLevel is optimization_level: the byte limits of
// fill -1 to -5.
var quicklistOptimizationLevel = [...]int{4096, 8192, 16384, 32768, 65536}

// quicklistSizeSafetyLimit is SIZE_SAFETY_LIMIT: a count-limited node
// still stops at 8 kB.
const quicklistSizeSafetyLimit = 8192

// quicklistAllowInsert is _quicklistNodeAllowInsert for a node of sz
// bytes and count elements and a new element of elen bytes: the new
// size is estimated as sz + elen + SIZE_ESTIMATE_OVERHEAD (8), checked
// against the byte limit of a negative fill, or for a positive fill
// against 8 kB and then the count (quicklistNodeExceedsLimit).
func quicklistAllowInsert(sz, count, elen int, fill int64) bool {
	newSz := sz + elen + quicklistSizeEstimateOverhead
	if fill < 0 {
		off := min(int(-fill-1), len(quicklistOptimizationLevel)-1)
		return newSz <= quicklistOptimizationLevel[off]
	}
	if newSz > quicklistSizeSafetyLimit {
		return false
	}
	return int64(count)+1 <= max(fill, 1)
}

const quicklistSizeEstimateOverhead = 8
