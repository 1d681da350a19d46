package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
)

// This file holds the Redis Cluster bus message model of Redis 7.0
// (src/cluster.h): constants, the header clusterMsg, the gossip entry
// clusterMsgDataGossip, the ping extensions clusterMsgPingExt and the
// payloads of the other message types. They are plain Go values, not an
// overlay of the wire bytes: encode.go and decode.go convert, big-endian,
// at the offsets cluster.h static-asserts.

// Protocol constants (src/cluster.h, src/server.h @ 7.0.15).
const (
	ProtoVer     = 1                // CLUSTER_PROTO_VER; any other version is dropped
	NameLen      = 40               // CLUSTER_NAMELEN: node names, no terminator
	IPLen        = 46               // NET_IP_STR_LEN: myip and gossip ip, NUL-padded
	ClusterSlots = 16384            // CLUSTER_SLOTS
	SlotsLen     = ClusterSlots / 8 // bytes of a slot bitmap (myslots, UPDATE slots)
	PortIncr     = 10000            // CLUSTER_PORT_INCR: default bus port = port + 10000
)

// Wire sizes. Redis checks totlen against sums of these in
// clusterProcessPacket.
const (
	HeaderLen     = 2256 // CLUSTERMSG_MIN_LEN: the header, up to data
	MsgSize       = 4352 // sizeof(clusterMsg): header + the union, sized by UPDATE
	GossipLen     = 104  // sizeof(clusterMsgDataGossip)
	FailLen       = 40   // sizeof(clusterMsgDataFail): nodename
	PublishHdrLen = 8    // channel_len, message_len (sizeof(clusterMsgDataPublish) - 8)
	UpdateLen     = 2096 // sizeof(clusterMsgDataUpdate): configEpoch, nodename, slots
	ModuleHdrLen  = 13   // module_id, len, type (sizeof(clusterMsgModule) - 3)
	ExtHeaderLen  = 8    // clusterMsgPingExt: length u32, type u16, unused u16
)

// Framing, as clusterReadHandler does it: read FramePrefixLen bytes
// (sig and totlen), check them (FrameLen), then read the rest in chunks of
// at most ReadChunkLen bytes, sizeof(clusterMsg), its stack buffer.
const (
	FramePrefixLen = 8
	ReadChunkLen   = MsgSize
	// MaxMessageLen is our bound on totlen; Redis 7.0 has none. It is
	// about ten times the largest gossip section (65535 entries: 6.8 MB),
	// so in practice only a PUBLISH over 64 MiB, which Redis would
	// forward, is refused. A larger totlen closes the link, as Redis
	// closes it on a totlen below HeaderLen. Independently of the bound,
	// the reader grows its buffer only as bytes arrive (NextReadLen), so
	// a lying totlen costs only the bytes actually sent.
	MaxMessageLen = 64 << 20
)

// MsgType is a message type, clusterMsg.type (CLUSTERMSG_TYPE_*).
type MsgType uint16

const (
	TypePing                MsgType = 0  // CLUSTERMSG_TYPE_PING
	TypePong                MsgType = 1  // CLUSTERMSG_TYPE_PONG: reply to PING/MEET
	TypeMeet                MsgType = 2  // CLUSTERMSG_TYPE_MEET: PING that adds the sender
	TypeFail                MsgType = 3  // CLUSTERMSG_TYPE_FAIL: mark a node failing
	TypePublish             MsgType = 4  // CLUSTERMSG_TYPE_PUBLISH: Pub/Sub propagation
	TypeFailoverAuthRequest MsgType = 5  // CLUSTERMSG_TYPE_FAILOVER_AUTH_REQUEST
	TypeFailoverAuthAck     MsgType = 6  // CLUSTERMSG_TYPE_FAILOVER_AUTH_ACK
	TypeUpdate              MsgType = 7  // CLUSTERMSG_TYPE_UPDATE: another node's slots
	TypeMFStart             MsgType = 8  // CLUSTERMSG_TYPE_MFSTART: manual failover
	TypeModule              MsgType = 9  // CLUSTERMSG_TYPE_MODULE
	TypePublishShard        MsgType = 10 // CLUSTERMSG_TYPE_PUBLISHSHARD (new in 7.0)
	TypeCount               MsgType = 11 // CLUSTERMSG_TYPE_COUNT: higher types are unknown
)

