package main

import (
	"encoding/binary"
	"math"
	"strconv"
)

// The value serialization of Redis 7.0's rdb.c (RDB version 10), which
// DUMP writes and RESTORE reads: a type byte, the object, then the RDB
// version and a CRC64 (cluster.c's createDumpPayload).

// RDB object types (RDB_TYPE_*).
const (
	rdbTypeString        = 0
	rdbTypeList          = 1
	rdbTypeSet           = 2
	rdbTypeZset          = 3
	rdbTypeHash          = 4
	rdbTypeZset2         = 5
	rdbTypeSetIntset     = 11
	rdbTypeListQuicklist = 14
	rdbTypeHashListpack  = 16
	rdbTypeZsetListpack  = 17
	rdbTypeListQuick2    = 18
)

const (
	rdbVersion = 10
	// Length encodings (RDB_6BITLEN, RDB_14BITLEN, RDB_32BITLEN,
	// RDB_64BITLEN) and the special string encodings (RDB_ENCVAL with
	// RDB_ENC_INT8/16/32 and RDB_ENC_LZF).
	rdb6BitLen  = 0
	rdb14BitLen = 1
	rdb32BitLen = 0x80
	rdb64BitLen = 0x81
	rdbEncVal   = 3
	rdbEncInt8  = 0
	rdbEncInt16 = 1
	rdbEncInt32 = 2
	rdbEncLZF   = 3
	// quicklistNodeContainerPlain and quicklistNodeContainerPacked are
	// QUICKLIST_NODE_CONTAINER_PLAIN and _PACKED: a node that holds one
	// element as it is (one of packed_threshold bytes or more, 1 GB by
	// default) and a node that is a listpack.
	quicklistNodeContainerPlain  = 1
	quicklistNodeContainerPacked = 2
)

// rdbSaveLen is rdbSaveLen.
func rdbSaveLen(dst []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(dst, byte(n)|rdb6BitLen<<6)
	case n < 1<<14:
		return append(dst, byte(n>>8)|rdb14BitLen<<6, byte(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(dst, rdb32BitLen), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(dst, rdb64BitLen), n)
}

// rdbEncodeInteger is rdbEncodeInteger: v in 1, 2 or 4 bytes after its
// encoding byte, or false when it needs more.
func rdbEncodeInteger(dst []byte, v int64) ([]byte, bool) {
	switch {
	case v >= math.MinInt8 && v <= math.MaxInt8:
		return append(dst, rdbEncVal<<6|rdbEncInt8, byte(v)), true
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return binary.LittleEndian.AppendUint16(append(dst, rdbEncVal<<6|rdbEncInt16), uint16(v)), true
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return binary.LittleEndian.AppendUint32(append(dst, rdbEncVal<<6|rdbEncInt32), uint32(v)), true
	}
	return dst, false
}

// rdbSaveRawString is rdbSaveRawString: a string of up to 11 bytes that
// reads back as the same integer is saved as one, one of more than 20
// bytes LZF-compressed (with compress: rdbcompression) when that saves at
// least 4 bytes, else as it is.
func rdbSaveRawString(dst, s []byte, compress bool) []byte {
	if len(s) <= 11 {
		if v, ok := isLongString(s); ok {
			if out, ok := rdbEncodeInteger(dst, v); ok {
				return out
			}
		}
	}
	if compress && len(s) > 20 {
		if out, ok := rdbSaveLzfString(dst, s); ok {
			return out
		}
	}
	return append(rdbSaveLen(dst, uint64(len(s))), s...)
}

// rdbSaveLzfString is rdbSaveLzfStringObject: the compressed form, when
// it fits in len-4 bytes.
func rdbSaveLzfString(dst, s []byte) ([]byte, bool) {
	if len(s) <= 4 {
		return dst, false
	}
	c := lzfCompress(s, len(s)-4)
	if c == nil {
		return dst, false
	}
	dst = append(dst, rdbEncVal<<6|rdbEncLZF)
	dst = rdbSaveLen(dst, uint64(len(c)))
	dst = rdbSaveLen(dst, uint64(len(s)))
	return append(dst, c...), true
}

// rdbObjectType is rdbSaveObjectType's byte for o.
func rdbObjectType(o *robj) byte {
	switch o.typ {
	case objString:
		return rdbTypeString
	case objList:
		return rdbTypeListQuick2
	case objSet:
		if o.ptr.(*set).intset {
			return rdbTypeSetIntset
		}
		return rdbTypeSet
	case objZset:
		if o.ptr.(*zset).lp {
			return rdbTypeZsetListpack
		}
		return rdbTypeZset2
	}
	if o.ptr.(*hash).lp {
		return rdbTypeHashListpack
	}
	return rdbTypeHash
}

// rdbSaveObject is rdbSaveObject: the value in the form its encoding
// has. A hashtable's members come in this server's order, which is not
// Redis's dict order; a list's nodes are those a list built by RPUSH
// alone would have (see quicklistNodes).
func (s *server) rdbSaveObject(dst []byte, o *robj) []byte {
	lzf := s.cfg.rdbCompression != 0 // rdbcompression
	switch o.typ {
	case objString:
		return rdbSaveRawString(dst, o.str, lzf)
	case objList:
		l := o.ptr.(*list)
		nodes := quicklistNodes(l, s.cfg.listMaxListpackSize, s.quicklistPackedThreshold)
		dst = rdbSaveLen(dst, uint64(len(nodes)))
		for _, n := range nodes {
			if n.plain {
				dst = rdbSaveLen(dst, quicklistNodeContainerPlain)
				dst = rdbSaveRawString(dst, l.at(n.from), lzf)
				continue
			}
			dst = rdbSaveLen(dst, quicklistNodeContainerPacked)
			var lp listpack
			for i := n.from; i < n.to; i++ {
				lp.append(l.at(i))
			}
			dst = rdbSaveRawString(dst, lp.bytes(), lzf)
		}
		return dst
	case objSet:
		st := o.ptr.(*set)
		if st.intset {
			return rdbSaveRawString(dst, intsetBytes(st.ordered()), lzf)
		}
		dst = rdbSaveLen(dst, uint64(st.len()))
		for _, m := range st.members {
			dst = rdbSaveRawString(dst, []byte(m), lzf)
		}
		return dst
	case objZset:
		zs := o.ptr.(*zset)
		if zs.lp {
			var lp listpack
			var num [32]byte
			for x := zs.zsl.first(); x != nil; x = x.level[0].forward {
				lp.append([]byte(x.ele))
				lp.append(d2string(num[:0], x.score))
			}
			return rdbSaveRawString(dst, lp.bytes(), lzf)
		}
		// From the greatest to the smallest, as Redis walks the skiplist
		// so that loading inserts each at the head.
		dst = rdbSaveLen(dst, uint64(zs.len()))
		for x := zs.zsl.tail; x != nil; x = x.backward {
			dst = rdbSaveRawString(dst, []byte(x.ele), lzf)
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(x.score))
		}
		return dst
	}
	h := o.ptr.(*hash)
	if h.lp {
		var lp listpack
		for _, e := range h.entries {
			lp.append([]byte(e.field))
			lp.append(e.val)
		}
		return rdbSaveRawString(dst, lp.bytes(), lzf)
	}
	dst = rdbSaveLen(dst, uint64(h.len()))
	for _, e := range h.entries {
		dst = rdbSaveRawString(dst, []byte(e.field), lzf)
		dst = rdbSaveRawString(dst, e.val, lzf)
	}
	return dst
}

