package main

import (
	"encoding/binary"
	"math"
	"slices"
)

// Offsets in clusterMsg, static-asserted in src/cluster.h @ 7.0.15.
const (
	offSig          = 0
	offTotLen       = 4
	offVer          = 8
	offPort         = 10
	offType         = 12
	offCount        = 14
	offCurrentEpoch = 16
	offConfigEpoch  = 24
	offOffset       = 32
	offSender       = 40
	offMySlots      = 80
	offSlaveOf      = 2128
	offMyIP         = 2168
	offExtensions   = 2214
	offNotUsed1     = 2216
	offPPort        = 2246
	offCPort        = 2248
	offFlags        = 2250
	offState        = 2252
	offMFlags       = 2253
	offData         = HeaderLen
)

// Offsets in clusterMsgDataGossip.
const (
	gOffPingSent     = 40
	gOffPongReceived = 44
	gOffIP           = 48
	gOffPort         = 94
	gOffCPort        = 96
	gOffFlags        = 98
	gOffPPort        = 100
	gOffNotUsed1     = 102
)

// sig is clusterMsg.sig, "RCmb" (Redis Cluster message bus).
const sig = "RCmb"

// maxExtLen is the longest extension a 7.0 receiver validates correctly:
// clusterProcessPacket reads the u32 length into a uint16_t.
const maxExtLen = math.MaxUint16 &^ 7

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }
func be64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

func put16(b []byte, v uint16) { binary.BigEndian.PutUint16(b, v) }
func put32(b []byte, v uint32) { binary.BigEndian.PutUint32(b, v) }
func put64(b []byte, v uint64) { binary.BigEndian.PutUint64(b, v) }

// extLen is the length field AppendMessage writes for e: the 8-byte
// header plus the payload rounded up to 8 (EIGHT_BYTE_ALIGN).
func extLen(e *Extension) int { return ExtHeaderLen + (len(e.Data)+7)&^7 }

// MessageLen returns the totlen AppendMessage writes for m: the explen
// clusterProcessPacket expects for m.Type.
func MessageLen(m *Message) int {
	switch t := m.Type; {
	case t.isPing():
		n := HeaderLen + GossipLen*len(m.Gossip)
		for i := range m.Exts {
			n += extLen(&m.Exts[i])
		}
		return n
	case t == TypeFail:
		return HeaderLen + FailLen
	case t == TypePublish || t == TypePublishShard:
		return HeaderLen + PublishHdrLen + len(m.Publish.Channel) + len(m.Publish.Message)
	case t == TypeUpdate:
		return HeaderLen + UpdateLen
	case t == TypeModule:
		return HeaderLen + ModuleHdrLen + len(m.Module.Payload)
	case t == TypeFailoverAuthRequest || t == TypeFailoverAuthAck || t == TypeMFStart:
		return HeaderLen
	default:
		return HeaderLen + len(m.Payload)
	}
}