// typeNames are clusterGetMessageTypeString's names, which CLUSTER INFO
// uses in cluster_stats_messages_<name>_sent.
var typeNames = [TypeCount]string{
	"ping", "pong", "meet", "fail", "publish", "auth-req", "auth-ack",
	"update", "mfstart", "module", "publishshard",
}

// String returns Redis's name for t, or "unknown" as Redis does.
func (t MsgType) String() string {
	if t < TypeCount {
		return typeNames[t]
	}
	return "unknown"
}

// isPing reports whether t carries gossip and extensions: PING, PONG, MEET.
func (t MsgType) isPing() bool { return t <= TypeMeet }

// NodeFlags are CLUSTER_NODE_* bits, used in the header's and in gossip
// entries' flags.
type NodeFlags uint16

const (
	NodeMaster     NodeFlags = 1 << 0 // CLUSTER_NODE_MASTER
	NodeSlave      NodeFlags = 1 << 1 // CLUSTER_NODE_SLAVE
	NodePFail      NodeFlags = 1 << 2 // CLUSTER_NODE_PFAIL: "fail?"
	NodeFail       NodeFlags = 1 << 3 // CLUSTER_NODE_FAIL
	NodeMyself     NodeFlags = 1 << 4 // CLUSTER_NODE_MYSELF
	NodeHandshake  NodeFlags = 1 << 5 // CLUSTER_NODE_HANDSHAKE
	NodeNoAddr     NodeFlags = 1 << 6 // CLUSTER_NODE_NOADDR
	NodeMeet       NodeFlags = 1 << 7 // CLUSTER_NODE_MEET
	NodeMigrateTo  NodeFlags = 1 << 8 // CLUSTER_NODE_MIGRATE_TO
	NodeNoFailover NodeFlags = 1 << 9 // CLUSTER_NODE_NOFAILOVER
)

// nodeFlagNames is redisNodeFlagsTable, in its order: the order of the
// flags column of CLUSTER NODES. MEET and MIGRATE_TO are not printed.
var nodeFlagNames = [...]struct {
	f    NodeFlags
	name string
}{
	{NodeMyself, "myself"}, {NodeMaster, "master"}, {NodeSlave, "slave"},
	{NodePFail, "fail?"}, {NodeFail, "fail"}, {NodeHandshake, "handshake"},
	{NodeNoAddr, "noaddr"}, {NodeNoFailover, "nofailover"},
}

// String renders f as CLUSTER NODES does (representClusterNodeFlags):
// "myself,master", or "noflags" when no printed flag is set.
func (f NodeFlags) String() string {
	var b strings.Builder
	for _, nf := range nodeFlagNames {
		if f&nf.f != 0 {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(nf.name)
		}
	}
	if b.Len() == 0 {
		return "noflags"
	}
	return b.String()
}

// Bits of Header.MFlags[0] (CLUSTERMSG_FLAG0_*). MFlags[1] and [2] are
// unused in 7.0.
const (
	MFlag0Paused   = 1 << 0 // CLUSTERMSG_FLAG0_PAUSED: master paused for manual failover
	MFlag0ForceAck = 1 << 1 // CLUSTERMSG_FLAG0_FORCEACK: give an auth ack even if master is up
	MFlag0ExtData  = 1 << 2 // CLUSTERMSG_FLAG0_EXT_DATA: ping extensions follow the gossip
)

// ExtType is a ping extension type, clusterMsgPingExt.type
// (CLUSTERMSG_EXT_TYPE_*).
type ExtType uint16

const (
	// ExtHostname is the only type Redis 7.0 defines: a NUL-terminated
	// hostname, zero-padded to a multiple of 8, sent when
	// cluster-announce-hostname is set.
	ExtHostname ExtType = 0
	// The types below are 7.2's. A 7.0 node accepts and ignores them
	// ("Received unknown extension type"); 7.2+ always sends ExtShardID.
	ExtHumanNodename ExtType = 1 // NUL-terminated, like ExtHostname
	ExtForgottenNode ExtType = 2 // name[40], ttl u64 (seconds)
	ExtShardID       ExtType = 3 // shard_id[40]
)

// NodeName is a 40-byte node name as on the wire (sender, slaveof,
// gossip and FAIL nodename). A master's slaveof is all NULs
// (CLUSTER_NODE_NULL_NAME). Redis does not validate names it receives on
// the bus, and neither does Decode; VerifyNodeID checks a name given by a
// user or read from nodes.conf.
type NodeName [NameLen]byte

