package mcproto

import (
	"fmt"
	"strings"
	"unsafe"
)

// summary renders one result of Parse as a short, readable string, so that
// tests can state what they expect in one line: "set key=k flags=5
// bytes=3", "error=ERROR", "error=CLIENT_ERROR bad command line format
// noreply", "close", "close=CLIENT_ERROR line too long".
func summary(req *Request, err error) string {
	if err != nil {
		e := err.(*Error)
		if e.Close {
			if e.Reply == "" {
				return "close"
			}
			return "close=" + strings.TrimSuffix(e.Reply, "\r\n")
		}
		s := "error=" + strings.TrimSuffix(e.Reply, "\r\n")
		if req != nil && req.NoReply {
			s += " noreply"
		}
		return s
	}
	if req == nil {
		return "need-more"
	}
	var b strings.Builder
	b.WriteString(req.Kind.String())
	if req.Kind.IsRetrieval() {
		fmt.Fprintf(&b, " keys=%q", req.Keys)
	} else if req.Key != nil {
		fmt.Fprintf(&b, " key=%q", req.Key)
		if len(req.Keys) != 1 || string(req.Keys[0]) != string(req.Key) {
			fmt.Fprintf(&b, " keys=%q", req.Keys)
		}
	}
	if req.Flags != 0 {
		fmt.Fprintf(&b, " flags=%d", req.Flags)
	}
	if req.Exptime != 0 {
		fmt.Fprintf(&b, " exptime=%d", req.Exptime)
	}
	if req.HasDelay {
		b.WriteString(" delay")
	}
	if req.Kind.IsStorage() {
		fmt.Fprintf(&b, " bytes=%d", req.Bytes)
	}
	if req.CAS != 0 {
		fmt.Fprintf(&b, " cas=%d", req.CAS)
	}
	if req.Delta != 0 {
		fmt.Fprintf(&b, " delta=%d", req.Delta)
	}
	if req.Level != 0 {
		fmt.Fprintf(&b, " level=%d", req.Level)
	}
	if req.NoReply {
		b.WriteString(" noreply")
	}
	if req.Args != nil {
		fmt.Fprintf(&b, " args=%q", req.Args)
	}
	if req.Kind.IsMeta() {
		m := &req.Meta
		if string(m.RawKey) != string(req.Key) {
			fmt.Fprintf(&b, " raw=%q", m.RawKey)
		}
		if len(m.Flags) > 0 {
			toks := make([]string, len(m.Flags))
			for i, f := range m.Flags {
				toks[i] = string(f.Token)
			}
			fmt.Fprintf(&b, " flags=[%s]", strings.Join(toks, " "))
		}
		for _, v := range []struct {
			name string
			v    any
			zero bool
		}{
			{"ttl", m.TTL, m.TTL == 0},
			{"vivify", m.Vivify, m.Vivify == 0},
			{"recache", m.Recache, m.Recache == 0},
			{"client-flags", m.ClientFlags, m.ClientFlags == 0},
			{"compare-cas", m.CompareCAS, m.CompareCAS == 0},
			{"initial", m.Initial, m.Initial == 0},
			{"delta", m.Delta, m.Delta == 0 || m.Delta == 1 && req.Kind == KindMetaArithmetic},
		} {
			if !v.zero {
				fmt.Fprintf(&b, " %s=%v", v.name, v.v)
			}
		}
		if m.Mode != 0 {
			fmt.Fprintf(&b, " mode=%c", m.Mode)
		}
		if m.Opaque != nil {
			fmt.Fprintf(&b, " opaque=%s", m.Opaque)
		}
	}
	return b.String()
}

// refuseOver is the item size the test driver refuses, as a server with a
// tiny -I would: a storage request announcing more bytes is answered "too
// large" and its data block swallowed.
const refuseOver = 64

// drive plays a server's read loop over in, fed chunk bytes at a time into
// a buffer of pending input (chunk <= 0: all at once), and returns what
// happened, one string per event: the summary of each parsed request or
// refused line, "value=..." or "value error=..." for each data block taken
// with Data, "too large" when the driver refuses an item (and swallows its
// block), and "need-more" once at the end if input is left pending. It
// stops at a closing error.
func drive(p *Parser, in []byte, chunk int) []string {
	var events []string
	var pending []byte
	dataLen := -1 // the data block being waited for, if >= 0
	for off := 0; ; {
		if chunk <= 0 {
			chunk = len(in) + 1
		}
		end := min(off+chunk, len(in))
		pending = append(pending, in[off:end]...)
		off = end
		for {
			if dataLen >= 0 {
				value, n, err := Data(pending, dataLen)
				if n == 0 {
					break
				}
				if err != nil {
					events = append(events, "value "+summary(nil, err))
				} else {
					events = append(events, fmt.Sprintf("value=%q", value))
				}
				pending = pending[n:]
				dataLen = -1
				continue
			}
			req, n, err := p.Parse(pending)
			if err != nil && err.(*Error).Close {
				return append(events, summary(nil, err))
			}
			if req == nil && err == nil {
				if n == 0 {
					break
				}
				pending = pending[n:] // swallowed
				continue
			}
			events = append(events, summary(req, err))
			if err == nil && req.Kind.IsStorage() {
				if req.Bytes > refuseOver {
					events = append(events, "too large")
					p.Swallow(int64(req.Bytes) + 2)
				} else {
					dataLen = req.Bytes
				}
			}
			pending = pending[n:]
		}
		if off == len(in) {
			break
		}
	}
	if len(pending) > 0 || dataLen >= 0 || p.Swallowing() > 0 {
		events = append(events, "need-more")
	}
	return events
}

// within reports whether the memory of a lies within that of buf.
func within(a, buf []byte) bool {
	if len(a) == 0 {
		return true
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(a)))
	return p >= base && p+uintptr(len(a)) <= base+uintptr(len(buf))
}
