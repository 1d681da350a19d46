package hashkit

// FNV constants as nc_fnv.c names them.
const (
	fnv64Init  uint64 = 0xcbf29ce484222325 // FNV_64_INIT
	fnv64Prime uint64 = 0x100000001b3      // FNV_64_PRIME
	fnv32Init  uint32 = 2166136261         // FNV_32_INIT
	fnv32Prime uint32 = 16777619           // FNV_32_PRIME
)

// FNV64 is nutcracker's fnv1_64 (hash_fnv1_64 in nc_fnv.c): FNV-1 over 64
// bits with each byte sign-extended to 64 bits before the xor, returning the
// low 32 bits of the state.
func FNV64(key []byte) uint32 {
	h := fnv64Init
	for _, b := range key {
		h *= fnv64Prime
		h ^= sx64(b)
	}
	return uint32(h)
}

// FNV64a is nutcracker's fnv1a_64 (hash_fnv1a_64 in nc_fnv.c), which despite
// its name runs in 32 bits: the state starts at the low 32 bits of the
// 64-bit offset basis (0x84222325), each sign-extended byte is xored in and
// the state multiplied by the low 32 bits of the 64-bit prime (0x1b3). It is
// nutcracker's default hash, and spreads similar short keys poorly.
func FNV64a(key []byte) uint32 {
	h := uint32(fnv64Init & 0xffffffff)
	for _, b := range key {
		h ^= sx(b)
		h *= uint32(fnv64Prime & 0xffffffff)
	}
	return h
}

// FNV32 is FNV-1 over 32 bits with sign-extended bytes (hash_fnv1_32 in
// nc_fnv.c).
func FNV32(key []byte) uint32 {
	h := fnv32Init
	for _, b := range key {
		h *= fnv32Prime
		h ^= sx(b)
	}
	return h
}

// FNV32a is FNV-1a over 32 bits with sign-extended bytes (hash_fnv1a_32 in
// nc_fnv.c).
func FNV32a(key []byte) uint32 {
	h := fnv32Init
	for _, b := range key {
		h ^= sx(b)
		h *= fnv32Prime
	}
	return h
}
