package main

import (
	"bytes"
	"fmt"
)

// Decoding happens in two steps, as in Redis:
//
//  1. clusterReadHandler frames the stream: it reads the 8-byte prefix,
//     closes the link on a bad sig or a totlen below HeaderLen, then reads
//     until totlen bytes are in. NextReadLen and FrameLen are that step.
//  2. clusterProcessPacket checks the complete message and drops it, link
//     kept, if ver or a length is wrong. Decode is that step.
//
// Every Drop keeps the link usable: on the Debian binary a valid PING
// sent right after any dropped message still gets its PONG
// (TestMalformedAgainstRedis). Whether the sender is known, in
// handshake, and so on is the node's business, not the codec's.

// Verdict is what a receiver does with a message that fails a check.
type Verdict uint8

const (
	// Drop: ignore the message and keep the link, as when
	// clusterProcessPacket returns 1 before processing (with a WARNING
	// log for length errors, silently for a wrong ver).
	Drop Verdict = 1
	// Close: free the link, as clusterReadHandler does on a bad prefix
	// (handleLinkIOError). Nothing after the bad prefix can be framed.
	Close Verdict = 2
)

func (v Verdict) String() string {
	switch v {
	case Drop:
		return "drop"
	case Close:
		return "close"
	}
	return fmt.Sprintf("Verdict(%d)", uint8(v))
}

// DecodeError is a failed check: what to do (Verdict) and why, in words
// close to Redis's log line.
type DecodeError struct {
	Verdict Verdict
	Type    MsgType // the message's type, once known
	Reason  string
}

func (e *DecodeError) Error() string {
	return "clusterbus: " + e.Reason + " (" + e.Verdict.String() + ")"
}

// ShouldClose reports whether err asks for the link to be closed: a
// DecodeError with Verdict Close. Any other error, Drop included, keeps
// the link.
func ShouldClose(err error) bool {
	de, ok := err.(*DecodeError)
	return ok && de.Verdict == Close
}

func closeErr(format string, args ...any) error {
	return &DecodeError{Verdict: Close, Reason: fmt.Sprintf(format, args...)}
}

func dropErr(t MsgType, format string, args ...any) error {
	return &DecodeError{Verdict: Drop, Type: t, Reason: fmt.Sprintf(format, args...)}
}

// FrameLen checks the first FramePrefixLen bytes of a message as
// clusterReadHandler does once it has 8 bytes, and returns totlen. The
// error (Verdict Close) means: close the link. Redis closes it when the
// sig is not "RCmb" or totlen < HeaderLen; we also close it when totlen
// > MaxMessageLen, a bound Redis does not have.
func FrameLen(prefix []byte) (int, error) {
	if len(prefix) < FramePrefixLen {
		return 0, closeErr("frame prefix of %d bytes, need %d", len(prefix), FramePrefixLen)
	}
	n := be32(prefix[offTotLen:])
	if string(prefix[:4]) != sig || n < HeaderLen {
		return 0, closeErr("Bad message length or signature received from Cluster bus.")
	}
	if n > MaxMessageLen {
		return 0, closeErr("message length %d above the limit of %d", n, MaxMessageLen)
	}
	return int(n), nil
}

// NextReadLen tells the reader how many bytes to read next for the
// message whose first len(buf) bytes it holds, as clusterReadHandler
// computes readlen: 8 - len(buf) until the prefix is in, then
// min(totlen - len(buf), ReadChunkLen). It returns 0 when buf holds the
// whole message, which then goes to Decode. Reading at most this much,
// and appending only what was read, grows the buffer only as bytes
// arrive, whatever totlen claims. An error (Verdict Close) means the
// prefix is bad: close the link.
func NextReadLen(buf []byte) (int, error) {
	if len(buf) < FramePrefixLen {
		return FramePrefixLen - len(buf), nil
	}
	n, err := FrameLen(buf)
	if err != nil {
		return 0, err
	}
	if len(buf) > n {
		return 0, closeErr("buffer of %d bytes holds more than totlen %d", len(buf), n)
	}
	return min(n-len(buf), ReadChunkLen), nil
}

