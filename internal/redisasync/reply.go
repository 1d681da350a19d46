package redisasync

import (
	"strconv"
	"unsafe"
)

// Type is a reply's type (REDIS_REPLY_*), with hiredis's values.
type Type uint8

// Reply types (REDIS_REPLY_STRING ... REDIS_REPLY_VERB). RESP2 has
// String, Array, Integer, Nil, Status and Error; the others are RESP3's.
const (
	TypeString  Type = 1  // bulk string, "$" (REDIS_REPLY_STRING)
	TypeArray   Type = 2  // "*" (REDIS_REPLY_ARRAY)
	TypeInteger Type = 3  // ":" (REDIS_REPLY_INTEGER)
	TypeNil     Type = 4  // "$-1", "*-1" or RESP3's "_" (REDIS_REPLY_NIL)
	TypeStatus  Type = 5  // simple string, "+" (REDIS_REPLY_STATUS)
	TypeError   Type = 6  // "-" (REDIS_REPLY_ERROR)
	TypeDouble  Type = 7  // "," (REDIS_REPLY_DOUBLE): the text in Str, see Float
	TypeBool    Type = 8  // "#" (REDIS_REPLY_BOOL): Integer is 0 or 1
	TypeMap     Type = 9  // "%" (REDIS_REPLY_MAP): Elements key, value, key, value...
	TypeSet     Type = 10 // "~" (REDIS_REPLY_SET)
	TypePush    Type = 12 // ">" (REDIS_REPLY_PUSH)
	TypeBigNum  Type = 13 // "(" (REDIS_REPLY_BIGNUM): the digits in Str
	TypeVerb    Type = 14 // "=" (REDIS_REPLY_VERB): the format in VType, the text in Str
)

var typeNames = [...]string{
	TypeString: "string", TypeArray: "array", TypeInteger: "integer", TypeNil: "nil",
	TypeStatus: "status", TypeError: "error", TypeDouble: "double", TypeBool: "bool",
	TypeMap: "map", TypeSet: "set", 11: "attribute", TypePush: "push", TypeBigNum: "bignum",
	TypeVerb: "verbatim",
}

// String names the type.
func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// Reply is one reply (redisReply). It and everything it points to (Str,
// Elements and their replies) belong to the reader and are valid only
// until the callback it is given to returns, as hiredis frees a reply
// after its callback: copy what must be kept (string(r.Str), ...). Str
// points into the reader's input buffer; it must not be written to.
type Reply struct {
	Type     Type
	VType    [3]byte  // TypeVerb's format ("txt", "mkd")
	Integer  int64    // TypeInteger; TypeBool as 0 or 1
	Str      []byte   // TypeString, TypeStatus, TypeError, TypeDouble, TypeBigNum, TypeVerb
	Elements []*Reply // TypeArray, TypeMap, TypeSet, TypePush
}

// Text returns Str as a string, a copy that may be kept.
func (r *Reply) Text() string { return string(r.Str) }

// Float parses a TypeDouble's text (hiredis's dval), and also a bulk
// string holding a number.
func (r *Reply) Float() (float64, error) {
	return strconv.ParseFloat(unsafeString(r.Str), 64)
}

// IsError reports whether r is an error reply.
func (r *Reply) IsError() bool { return r != nil && r.Type == TypeError }

// String formats r for tests and logs: a status or string as its text
// quoted, an error as "(error) ...", an integer in decimal, nil as
// "(nil)", aggregates in brackets.
func (r *Reply) String() string {
	return string(r.appendTo(nil))
}

func (r *Reply) appendTo(b []byte) []byte {
	if r == nil {
		return append(b, "<no reply>"...)
	}
	switch r.Type {
	case TypeString, TypeStatus, TypeDouble, TypeBigNum, TypeVerb:
		return strconv.AppendQuote(b, unsafeString(r.Str))
	case TypeError:
		return append(append(b, "(error) "...), r.Str...)
	case TypeInteger:
		return strconv.AppendInt(b, r.Integer, 10)
	case TypeBool:
		return strconv.AppendBool(b, r.Integer != 0)
	case TypeNil:
		return append(b, "(nil)"...)
	default:
		b = append(b, '[')
		for i, e := range r.Elements {
			if i > 0 {
				b = append(b, ' ')
			}
			b = e.appendTo(b)
		}
		return append(b, ']')
	}
}

func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
