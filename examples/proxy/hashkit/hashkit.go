package hashkit

import "fmt"

// HashFunc is a key hash, as the key_hash function pointer of a
// nutcracker server pool (hash_t in nc_hashkit.h).
type HashFunc func(key []byte) uint32

// hashes lists the hash functions by their configuration name, in the order
// of nutcracker's HASH_CODEC table (nc_hashkit.h).
var hashes = []struct {
	name string
	fn   HashFunc
}{
	{"one_at_a_time", OneAtATime},
	{"md5", MD5},
	{"crc16", CRC16},
	{"crc32", CRC32},
	{"crc32a", CRC32a},
	{"fnv1_64", FNV64},
	{"fnv1a_64", FNV64a},
	{"fnv1_32", FNV32},
	{"fnv1a_32", FNV32a},
	{"hsieh", Hsieh},
	{"murmur", Murmur},
	{"jenkins", Jenkins},
}

// DefaultHash is the hash of a pool whose configuration has no "hash" key
// (CONF_DEFAULT_HASH).
const DefaultHash = "fnv1a_64"

// Hash returns the hash function a pool's "hash:" key names, as nutcracker's
// conf_set_hash looks it up; names are matched exactly (lower case).
func Hash(name string) (HashFunc, error) {
	for _, h := range hashes {
		if h.name == name {
			return h.fn, nil
		}
	}
	return nil, fmt.Errorf("hashkit: unknown hash %q", name)
}

// HashNames returns the configuration names of the twelve hash functions,
// in nutcracker's order (one_at_a_time first, jenkins last).
func HashNames() []string {
	names := make([]string, len(hashes))
	for i, h := range hashes {
		names[i] = h.name
	}
	return names
}

// sx is a key byte as C reads it through a (signed) char on x86 and widens
// it to uint32_t: 0x80..0xff become 0xffffff80..0xffffffff.
func sx(b byte) uint32 { return uint32(int32(int8(b))) }

// sx64 is sx widened to uint64_t, as fnv1_64 does.
func sx64(b byte) uint64 { return uint64(int64(int8(b))) }