// Decode checks and decodes one complete message, exactly totlen bytes,
// as the Debian redis-server 7.0.15 checks it in clusterProcessPacket
// (see checkMessage). The result aliases msg (extension data, PUBLISH
// channel and message, MODULE and unknown payloads): the node handles it
// before reusing the buffer, as Redis does with its rcvbuf.
//
// A *DecodeError says whether to drop the message or close the link.
// Decode never reads past len(msg), never panics, and allocates a
// Message plus arrays for the gossip entries and extensions whose sizes
// were checked against totlen: O(len(msg)), nothing but the error when
// the message is rejected.
func Decode(msg []byte) (*Message, error) {
	nexts, err := checkMessage(msg)
	if err != nil {
		return nil, err
	}
	m := new(Message)
	fill(m, msg, nexts)
	return m, nil
}

// DecodeInto is Decode into m, reusing m.Gossip's and m.Exts's arrays:
// it allocates nothing when they are large enough. On error m is not
// modified.
func DecodeInto(m *Message, msg []byte) error {
	nexts, err := checkMessage(msg)
	if err != nil {
		return err
	}
	fill(m, msg, nexts)
	return nil
}

// checkMessage runs clusterReadHandler's frame check and
// clusterProcessPacket's checks, in Redis's order, and returns the number
// of extensions to decode. Every failure but the frame check is Drop:
//
//   - frame: sig "RCmb", HeaderLen <= totlen <= MaxMessageLen, and
//     totlen == len(msg) (Close; Decode is given framed messages).
//   - ver == ProtoVer (Redis drops silently).
//   - PING, PONG, MEET: HeaderLen + count*GossipLen <= totlen (Debian's
//     CVE-2026-21863 check, before anything else). If mflags[0] has
//     EXT_DATA, for each of the header's extensions: its 8-byte header
//     lies within totlen (Debian); its length, cut to 16 bits as Redis's
//     uint16_t does, is a multiple of 8 and not 0 (the 0 is Debian's)
//     and lies within totlen; a hostname extension has a NUL within that
//     length (Debian); and, ours, only the last extension may have a
//     length over 65535. Then totlen == HeaderLen + count*GossipLen +
//     the extension lengths. Without EXT_DATA the extensions count is not
//     looked at, as in Redis, and no extension is decoded.
//   - FAIL: totlen == 2296. FAILOVER_AUTH_REQUEST, FAILOVER_AUTH_ACK,
//     MFSTART: 2256. UPDATE: 4352.
//   - PUBLISH, PUBLISHSHARD: totlen == 2264 + channel_len + message_len.
//     MODULE: totlen == 2269 + len. Redis sums in 32 bits and reads the
//     lengths even past a short packet, so a sum that wraps around to
//     totlen passes its check and it later reads past the packet; we
//     compute in 64 bits and drop such a message.
//   - any other type: any totlen (Redis accepts it, logs "Received
//     unknown packet type", and ignores it).
func checkMessage(msg []byte) (nexts int, err error) {
	n, err := FrameLen(msg)
	if err != nil {
		return 0, err
	}
	if n != len(msg) {
		return 0, closeErr("message of %d bytes but totlen %d", len(msg), n)
	}
	t := MsgType(be16(msg[offType:]))
	if v := be16(msg[offVer:]); v != ProtoVer {
		return 0, dropErr(t, "Received %s packet of version %d, expected %d", t, v, ProtoVer)
	}

	// explen as clusterProcessPacket computes it, in 64 bits.
	var explen uint64
	switch {
	case t.isPing():
		count := be16(msg[offCount:])
		explen = HeaderLen + GossipLen*uint64(count)
		if explen > uint64(n) {
			return 0, dropErr(t, "Received invalid %s packet with gossip count %d that exceeds total packet length (%d)", t, count, n)
		}
		if msg[offMFlags]&MFlag0ExtData != 0 {
			nexts = int(be16(msg[offExtensions:]))
			for i := 0; i < nexts; i++ {
				l, err := checkExt(t, msg, int(explen), i, nexts)
				if err != nil {
					return 0, err
				}
				explen += uint64(l)
			}
		}
	case t == TypeFail:
		explen = HeaderLen + FailLen
	case t == TypePublish || t == TypePublishShard:
		if n < HeaderLen+PublishHdrLen {
			return 0, lenErr(t, n, HeaderLen+PublishHdrLen)
		}
		explen = HeaderLen + PublishHdrLen + uint64(be32(msg[offData:])) + uint64(be32(msg[offData+4:]))
	case t == TypeFailoverAuthRequest || t == TypeFailoverAuthAck || t == TypeMFStart:
		explen = HeaderLen
	case t == TypeUpdate:
		explen = HeaderLen + UpdateLen
	case t == TypeModule:
		if n < HeaderLen+ModuleHdrLen {
			return 0, lenErr(t, n, HeaderLen+ModuleHdrLen)
		}
		explen = HeaderLen + ModuleHdrLen + uint64(be32(msg[offData+8:]))
	default:
		explen = uint64(n) // "We don't know this type of packet, so we assume it's well formed."
	}
	if explen != uint64(n) {
		return 0, lenErr(t, n, explen)
	}
	return nexts, nil
}

