//go:build !race

package main

import "testing"

// Input: SETBIT at the last bit proto-max-bulk-len allows at its default
// of 512 MB (4294967295) and one past it, SETRANGE ending at the last byte
// and one byte further, APPEND past the limit, BITFIELD reading the last
// byte, on kv and redis-server 7.0, then a second client's PING. Expected:
// the same replies (a 512 MB string, Redis's errors past it, nothing
// written by a refused command), and the second client served. (Left out
// of -race builds, where zeroing 512 MB under the race detector takes
// longer than the reply timeout.)
func TestStringLimitsAt512MB(t *testing.T) {
	addr := startServer(t, newTestServer(t))
	diffRedis(t, addr, cmds(
		"SETBIT big 4294967295 1", "STRLEN big", "GETBIT big 4294967295", "SETBIT big 4294967296 1",
		"BITFIELD big GET u8 4294967288", "BITFIELD big GET u8 4294967289", "BITCOUNT big", "BITPOS big 1",
		"DEL big", "SETRANGE big2 536870911 a", "STRLEN big2", "SETRANGE big2 536870912 a", "SETRANGE big2 536870911 ab",
		"APPEND big2 x", "STRLEN big2", "GETRANGE big2 -1 -1", "DEL big2",
	))
	if got := dialRaw(t, addr).do("PING"); got != "+PONG\r\n" {
		t.Fatalf("second client PING = %q", got)
	}
}
