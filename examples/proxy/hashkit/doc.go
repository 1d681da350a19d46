// Package hashkit places keys on servers exactly as nutcracker (twemproxy)
// 0.5.0 does: its twelve key hashes, bit for bit with their quirks, and its
// three distributions, ketama, modula and random.
//
// The files follow twemproxy's src/hashkit: one file per hash source
// (one_at_a_time.go, md5.go, crc16.go, crc32.go, fnv.go, hsieh.go,
// murmur.go, jenkins.go) and one per distribution (ketama.go, modula.go,
// random.go). server.go holds what nc_server.c and nc_conf.c contribute to
// placement: the server name that ketama hashes, the sort of a pool's
// servers by name, and server_pool_idx (hash tag, the one-server shortcut,
// the empty key).
//
// Data placement depends on every bit here: a key stored through nutcracker
// must be found through this package, so the quirks of the C code (bytes
// sign-extended where it reads a char, fnv1a_64 computed in 32 bits, crc32
// keeping 15 bits, ketama's single-precision point counts) are kept on
// purpose. Each function's doc comment names the C function it matches.
package hashkit