// fill decodes a message checkMessage accepted.
func fill(m *Message, msg []byte, nexts int) {
	// Capacity cut at totlen: an append to a decoded slice must not
	// overwrite whatever follows the message in the caller's buffer.
	msg = msg[:len(msg):len(msg)]
	t := MsgType(be16(msg[offType:]))
	decodeHeader(&m.Header, msg)
	m.Gossip, m.Exts = m.Gossip[:0], m.Exts[:0]
	m.Fail, m.Publish, m.Update, m.Module, m.Payload = Fail{}, Publish{}, Update{}, Module{}, nil
	d := msg[offData:]
	switch {
	case t.isPing():
		count := int(m.Count)
		m.Gossip = resize(m.Gossip, count)
		for i := range m.Gossip {
			decodeGossip(&m.Gossip[i], d)
			d = d[GossipLen:]
		}
		// nexts <= (totlen - HeaderLen)/8: each was checked to be >= 8 bytes.
		m.Exts = resize(m.Exts, nexts)
		for i := range m.Exts {
			l := extLenAt(d, 0)
			m.Exts[i] = Extension{
				Type:   ExtType(be16(d[4:])),
				Unused: be16(d[6:]),
				Data:   d[ExtHeaderLen:l:l],
			}
			d = d[l:]
		}
	case t == TypeFail:
		copy(m.Fail.NodeName[:], d)
	case t == TypePublish || t == TypePublishShard:
		cl := be32(d)
		rest := d[PublishHdrLen:]
		m.Publish.Channel = rest[:cl:cl]
		m.Publish.Message = rest[cl:]
	case t == TypeUpdate:
		m.Update.ConfigEpoch = be64(d)
		copy(m.Update.NodeName[:], d[8:])
		copy(m.Update.Slots[:], d[8+NameLen:])
	case t == TypeModule:
		copy(m.Module.ModuleID[:], d)
		m.Module.Type = d[12]
		m.Module.Payload = d[ModuleHdrLen:]
	case t == TypeFailoverAuthRequest || t == TypeFailoverAuthAck || t == TypeMFStart:
		// Header only.
	default:
		m.Payload = d
	}
}

// extLenAt is the length of the extension at off as the 7.0 extension
// loop sees it: clusterProcessPacket stores the u32 length field in a
// uint16_t, so 65552 reads as 16 (the Debian binary accepts such an
// extension, observed).
func extLenAt(msg []byte, off int) int { return int(be32(msg[off:]) & 0xffff) }

// resize returns s with length n, reusing its array if large enough, else
// a new one of exactly n: Decode's allocations stay proportional to the
// counts it checked against totlen (slices.Grow would round up).
func resize[E any](s []E, n int) []E {
	if cap(s) < n {
		return make([]E, n)
	}
	return s[:n]
}

