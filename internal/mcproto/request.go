package mcproto

// Kind is the command of a parsed request.
type Kind uint8

// The commands of memcached 1.6.18's text protocol (process_command_ascii).
// Admin commands the parser does not look into (stats, shutdown, slabs,
// lru, lru_crawler, watch, extstore, refresh_certs) come with their tokens
// in Request.Args and are the server's to answer.
const (
	KindNone Kind = iota // not a request (a refused line)

	KindSet
	KindAdd
	KindReplace
	KindAppend
	KindPrepend
	KindCas

	KindGet // also the ancient "bget", which memcached still runs as get
	KindGets
	KindGat
	KindGats

	KindDelete
	KindIncr
	KindDecr
	KindTouch

	KindFlushAll
	KindVersion
	KindVerbosity
	KindQuit
	KindStats
	KindShutdown
	KindCacheMemlimit
	KindSlabs
	KindLRU
	KindLRUCrawler
	KindWatch
	KindExtstore
	KindRefreshCerts

	KindMetaGet        // mg
	KindMetaSet        // ms
	KindMetaDelete     // md
	KindMetaArithmetic // ma
	KindMetaNoop       // mn
	KindMetaDebug      // me

	numKinds
)

var kindNames = [numKinds]string{
	KindNone:           "",
	KindSet:            "set",
	KindAdd:            "add",
	KindReplace:        "replace",
	KindAppend:         "append",
	KindPrepend:        "prepend",
	KindCas:            "cas",
	KindGet:            "get",
	KindGets:           "gets",
	KindGat:            "gat",
	KindGats:           "gats",
	KindDelete:         "delete",
	KindIncr:           "incr",
	KindDecr:           "decr",
	KindTouch:          "touch",
	KindFlushAll:       "flush_all",
	KindVersion:        "version",
	KindVerbosity:      "verbosity",
	KindQuit:           "quit",
	KindStats:          "stats",
	KindShutdown:       "shutdown",
	KindCacheMemlimit:  "cache_memlimit",
	KindSlabs:          "slabs",
	KindLRU:            "lru",
	KindLRUCrawler:     "lru_crawler",
	KindWatch:          "watch",
	KindExtstore:       "extstore",
	KindRefreshCerts:   "refresh_certs",
	KindMetaGet:        "mg",
	KindMetaSet:        "ms",
	KindMetaDelete:     "md",
	KindMetaArithmetic: "ma",
	KindMetaNoop:       "mn",
	KindMetaDebug:      "me",
}

// String returns the command's name as a client sends it.
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "Kind(?)"
}

// IsStorage reports whether the command is followed by a data block:
// set, add, replace, append, prepend, cas and ms.
func (k Kind) IsStorage() bool {
	return k >= KindSet && k <= KindCas || k == KindMetaSet
}

// IsRetrieval reports whether the command is get, gets, gat or gats: the
// multi-key commands a proxy splits by server.
func (k Kind) IsRetrieval() bool { return k >= KindGet && k <= KindGats }

// IsMeta reports whether the command is one of the meta commands.
func (k Kind) IsMeta() bool { return k >= KindMetaGet && k <= KindMetaDebug }

// Request is one parsed command line. Its byte slices point into the
// buffer given to Parse (or, for a base64 meta key, into the Parser); they
// are valid until the caller reuses those bytes or calls Parse again. The
// Request itself belongs to the Parser and is overwritten by the next call.
type Request struct {
	Kind Kind

	// Line is the command line as received, without its "\n" or "\r\n".
	Line []byte

	// Key is the first key: the key of a storage, delete, incr/decr, touch
	// or meta command, or the first key of a get. For a meta command with
	// the b flag it is the decoded key (Meta.RawKey holds the base64 text).
	Key []byte

	// Keys are the keys in request order: every key of get/gets/gat/gats
	// (duplicates kept; gat/gats may have none), or Key alone for the
	// single-key commands. A proxy hashes these to pick servers.
	Keys [][]byte

	// Flags are the client flags of a storage command (ms: Meta.ClientFlags).
	Flags uint32

	// Exptime is the exptime of a storage command, touch, gat/gats, or the
	// delay of flush_all, as memcached reads it (a 32-bit value, before the
	// relative/absolute rule is applied).
	Exptime int32

	// Bytes is the length of the data block announced by a storage command
	// or ms: Bytes bytes of value then "\r\n" follow the line. Parse never
	// consumes them: see Data and CheckDataEnd.
	Bytes int

	// CAS is the cas unique of a cas command.
	CAS uint64

	// Delta is the delta of incr/decr.
	Delta uint64

	// Level is the level of verbosity (not yet clamped to 2) or the
	// megabytes of cache_memlimit.
	Level uint32

	// HasDelay reports whether flush_all was given a delay token.
	HasDelay bool

	// NoReply is set when memcached suppresses every reply to this
	// request, error replies included: the classic commands that end in
	// "noreply". Meta commands never set it; their q flag is in Meta.
	NoReply bool

	// Args are the tokens after the command name, for the commands the
	// parser does not look into (stats, shutdown, slabs, lru, lru_crawler,
	// watch, extstore, refresh_certs). At most MaxTokens-2 are split, as
	// memcached does.
	Args [][]byte

	// Meta holds the flags of a meta command.
	Meta Meta
}

// Flag is one meta flag as sent.
type Flag struct {
	Letter byte
	Token  []byte // the whole token, letter included: "T30", "O123", "v"
}

// Meta is the parsed flags of a meta command (memcached's struct
// _meta_flags plus the tokens, which the server echoes back in request
// order).
type Meta struct {
	// Flags are the flags in request order.
	Flags []Flag

	// RawKey is the key token as sent; it differs from Request.Key only
	// with the b flag, where Key is its base64 decoding.
	RawKey []byte

	TTL         int32  // T<ttl>
	Vivify      int32  // N<ttl>: autovivify on miss with this TTL
	Recache     int32  // R<ttl>: win the recache token when the TTL is below this
	ClientFlags uint32 // F<flags> (ms)
	CompareCAS  uint64 // C<cas>
	Initial     uint64 // J<n> (ma), 0 when absent
	Delta       uint64 // D<n> (ma), 1 when absent as in memcached
	Mode        byte   // the letter of M<mode>, 0 when absent
	Opaque      []byte // the O token, O included, nil when absent

	set uint64 // one bit per letter present
}

// Has reports whether the flag letter was given.
func (m *Meta) Has(letter byte) bool {
	b, ok := letterBit(letter)
	return ok && m.set&b != 0
}

// Quiet reports whether the q flag was given: the server hides the
// command's nominal replies (which ones depends on the command).
func (m *Meta) Quiet() bool { return m.Has('q') }

// letterBit maps a-z and A-Z to one bit each.
func letterBit(c byte) (uint64, bool) {
	switch {
	case c >= 'a' && c <= 'z':
		return 1 << (c - 'a'), true
	case c >= 'A' && c <= 'Z':
		return 1 << (26 + c - 'A'), true
	}
	return 0, false
}
