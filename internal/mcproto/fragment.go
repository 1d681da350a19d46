package mcproto

import "strconv"

// AppendRetrieval appends a retrieval line for keys to dst and returns the
// extended slice: "get k1 k2\r\n", "gets ...", or for gat and gats the
// exptime first ("gat 100 k1\r\n"). A proxy uses it to split a multi-key
// request by server (twemproxy's fragmenting of get/gets): parse the
// client's line, group its Keys by server, and send each server the line
// built from its group. kind must satisfy IsRetrieval and keys must not be
// empty (memcached answers a get without keys with ERROR).
func AppendRetrieval(dst []byte, kind Kind, exptime int32, keys [][]byte) []byte {
	if !kind.IsRetrieval() {
		panic("mcproto: AppendRetrieval with " + kind.String())
	}
	dst = append(dst, kind.String()...)
	if kind == KindGat || kind == KindGats {
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, int64(exptime), 10)
	}
	for _, k := range keys {
		dst = append(dst, ' ')
		dst = append(dst, k...)
	}
	return append(dst, '\r', '\n')
}