// AppendMessage appends m to dst as Redis 7.0 lays it out
// (clusterBuildMessageHdr, clusterSetGossipEntry, writeHostnamePingExt,
// clusterSendFail, clusterSendPublish, clusterSendUpdate,
// clusterSendModule), big-endian, and returns the extended slice. It
// allocates nothing when dst has MessageLen(m) bytes of spare capacity.
//
// The writer computes what Redis computes: totlen; for PING, PONG and
// MEET, count = len(m.Gossip), extensions = len(m.Exts), and the
// EXT_DATA mflag whenever there are extensions (without it a 7.0
// receiver does not check them). Everything else is written as given,
// so a decoded message is re-encoded byte for byte.
//
// AppendMessage panics on a message no 7.0 node could read: more than
// 65535 gossip entries or extensions, an extension longer than 65528
// bytes (the receiver truncates lengths to 16 bits), or totlen beyond 32
// bits.
func AppendMessage(dst []byte, m *Message) []byte {
	h := &m.Header
	count, exts, mflags0 := h.Count, h.Extensions, h.MFlags[0]
	if h.Type.isPing() {
		if len(m.Gossip) > math.MaxUint16 || len(m.Exts) > math.MaxUint16 {
			panic("clusterbus: more than 65535 gossip entries or extensions")
		}
		count, exts = uint16(len(m.Gossip)), uint16(len(m.Exts))
		if exts > 0 {
			mflags0 |= MFlag0ExtData
		}
	}
	n := MessageLen(m)
	if uint64(n) > math.MaxUint32 {
		panic("clusterbus: message longer than 4 GiB")
	}
	start := len(dst)
	dst = slices.Grow(dst, n)[:start+n]
	b := dst[start:]
	clear(b) // padding and unused fields are zero

	copy(b[offSig:], sig)
	put32(b[offTotLen:], uint32(n))
	ver := h.Ver
	if ver == 0 {
		ver = ProtoVer
	}
	put16(b[offVer:], ver)
	put16(b[offPort:], h.Port)
	put16(b[offType:], uint16(h.Type))
	put16(b[offCount:], count)
	put64(b[offCurrentEpoch:], h.CurrentEpoch)
	put64(b[offConfigEpoch:], h.ConfigEpoch)
	put64(b[offOffset:], h.Offset)
	copy(b[offSender:], h.Sender[:])
	copy(b[offMySlots:], h.MySlots[:])
	copy(b[offSlaveOf:], h.SlaveOf[:])
	copy(b[offMyIP:], h.MyIP[:])
	put16(b[offExtensions:], exts)
	copy(b[offNotUsed1:], h.NotUsed1[:])
	put16(b[offPPort:], h.PPort)
	put16(b[offCPort:], h.CPort)
	put16(b[offFlags:], uint16(h.Flags))
	b[offState] = h.State
	b[offMFlags] = mflags0
	b[offMFlags+1] = h.MFlags[1]
	b[offMFlags+2] = h.MFlags[2]

	d := b[offData:]
	switch t := h.Type; {
	case t.isPing():
		for i := range m.Gossip {
			putGossip(d, &m.Gossip[i])
			d = d[GossipLen:]
		}
		for i := range m.Exts {
			e := &m.Exts[i]
			l := extLen(e)
			if l > maxExtLen {
				panic("clusterbus: ping extension longer than 65528 bytes")
			}
			put32(d, uint32(l))
			put16(d[4:], uint16(e.Type))
			put16(d[6:], e.Unused)
			copy(d[ExtHeaderLen:], e.Data)
			d = d[l:]
		}
	case t == TypeFail:
		copy(d, m.Fail.NodeName[:])
	case t == TypePublish || t == TypePublishShard:
		p := &m.Publish
		put32(d, uint32(len(p.Channel)))
		put32(d[4:], uint32(len(p.Message)))
		copy(d[PublishHdrLen:], p.Channel)
		copy(d[PublishHdrLen+len(p.Channel):], p.Message)
	case t == TypeUpdate:
		u := &m.Update
		put64(d, u.ConfigEpoch)
		copy(d[8:], u.NodeName[:])
		copy(d[8+NameLen:], u.Slots[:])
	case t == TypeModule:
		md := &m.Module
		copy(d, md.ModuleID[:])
		put32(d[8:], uint32(len(md.Payload)))
		d[12] = md.Type
		copy(d[ModuleHdrLen:], md.Payload)
	case t == TypeFailoverAuthRequest || t == TypeFailoverAuthAck || t == TypeMFStart:
		// Header only.
	default:
		copy(d, m.Payload)
	}
	return dst
}

// putGossip writes g at the start of d (clusterSetGossipEntry).
func putGossip(d []byte, g *Gossip) {
	copy(d, g.NodeName[:])
	put32(d[gOffPingSent:], g.PingSent)
	put32(d[gOffPongReceived:], g.PongReceived)
	copy(d[gOffIP:], g.IP[:])
	put16(d[gOffPort:], g.Port)
	put16(d[gOffCPort:], g.CPort)
	put16(d[gOffFlags:], uint16(g.Flags))
	put16(d[gOffPPort:], g.PPort)
	put16(d[gOffNotUsed1:], g.NotUsed1)
}
