package main

import (
	"encoding/binary"
	"errors"
	"math"
	"strconv"
)

// Reading a value serialized as rdb.c writes it (rdbLoadObject), for
// RESTORE. Every length is checked against the bytes left before
// anything is allocated for it, so a forged length cannot make the
// server allocate more than the payload's size allows.

// errRDBFormat is any malformed payload: RESTORE replies "Bad data
// format" and changes nothing.
var errRDBFormat = errors.New("bad data format")

// rdbReader reads a payload from its start.
type rdbReader struct {
	p   []byte
	pos int
}

func (r *rdbReader) left() int { return len(r.p) - r.pos }

func (r *rdbReader) read(n int) ([]byte, error) {
	if n < 0 || n > r.left() {
		return nil, errRDBFormat
	}
	b := r.p[r.pos : r.pos+n]
	r.pos += n
	return b, nil
}

func (r *rdbReader) byte() (byte, error) {
	b, err := r.read(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

// loadLen is rdbLoadLenByRef: a length, or with encoded the special
// string encoding in the low 6 bits.
func (r *rdbReader) loadLen() (n uint64, encoded bool, err error) {
	b, err := r.byte()
	if err != nil {
		return 0, false, err
	}
	switch {
	case b>>6 == rdbEncVal:
		return uint64(b & 0x3F), true, nil
	case b>>6 == rdb6BitLen:
		return uint64(b & 0x3F), false, nil
	case b>>6 == rdb14BitLen:
		lo, err := r.byte()
		return uint64(b&0x3F)<<8 | uint64(lo), false, err
	case b == rdb32BitLen:
		p, err := r.read(4)
		if err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint32(p)), false, nil
	case b == rdb64BitLen:
		p, err := r.read(8)
		if err != nil {
			return 0, false, err
		}
		return binary.BigEndian.Uint64(p), false, nil
	}
	return 0, false, errRDBFormat
}

// count is loadLen for a number of elements that must not be encoded
// and cannot exceed the bytes left (each element takes one at least).
func (r *rdbReader) count() (int, error) {
	n, enc, err := r.loadLen()
	if err != nil || enc || n > uint64(r.left()) {
		return 0, errRDBFormat
	}
	return int(n), nil
}

// loadString is rdbGenericLoadStringObject: a plain, integer or LZF
// string, as a new slice.
func (r *rdbReader) loadString() ([]byte, error) {
	n, enc, err := r.loadLen()
	if err != nil {
		return nil, err
	}
	if enc {
		switch n {
		case rdbEncInt8:
			b, err := r.read(1)
			if err != nil {
				return nil, err
			}
			return strconv.AppendInt(nil, int64(int8(b[0])), 10), nil
		case rdbEncInt16:
			b, err := r.read(2)
			if err != nil {
				return nil, err
			}
			return strconv.AppendInt(nil, int64(int16(binary.LittleEndian.Uint16(b))), 10), nil
		case rdbEncInt32:
			b, err := r.read(4)
			if err != nil {
				return nil, err
			}
			return strconv.AppendInt(nil, int64(int32(binary.LittleEndian.Uint32(b))), 10), nil
		case rdbEncLZF:
			clen, e1, err := r.loadLen()
			if err != nil || e1 {
				return nil, errRDBFormat
			}
			ulen, e2, err := r.loadLen()
			if err != nil || e2 || clen > uint64(r.left()) || ulen == 0 || ulen > clen*lzfMaxExpansion {
				return nil, errRDBFormat
			}
			c, _ := r.read(int(clen))
			out, ok := lzfDecompress(c, int(ulen))
			if !ok {
				return nil, errRDBFormat
			}
			return out, nil
		}
		return nil, errRDBFormat
	}
	if n > uint64(r.left()) {
		return nil, errRDBFormat
	}
	b, _ := r.read(int(n))
	return append([]byte(nil), b...), nil
}

// lzfMaxExpansion bounds how much LZF can expand: a 3-byte back
// reference gives at most 264 bytes.
const lzfMaxExpansion = 90

// loadDouble is rdbLoadDoubleValue, the text form of RDB_TYPE_ZSET.
func (r *rdbReader) loadDouble() (float64, error) {
	n, err := r.byte()
	if err != nil {
		return 0, err
	}
	switch n {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	b, err := r.read(int(n))
	if err != nil {
		return 0, err
	}
	v, k, _ := strtod(b)
	if k != len(b) {
		return 0, errRDBFormat
	}
	return v, nil
}

// rdbLoadObject is rdbLoadObject for the types Redis 7.0 writes and the
// older ones: the value with its encoding chosen as Redis's loader does
// (with the server's thresholds). Ziplists (Redis before 7.0) are read
// (rdb_ziplist.go); zipmaps (before 2.6), modules and streams are
// refused.
func (s *server) rdbLoadObject(typ byte, r *rdbReader) (*robj, error) {
	cfg := &s.cfg
	switch typ {
	case rdbTypeString:
		b, err := r.loadString()
		if err != nil {
			return nil, err
		}
		return &robj{typ: objString, str: b}, nil
	case rdbTypeList:
		n, err := r.count()
		if err != nil || n == 0 {
			return nil, errRDBFormat
		}
		l := &list{}
		for ; n > 0; n-- {
			e, err := r.loadString()
			if err != nil {
				return nil, err
			}
			l.pushBack(e)
		}
		return &robj{typ: objList, ptr: l}, nil
	case rdbTypeListQuick2:
		n, err := r.count()
		if err != nil {
			return nil, err
		}
		l := &list{}
		for ; n > 0; n-- {
			container, enc, err := r.loadLen()
			if err != nil || enc {
				return nil, errRDBFormat
			}
			blob, err := r.loadString()
			if err != nil {
				return nil, err
			}
			switch container {
			case quicklistNodeContainerPlain: // one element
				l.pushBack(blob)
			case quicklistNodeContainerPacked:
				ents, ok := lpEntries(blob)
				if !ok {
					return nil, errRDBFormat
				}
				for _, e := range ents {
					l.pushBack(e)
				}
			default:
				return nil, errRDBFormat
			}
		}
		if l.len() == 0 {
			return nil, errRDBFormat // an empty key
		}
		return &robj{typ: objList, ptr: l}, nil
	case rdbTypeListZiplist, rdbTypeListQuicklist:
		nodes := 1
		if typ == rdbTypeListQuicklist {
			var err error
			if nodes, err = r.count(); err != nil {
				return nil, err
			}
		}
		l := &list{}
		for ; nodes > 0; nodes-- {
			blob, err := r.loadString()
			if err != nil {
				return nil, err
			}
			ents, ok := zlEntries(blob)
			if !ok {
				return nil, errRDBFormat
			}
			for _, e := range ents {
				l.pushBack(e)
			}
		}
		if l.len() == 0 {
			return nil, errRDBFormat
		}
		return &robj{typ: objList, ptr: l}, nil
	case rdbTypeSet:
		n, err := r.count()
		if err != nil || n == 0 {
			return nil, errRDBFormat
		}
		st := newSet()
		if int64(n) > cfg.setMaxIntsetEntries {
			st.intset = false
		}
		for ; n > 0; n-- {
			m, err := r.loadString()
			if err != nil {
				return nil, err
			}
			if !st.add(m, cfg) {
				return nil, errRDBFormat // duplicate members
			}
		}
		return &robj{typ: objSet, ptr: st}, nil
	case rdbTypeSetIntset:
		blob, err := r.loadString()
		if err != nil {
			return nil, err
		}
		st, ok := intsetLoad(blob, cfg)
		if !ok {
			return nil, errRDBFormat
		}
		return &robj{typ: objSet, ptr: st}, nil
	case rdbTypeZset, rdbTypeZset2:
		n, err := r.count()
		if err != nil || n == 0 {
			return nil, errRDBFormat
		}
		zs := newZsetSkiplist()
		maxelelen := 0
		for ; n > 0; n-- {
			ele, err := r.loadString()
			if err != nil {
				return nil, err
			}
			var score float64
			if typ == rdbTypeZset2 {
				b, err := r.read(8)
				if err != nil {
					return nil, err
				}
				score = math.Float64frombits(binary.LittleEndian.Uint64(b))
			} else if score, err = r.loadDouble(); err != nil {
				return nil, err
			}
			if math.IsNaN(score) {
				return nil, errRDBFormat
			}
			if _, dup := zs.dict[string(ele)]; dup {
				return nil, errRDBFormat
			}
			zs.insertNew(score, string(ele))
			maxelelen = max(maxelelen, len(ele))
		}
		zs.convertToListpackIfNeeded(maxelelen, cfg)
		return &robj{typ: objZset, ptr: zs}, nil
	case rdbTypeHash:
		n, err := r.count()
		if err != nil || n == 0 {
			return nil, errRDBFormat
		}
		h := newHash()
		if int64(n) > cfg.hashMaxListpackEntries {
			h.lp = false
		}
		for ; n > 0; n-- {
			f, err := r.loadString()
			if err != nil {
				return nil, err
			}
			v, err := r.loadString()
			if err != nil {
				return nil, err
			}
			if !h.set(f, v, cfg) {
				return nil, errRDBFormat // duplicate fields
			}
		}
		return &robj{typ: objHash, ptr: h}, nil
	case rdbTypeHashListpack, rdbTypeHashZiplist:
		ents, err := r.listpackPairs(typ == rdbTypeHashZiplist)
		if err != nil {
			return nil, err
		}
		// Only the number of entries sends a loaded listpack to a
		// hashtable, not the lengths (checked against redis-server
		// 7.0.15 with hash-max-listpack-value lowered).
		lpCfg := *cfg
		lpCfg.hashMaxListpackValue = math.MaxInt64
		h := newHash()
		for i := 0; i < len(ents); i += 2 {
			if !h.set(ents[i], ents[i+1], &lpCfg) {
				return nil, errRDBFormat
			}
		}
		return &robj{typ: objHash, ptr: h}, nil
	case rdbTypeZsetListpack, rdbTypeZsetZiplist:
		ents, err := r.listpackPairs(typ == rdbTypeZsetZiplist)
		if err != nil {
			return nil, err
		}
		zs := newZsetSkiplist()
		zs.lp = true
		for i := 0; i < len(ents); i += 2 {
			score, k, _ := strtod(ents[i+1])
			if k != len(ents[i+1]) || math.IsNaN(score) {
				return nil, errRDBFormat
			}
			if _, dup := zs.dict[string(ents[i])]; dup {
				return nil, errRDBFormat
			}
			zs.insertNew(score, string(ents[i]))
		}
		if int64(zs.len()) > cfg.zsetMaxListpackEntries {
			zs.lp = false
		}
		return &robj{typ: objZset, ptr: zs}, nil
	}
	return nil, errRDBFormat
}

// listpackPairs loads a listpack (or with ziplist a ziplist) of field,
// value pairs: not empty, an even count.
func (r *rdbReader) listpackPairs(ziplist bool) ([][]byte, error) {
	blob, err := r.loadString()
	if err != nil {
		return nil, err
	}
	ents, ok := lpEntries(blob)
	if ziplist {
		ents, ok = zlEntries(blob)
	}
	if !ok || len(ents) == 0 || len(ents)%2 != 0 {
		return nil, errRDBFormat
	}
	return ents, nil
}

// intsetLoad reads an intset (intsetValidateIntegrity with deep
// checks: a known encoding, the size its length gives, values sorted
// and distinct), and converts it to a hashtable past
// set-max-intset-entries as rdbLoadObject does.
func intsetLoad(b []byte, cfg *config) (*set, bool) {
	if len(b) < 8 {
		return nil, false
	}
	width := int(binary.LittleEndian.Uint32(b))
	n := int(binary.LittleEndian.Uint32(b[4:]))
	if (width != 2 && width != 4 && width != 8) || n == 0 || uint64(n)*uint64(width)+8 != uint64(len(b)) {
		return nil, false
	}
	st := newSetSized(n)
	var prev int64
	for i := 0; i < n; i++ {
		p := b[8+i*width:]
		var v int64
		switch width {
		case 2:
			v = int64(int16(binary.LittleEndian.Uint16(p)))
		case 4:
			v = int64(int32(binary.LittleEndian.Uint32(p)))
		default:
			v = int64(binary.LittleEndian.Uint64(p))
		}
		if i > 0 && v <= prev {
			return nil, false
		}
		prev = v
		m := strconv.FormatInt(v, 10)
		st.idx[m] = len(st.members)
		st.members = append(st.members, m)
	}
	st.intset = int64(n) <= cfg.setMaxIntsetEntries
	return st, true
}
