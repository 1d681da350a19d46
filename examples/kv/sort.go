package main

import (
	"bytes"
	"math"
	"slices"
	"strings"

	"github.com/goae/goae/internal/resp"
)

// SORT and SORT_RO (sort.c).
var sortCommands = []*command{
	{name: "sort", arity: -2, flags: cmdWrite | cmdDenyOOM | cmdMovableKeys | cmdCatSortTypes | cmdCatDangerous, proc: sortCommand, firstKey: 1, lastKey: 1, keyStep: 1, getkeys: sortGetKeys},
	{name: "sort_ro", arity: -2, flags: cmdReadonly | cmdCatSortTypes | cmdCatDangerous, proc: sortroCommand, firstKey: 1, lastKey: 1, keyStep: 1},
}

func init() { keyCommands = append(keyCommands, sortCommands...) }

// sortGetKeys is sortGetKeys: the key sorted and the STORE key, skipping
// the arguments of LIMIT, GET and BY as the parser does.
func sortGetKeys(argv [][]byte) ([][]byte, bool) {
	if len(argv) < 2 {
		return nil, false
	}
	keys := [][]byte{argv[1]}
	var store []byte
	for i := 2; i < len(argv); i++ {
		skip := 0
		switch strings.ToLower(string(argv[i])) {
		case "limit":
			skip = 2
		case "get", "by":
			skip = 1
		case "store":
			if i+1 < len(argv) {
				// The last STORE wins, as in the parser.
				store = argv[i+1]
			}
			skip = 1
		}
		i += skip
	}
	if store != nil {
		keys = append(keys, store)
	}
	return keys, true
}

func sortCommand(s *server, c *client)   { sortGeneric(s, c, false) }
func sortroCommand(s *server, c *client) { sortGeneric(s, c, true) }

// sortObject is redisSortObject: an element, and what it sorts by.
type sortObject struct {
	obj    []byte
	score  float64
	cmpobj []byte // ALPHA with BY: the value looked up; nil when missing
	hasCmp bool
}

