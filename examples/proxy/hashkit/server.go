package hashkit

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
)

// ketamaDefaultPort is the port left out of a server's name
// (CONF_DEFAULT_KETAMA_PORT), for compatibility with libmemcached's ketama.
const ketamaDefaultPort = 11211

// ServerName returns the name nutcracker gives a server line, the name
// ketama hashes and the pool is sorted by (conf_add_server). addr is the
// line's address part, without weight and name: "host:port" or a unix
// socket path; name is the optional name after the space. A given name is
// used as is. Otherwise the name is addr as written, except that a port of
// 11211 is left out ("host"), and that a unix socket path keeps the colon
// that separated it from the weight ("/tmp/redis.sock:"), since nutcracker
// counts one byte for the colon and none for the absent port.
func ServerName(addr, name string) string {
	if name != "" {
		return name
	}
	if strings.HasPrefix(addr, "/") {
		return addr + ":"
	}
	if i := strings.LastIndexByte(addr, ':'); i >= 0 && atoi(addr[i+1:]) == ketamaDefaultPort {
		return addr[:i]
	}
	return addr
}

// atoi is nc_atoi: the decimal value of s, or -1 if s is empty or has a
// byte that is not a digit.
func atoi(s string) int {
	if s == "" {
		return -1
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
		n = n*10 + int(s[i]-'0')
		if n > 1<<31 {
			return -1
		}
	}
	return n
}

// CompareNames orders server names as nutcracker sorts a pool's servers
// (conf_server_name_cmp, on string_compare): the shorter name first, names
// of equal length bytewise. It returns -1, 0 or +1.
func CompareNames(a, b string) int {
	if len(a) != len(b) {
		return cmp.Compare(len(a), len(b))
	}
	return strings.Compare(a, b)
}

// SortServers sorts servers by name with CompareNames, the order in which
// nutcracker keeps a pool's servers after loading its configuration
// (conf_validate_server sorts them in place). Server indexes, modula's slot
// order and the stats all follow this order, not the file's.
func SortServers(servers []Server) {
	slices.SortFunc(servers, func(a, b Server) int { return CompareNames(a.Name, b.Name) })
}

// Selector chooses a pool's server for a request key, as server_pool_idx
// does: hash tag, then the hash, then the continuum.
type Selector struct {
	// Hash is the pool's hash function (see Hash).
	Hash HashFunc
	// HashTag is the pool's hash_tag, two bytes such as "{}", or "" for
	// none. Other lengths are treated as none; nutcracker's configuration
	// rejects them.
	HashTag string
	// Continuum is the pool's current continuum, rebuilt by the caller
	// when servers are ejected or come back.
	Continuum *Continuum
}

// Index returns the index of the server for key (server_pool_idx), or -1
// when no server is live. With Random the key is not hashed.
func (s *Selector) Index(key []byte) int {
	if s.Continuum.dist == Random {
		return s.Continuum.Dispatch(0)
	}
	return s.Continuum.Dispatch(s.KeyHash(key))
}

// KeyHash returns the hash nutcracker dispatches key by: the hash of the
// key's hash-tag part (see HashTagKey), except that a pool of exactly one
// server, ejected or not, and an empty key both hash to 0 without calling
// the hash function (server_pool_hash).
func (s *Selector) KeyHash(key []byte) uint32 {
	key = HashTagKey(key, s.HashTag)
	if s.Continuum.nserver == 1 || len(key) == 0 {
		return 0
	}
	return s.Hash(key)
}

// HashTagKey returns the part of key that is hashed under hash tag tag (the
// hash_tag step of server_pool_idx): with tag "XY", the bytes between the
// first X in key and the first Y after it, if there is at least one such
// byte; otherwise, or when tag is not two bytes, the whole key. So with
// "{}", "user:{42}:a" hashes "42", while "{}a", "{a" and "a}" hash whole.
// The result shares key's memory.
func HashTagKey(key []byte, tag string) []byte {
	if len(tag) != 2 {
		return key
	}
	start := bytes.IndexByte(key, tag[0])
	if start < 0 {
		return key
	}
	end := bytes.IndexByte(key[start+1:], tag[1])
	if end <= 0 { // absent, or nothing between the two
		return key
	}
	return key[start+1 : start+1+end]
}