// createDumpPayload is createDumpPayload: type, object, RDB version (2
// bytes, little endian) and the CRC64 of all that (8 bytes, little
// endian).
func (s *server) createDumpPayload(o *robj) []byte {
	p := []byte{rdbObjectType(o)}
	p = s.rdbSaveObject(p, o)
	p = binary.LittleEndian.AppendUint16(p, rdbVersion)
	return binary.LittleEndian.AppendUint64(p, crc64(0, p))
}

// d2string is util.c's d2string in Redis 7.0, how a listpack sorted set
// keeps a score: an integral value in ±2^52 as an integer, else "%.17g".
func d2string(dst []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(dst, "nan"...)
	case math.IsInf(v, 1):
		return append(dst, "inf"...)
	case math.IsInf(v, -1):
		return append(dst, "-inf"...)
	case v == 0:
		if math.Signbit(v) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	case v > -4503599627370495 && v < 4503599627370496 && v == math.Trunc(v):
		return strconv.AppendInt(dst, int64(v), 10)
	}
	return strconv.AppendFloat(dst, v, 'g', 17, 64)
}

// intsetBytes is the intset of the members (numeric strings, in numeric
// order): its encoding (2, 4 or 8 bytes a value, the least that holds
// them all), its length, and the values, all little endian. Redis never
// narrows an intset's encoding, so one that once held a wider value and
// lost it is wider there than here.
func intsetBytes(members []string) []byte {
	vals := make([]int64, len(members))
	width := 2
	for i, m := range members {
		v, _ := strconv.ParseInt(m, 10, 64)
		vals[i] = v
		switch {
		case v < math.MinInt32 || v > math.MaxInt32:
			width = 8
		case (v < math.MinInt16 || v > math.MaxInt16) && width < 4:
			width = 4
		}
	}
	b := binary.LittleEndian.AppendUint32(nil, uint32(width))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(vals)))
	for _, v := range vals {
		switch width {
		case 2:
			b = binary.LittleEndian.AppendUint16(b, uint16(v))
		case 4:
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		default:
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
	}
	return b
}