// sortGeneric is sortCommandGeneric: SORT key [BY pattern] [LIMIT offset
// count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE destination].
func sortGeneric(s *server, c *client, readonly bool) {
	desc, alpha, dontsort := false, false, false
	var limitStart, limitCount int64 = 0, -1
	var sortby, storekey []byte
	var gets [][]byte
	argv := c.Argv
	for j := 2; j < len(argv); j++ {
		leftargs := len(argv) - j - 1
		switch opt := string(argv[j]); {
		case strings.EqualFold(opt, "asc"):
			desc = false
		case strings.EqualFold(opt, "desc"):
			desc = true
		case strings.EqualFold(opt, "alpha"):
			alpha = true
		case strings.EqualFold(opt, "limit") && leftargs >= 2:
			var ok bool
			if limitStart, ok = resp.ParseInt(argv[j+1]); !ok {
				c.AddReplyError("value is not an integer or out of range")
				return
			}
			if limitCount, ok = resp.ParseInt(argv[j+2]); !ok {
				c.AddReplyError("value is not an integer or out of range")
				return
			}
			j += 2
		case !readonly && strings.EqualFold(opt, "store") && leftargs >= 1:
			storekey = argv[j+1]
			j++
		case strings.EqualFold(opt, "by") && leftargs >= 1:
			sortby = argv[j+1]
			// A BY pattern with no '*' is a constant: nothing to sort by.
			if bytes.IndexByte(cString(sortby), '*') < 0 {
				dontsort = true
			}
			j++
		case strings.EqualFold(opt, "get") && leftargs >= 1:
			gets = append(gets, argv[j+1])
			j++
		default:
			c.AddReply(resp.SyntaxErr)
			return
		}
	}

	o := s.lookupRead(argv[1])
	if o != nil && o.typ != objSet && o.typ != objList && o.typ != objZset {
		c.AddReply(resp.WrongTypeErr)
		return
	}
	// A set sorted for STORE is sorted for real, so that the result does
	// not depend on the set's iteration order.
	if dontsort && o != nil && o.typ == objSet && storekey != nil {
		dontsort, alpha, sortby = false, true, nil
	}
	if o != nil && o.typ == objZset {
		// sortCommandGeneric converts a listpack sorted set to a skiplist
		// first, for good (zsetConvert).
		o.ptr.(*zset).lp = false
	}

	vectorlen := 0
	if o != nil {
		switch o.typ {
		case objList:
			vectorlen = o.ptr.(*list).len()
		case objSet:
			vectorlen = o.ptr.(*set).len()
		case objZset:
			vectorlen = o.ptr.(*zset).len()
		}
	}
	start := max(limitStart, 0)
	end := int64(vectorlen) - 1
	if limitCount >= 0 {
		end = start + limitCount - 1
	}
	if start >= int64(vectorlen) {
		start, end = int64(vectorlen)-1, int64(vectorlen)-2
	}
	end = min(end, int64(vectorlen)-1)

	vector := s.sortVector(o, dontsort, desc, &start, &end)

	conversionError := false
	if !dontsort {
		for i := range vector {
			byval := vector[i].obj
			if sortby != nil {
				v, found := s.lookupKeyByPattern(sortby, vector[i].obj)
				if !found {
					continue
				}
				byval = v
			}
			if alpha {
				if sortby != nil {
					vector[i].cmpobj, vector[i].hasCmp = byval, true
				}
				continue
			}
			// strtod's end pointer must reach the string's NUL: ""
			// reads as 0, trailing bytes are an error.
			v, n, erange := strtod(byval)
			if (n < len(byval) && byval[n] != 0) || erange || math.IsNaN(v) {
				conversionError = true
			}
			vector[i].score = v
		}
		// A stable sort, as glibc's qsort (a merge sort) is: elements
		// that compare equal, which only ALPHA with BY allows, keep their
		// input order. Redis's pqsort, which it uses for BY with a LIMIT,
		// leaves such ties in an order of its own that this does not copy.
		cmp := sortCompare(alpha, sortby != nil, storekey != nil, desc)
		slices.SortStableFunc(vector, cmp)
	}

	getop := int64(len(gets))
	outputlen := end - start + 1
	if getop > 0 {
		outputlen *= getop
	}
	switch {
	case conversionError:
		c.AddReplyError("One or more scores can't be converted into double")
	case storekey == nil:
		c.AddReplyArrayLen(int(outputlen))
		for j := start; j <= end; j++ {
			if getop == 0 {
				c.AddReplyBulk(vector[j].obj)
			}
			for _, pat := range gets {
				if v, found := s.lookupKeyByPattern(pat, vector[j].obj); found {
					c.AddReplyBulk(v)
				} else {
					c.AddReplyNull()
				}
			}
		}
	default:
		l := &list{}
		l.reserve(int(max(outputlen, 0)))
		for j := start; j <= end; j++ {
			if getop == 0 {
				l.pushBack(append([]byte(nil), vector[j].obj...))
			}
			for _, pat := range gets {
				v, _ := s.lookupKeyByPattern(pat, vector[j].obj)
				l.pushBack(append([]byte(nil), v...))
			}
		}
		if outputlen > 0 {
			s.storeValue(storekey, objList, l, notifyList, "sortstore")
		} else {
			s.deleteIfExists(storekey)
		}
		c.AddReplyInt(outputlen)
	}
}