// String returns the name as text (NULs included, as %.40s would not).
func (n NodeName) String() string { return string(n[:]) }

// IsNull reports whether n is CLUSTER_NODE_NULL_NAME, the slaveof of a
// master.
func (n NodeName) IsNull() bool { return n == NodeName{} }

// errBadNodeID is verifyClusterNodeId's failure.
var errBadNodeID = errors.New("node name must be 40 characters from [a-z0-9]")

// VerifyNodeID is verifyClusterNodeId: exactly 40 characters, each
// [a-z0-9]. Redis generates names from [0-9a-f] (getRandomHexChars).
func VerifyNodeID(s string) error {
	if len(s) != NameLen {
		return errBadNodeID
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return errBadNodeID
		}
	}
	return nil
}

// ParseNodeName converts a name that passes VerifyNodeID.
func ParseNodeName(s string) (NodeName, error) {
	var n NodeName
	if err := VerifyNodeID(s); err != nil {
		return n, err
	}
	copy(n[:], s)
	return n, nil
}

// RandomNodeName returns 40 random lowercase hex characters, as Redis's
// createClusterNode names a node with getRandomHexChars.
func RandomNodeName() NodeName {
	const hex = "0123456789abcdef"
	var n NodeName
	if _, err := rand.Read(n[:]); err != nil {
		panic("clusterbus: crypto/rand: " + err.Error())
	}
	for i := range n {
		n[i] = hex[n[i]&15]
	}
	return n
}

// IPField is a NUL-padded NET_IP_STR_LEN C string (myip, gossip ip). All
// zero in a header's myip means "use the peer address of the socket".
type IPField [IPLen]byte