// checkExt checks extension i of nexts, at offset off of a PING/PONG/MEET
// whose EXT_DATA flag is set, as the extension loop of the Debian
// binary's clusterProcessPacket does, and returns its length.
func checkExt(t MsgType, msg []byte, off, i, nexts int) (int, error) {
	n := len(msg)
	// Debian: the extension header itself must be inside the packet
	// (upstream reads it wherever it is).
	if n-off < ExtHeaderLen {
		return 0, dropErr(t, "Received invalid %s packet with extension data that exceeds total packet length (%d)", t, n)
	}
	l := extLenAt(msg, off)
	// Debian adds the zero check: upstream loops on a zero length.
	if l%8 != 0 || l == 0 {
		return 0, dropErr(t, "Received a %s packet without proper padding (%d bytes)", t, l)
	}
	if n-off < l {
		return 0, dropErr(t, "Received invalid %s packet with extension data that exceeds total packet length (%d)", t, n)
	}
	// Debian: the hostname is read with strlen, so it must hold a NUL
	// within the (16-bit) length. Other types are not checked (observed:
	// a type 1 without NUL is accepted).
	if et := ExtType(be16(msg[off+4:])); et == ExtHostname {
		if bytes.IndexByte(msg[off+ExtHeaderLen:off+l], 0) < 0 {
			return 0, dropErr(t, "Received %s packet with missing null terminator in extension type %d", t, et)
		}
	}
	// Ours: Redis steps to the next extension by the full 32-bit length,
	// past the bytes it just checked, and reads whatever is there (the
	// binary read outside the packet, observed). Only the last extension
	// can safely carry a length over 65535; elsewhere we drop.
	if i < nexts-1 && be32(msg[off:]) > 0xffff {
		return 0, dropErr(t, "Received %s packet with extension length %d over 65535 before its last extension", t, be32(msg[off:]))
	}
	return l, nil
}

func lenErr(t MsgType, n int, explen uint64) error {
	return dropErr(t, "Received invalid %s packet of length %d but expected length %d", t, n, explen)
}

// decodeHeader reads the 2256-byte header at the start of b.
func decodeHeader(h *Header, b []byte) {
	h.TotLen = be32(b[offTotLen:])
	h.Ver = be16(b[offVer:])
	h.Port = be16(b[offPort:])
	h.Type = MsgType(be16(b[offType:]))
	h.Count = be16(b[offCount:])
	h.CurrentEpoch = be64(b[offCurrentEpoch:])
	h.ConfigEpoch = be64(b[offConfigEpoch:])
	h.Offset = be64(b[offOffset:])
	copy(h.Sender[:], b[offSender:])
	copy(h.MySlots[:], b[offMySlots:])
	copy(h.SlaveOf[:], b[offSlaveOf:])
	copy(h.MyIP[:], b[offMyIP:])
	h.Extensions = be16(b[offExtensions:])
	copy(h.NotUsed1[:], b[offNotUsed1:])
	h.PPort = be16(b[offPPort:])
	h.CPort = be16(b[offCPort:])
	h.Flags = NodeFlags(be16(b[offFlags:]))
	h.State = b[offState]
	copy(h.MFlags[:], b[offMFlags:])
}

// decodeGossip reads the 104-byte gossip entry at the start of d.
func decodeGossip(g *Gossip, d []byte) {
	copy(g.NodeName[:], d)
	g.PingSent = be32(d[gOffPingSent:])
	g.PongReceived = be32(d[gOffPongReceived:])
	copy(g.IP[:], d[gOffIP:])
	g.Port = be16(d[gOffPort:])
	g.CPort = be16(d[gOffCPort:])
	g.Flags = NodeFlags(be16(d[gOffFlags:]))
	g.PPort = be16(d[gOffPPort:])
	g.NotUsed1 = be16(d[gOffNotUsed1:])
}