// sortVector loads the elements to sort. With nothing to sort by (a
// constant BY), a list or sorted set gives just the LIMIT range, in its
// own order (reversed by DESC), and start and end are made relative to
// it, as sortCommandGeneric does.
func (s *server) sortVector(o *robj, dontsort, desc bool, start, end *int64) []sortObject {
	if o == nil {
		return nil
	}
	switch o.typ {
	case objList:
		l := o.ptr.(*list)
		if dontsort {
			if *end < *start {
				return nil
			}
			n := *end - *start + 1
			vector := make([]sortObject, 0, n)
			for k := int64(0); k < n; k++ {
				i := *start + k
				if desc {
					i = int64(l.len()) - *start - 1 - k
				}
				vector = append(vector, sortObject{obj: l.at(int(i))})
			}
			*end -= *start
			*start = 0
			return vector
		}
		vector := make([]sortObject, l.len())
		for i := range vector {
			vector[i].obj = l.at(i)
		}
		return vector
	case objSet:
		members := o.ptr.(*set).ordered()
		vector := make([]sortObject, len(members))
		for i, m := range members {
			vector[i].obj = []byte(m)
		}
		return vector
	case objZset:
		zs := o.ptr.(*zset)
		if dontsort {
			if *end < *start {
				*end -= *start
				*start = 0
				return nil
			}
			n := *end - *start + 1
			var x *zslNode
			if desc {
				x = zs.zsl.tail
				if *start > 0 {
					x = zs.zsl.byRank(zs.len() - int(*start))
				}
			} else {
				x = zs.zsl.first()
				if *start > 0 {
					x = zs.zsl.byRank(int(*start) + 1)
				}
			}
			vector := make([]sortObject, 0, n)
			for ; n > 0; n-- {
				vector = append(vector, sortObject{obj: []byte(x.ele)})
				if desc {
					x = x.backward
				} else {
					x = x.level[0].forward
				}
			}
			*end -= *start
			*start = 0
			return vector
		}
		vector := make([]sortObject, 0, zs.len())
		for x := zs.zsl.first(); x != nil; x = x.level[0].forward {
			vector = append(vector, sortObject{obj: []byte(x.ele)})
		}
		return vector
	}
	return nil
}

// sortCompare is sortCompare under the server.sort_* flags of one SORT.
// Numbers that compare equal fall back to the elements' bytes, so the
// order is total. ALPHA compares with strcoll, which in the C locale
// Redis runs in is the bytes up to a NUL; with STORE it is the whole
// strings, as compareStringObjects.
func sortCompare(alpha, bypattern, store, desc bool) func(a, b sortObject) int {
	coll := func(x, y []byte) int {
		if store {
			return bytes.Compare(x, y)
		}
		return bytes.Compare(cString(x), cString(y))
	}
	return func(a, b sortObject) int {
		var cmp int
		switch {
		case !alpha:
			switch {
			case a.score > b.score:
				cmp = 1
			case a.score < b.score:
				cmp = -1
			default:
				cmp = bytes.Compare(a.obj, b.obj)
			}
		case bypattern:
			switch {
			case !a.hasCmp || !b.hasCmp:
				switch {
				case a.hasCmp == b.hasCmp:
					cmp = 0
				case !a.hasCmp:
					cmp = -1
				default:
					cmp = 1
				}
			default:
				cmp = coll(a.cmpobj, b.cmpobj)
			}
		default:
			cmp = coll(a.obj, b.obj)
		}
		if desc {
			return -cmp
		}
		return cmp
	}
}

// cString is b up to its first NUL, as C's string functions see it.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// lookupKeyByPattern is lookupKeyByPattern: "#" is the element itself;
// otherwise the first '*' of pattern is replaced by the element and the
// key read, a string, or with "->field" after the '*' that field of a
// hash. found is false when there is no '*', no key, or the wrong type.
func (s *server) lookupKeyByPattern(pattern, subst []byte) (val []byte, found bool) {
	if len(pattern) > 0 && pattern[0] == '#' && (len(pattern) == 1 || pattern[1] == 0) {
		return subst, true
	}
	p := bytes.IndexByte(cString(pattern), '*')
	if p < 0 {
		return nil, false
	}
	fieldlen := 0
	var field []byte
	if f := bytes.Index(cString(pattern[p+1:]), []byte("->")); f >= 0 {
		f += p + 1
		if f+2 < len(pattern) && pattern[f+2] != 0 {
			fieldlen = len(pattern) - f - 2
			field = pattern[f+2:]
		}
	}
	postfixlen := len(pattern) - (p + 1)
	if fieldlen > 0 {
		postfixlen -= fieldlen + 2
	}
	key := make([]byte, 0, p+len(subst)+postfixlen)
	key = append(key, pattern[:p]...)
	key = append(key, subst...)
	key = append(key, pattern[p+1:p+1+postfixlen]...)
	o := s.lookupRead(key)
	if o == nil {
		return nil, false
	}
	if field != nil {
		if o.typ != objHash {
			return nil, false
		}
		return o.ptr.(*hash).get(field)
	}
	if o.typ != objString {
		return nil, false
	}
	return o.str, true
}