// String returns the text up to the first NUL. Redis reads it with the
// last byte forced to NUL (nodeIp2String), so at most 45 bytes.
func (f IPField) String() string {
	b := f[:IPLen-1]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// MakeIPField returns ip NUL-padded; text beyond 45 bytes is cut, so the
// field stays NUL-terminated.
func MakeIPField(ip string) IPField {
	var f IPField
	copy(f[:IPLen-1], ip)
	return f
}

// SlotBitmap is a slot set as on the wire (myslots, UPDATE slots): bit s
// is byte[s/8] & (1 << (s&7)), least significant bit first, as Redis's
// bitmapTestBit.
type SlotBitmap [SlotsLen]byte

// Has reports whether slot s (0..16383) is set.
func (b *SlotBitmap) Has(s int) bool { return b[s>>3]&(1<<(s&7)) != 0 }

// Set sets slot s (bitmapSetBit).
func (b *SlotBitmap) Set(s int) { b[s>>3] |= 1 << (s & 7) }

// Clear clears slot s (bitmapClearBit).
func (b *SlotBitmap) Clear(s int) { b[s>>3] &^= 1 << (s & 7) }

// Count returns the number of slots set.
func (b *SlotBitmap) Count() int {
	n := 0
	for _, c := range b {
		for ; c != 0; c &= c - 1 {
			n++
		}
	}
	return n
}

// Header is clusterMsg up to data: the 2256 bytes every message starts
// with. The sig "RCmb" is implied.
type Header struct {
	// TotLen is totlen, the whole message length. Decode fills it;
	// AppendMessage ignores it and writes the computed length.
	TotLen uint32
	// Ver is ver. AppendMessage writes ProtoVer when it is 0, so a zero
	// Header is a valid 7.0 header; Decode only returns ProtoVer.
	Ver  uint16
	Port uint16 // client (RESP) port, the TLS port with tls-cluster
	Type MsgType
	// Count is count, the number of gossip entries. For PING, PONG and
	// MEET, AppendMessage writes len(Message.Gossip) instead.
	Count        uint16
	CurrentEpoch uint64
	ConfigEpoch  uint64 // a replica sends its master's
	Offset       uint64 // replication offset
	Sender       NodeName
	MySlots      SlotBitmap // a replica sends its master's
	SlaveOf      NodeName   // all NULs for a master
	MyIP         IPField    // all zero: use the socket's peer address
	// Extensions is extensions, the number of ping extensions (new in
	// 7.0). For PING, PONG and MEET, AppendMessage writes
	// len(Message.Exts) instead.
	Extensions uint16
	NotUsed1   [30]byte // notused1: zero; kept so decode/encode is exact
	PPort      uint16   // plaintext port when Port is the TLS port, else 0
	CPort      uint16   // cluster bus port
	Flags      NodeFlags
	State      uint8   // 0 OK, 1 FAIL: never read by Redis
	MFlags     [3]byte // MFlags[0]: MFlag0*
}

// Gossip is clusterMsgDataGossip, one entry of a PING/PONG/MEET's gossip
// section: what the sender knows about another node.
type Gossip struct {
	NodeName     NodeName
	PingSent     uint32 // seconds (node->ping_sent/1000)
	PongReceived uint32 // seconds
	IP           IPField
	Port         uint16
	CPort        uint16
	Flags        NodeFlags
	PPort        uint16 // new in 7.0; half of 6.2's notused1
	NotUsed1     uint16
}

// Extension is one clusterMsgPingExt: an 8-byte header (length, type,
// unused) and a payload. Data is the payload after the header, padding
// included; AppendMessage writes length = 8 + Data rounded up to 8, and
// pads with zeros. Decoded Data aliases the message buffer.
type Extension struct {
	Type   ExtType
	Unused uint16
	Data   []byte
}

// HostnameExt returns a CLUSTERMSG_EXT_TYPE_HOSTNAME extension for
// hostname, NUL-terminated as writeHostnamePingExt writes it.
func HostnameExt(hostname string) Extension {
	data := make([]byte, len(hostname)+1)
	copy(data, hostname)
	return Extension{Type: ExtHostname, Data: data}
}

// CString returns the payload up to its first NUL, for the hostname and
// human-nodename types, and whether a NUL was there. Redis reads these
// with strlen; the Debian binary drops a hostname extension without NUL.
func (e *Extension) CString() (string, bool) {
	i := bytes.IndexByte(e.Data, 0)
	if i < 0 {
		return "", false
	}
	return string(e.Data[:i]), true
}

// ForgottenNode decodes a 7.2 CLUSTERMSG_EXT_TYPE_FORGOTTEN_NODE payload
// (clusterMsgPingExtForgottenNode): the name and its ttl in seconds.
func (e *Extension) ForgottenNode() (name NodeName, ttl uint64, ok bool) {
	if e.Type != ExtForgottenNode || len(e.Data) < NameLen+8 {
		return name, 0, false
	}
	copy(name[:], e.Data)
	return name, be64(e.Data[NameLen:]), true
}

// ShardID decodes a 7.2 CLUSTERMSG_EXT_TYPE_SHARDID payload
// (clusterMsgPingExtShardId).
func (e *Extension) ShardID() (id NodeName, ok bool) {
	if e.Type != ExtShardID || len(e.Data) < NameLen {
		return id, false
	}
	copy(id[:], e.Data)
	return id, true
}

// Fail is clusterMsgDataFail: the node the sender declares failed.
type Fail struct {
	NodeName NodeName
}

// Publish is clusterMsgDataPublish, for PUBLISH and PUBLISHSHARD:
// channel_len and message_len followed by the bytes. Decoded slices alias
// the message buffer.
type Publish struct {
	Channel []byte
	Message []byte
}

// Update is clusterMsgDataUpdate: the slots a node serves under its
// configEpoch, sent to a node with a stale view.
type Update struct {
	ConfigEpoch uint64
	NodeName    NodeName
	Slots       SlotBitmap
}

// Module is clusterMsgModule: a message between modules. ModuleID is
// copied raw, in the sending machine's byte order, as Redis memcpys it
// (the one field not converted to big-endian). Decoded Payload aliases
// the message buffer.
type Module struct {
	ModuleID [8]byte
	Type     uint8
	Payload  []byte
}

// Message is one bus message, clusterMsg with its data union spread into
// fields: only the fields of Header.Type are used.
type Message struct {
	Header
	Gossip  []Gossip    // PING, PONG, MEET: clusterMsgDataGossip[count]
	Exts    []Extension // PING, PONG, MEET: ping extensions after the gossip
	Fail    Fail        // FAIL
	Publish Publish     // PUBLISH, PUBLISHSHARD
	Update  Update      // UPDATE
	Module  Module      // MODULE
	// Payload holds the bytes after the header of a type Redis 7.0 does
	// not know (>= TypeCount), which it accepts at any length and
	// ignores. Decoded, it aliases the message buffer.
	Payload []byte
}
