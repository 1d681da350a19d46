package main

import "testing"

// Input: the string commands with their options and error cases, on our
// server and on a real redis-server 7.0. Expected: identical reply bytes.
func TestStringCommandsMatchRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedis(t, startServer(t, s), cmds(
		"PING", "PING hello", "PING a b", "ECHO hi",
		"SET foo bar", "GET foo", "GET missing", "SET foo baz XX GET", "SET new v XX", "SET foo x NX",
		"SET foo y NX GET", "SET k v EX 100", "SET k v PX 100000 KEEPTTL", "SET k v EX 0", "SET k v EX -5",
		"SET k v EX abc", "SET k v PX 9223372036854775807", "SET k v EX 9223372036854775807",
		"SET k v EXAT 9999999999", "SET k v NX XX", "SET k v EX 10 PX 10", "SET k v KEEPTTL", "SET k v BAD",
		"SET k", "SETNX foo 1", "SETNX sn 1", "SETEX se 100 v", "SETEX se 0 v", "SETEX se x v",
		"PSETEX pse 100000 v", "PSETEX pse -1 v", "GETSET foo new", "GETSET nokey v", "GETDEL foo", "GETDEL foo",
		"MSET a 1 b 2 c 3", "MSET a 1 b", "MGET a b c nope", "MSETNX a 1 z 2", "MSETNX y 1 z 2",
		"APPEND ap hello", "APPEND ap world", "GET ap", "STRLEN ap", "STRLEN nope",
		"SET n 10", "INCR n", "DECR n", "INCRBY n 100", "DECRBY n 50", "INCRBY n abc", "INCRBY n 1.5",
		"DECRBY n -9223372036854775808", "SET big 9223372036854775807", "INCR big", "SET small -9223372036854775808", "DECR small",
		"SET s notanumber", "INCR s", "SET sp \" 1\"", "INCR sp", "SET lz 01", "INCR lz", "INCR fresh",
		"INCRBYFLOAT f 10.5", "INCRBYFLOAT f 0.1", "INCRBYFLOAT f 5.0e3", "INCRBYFLOAT f -5010.6",
		"INCRBYFLOAT f abc", "INCRBYFLOAT f inf", "SET fs 1.5e2", "INCRBYFLOAT fs 1", "INCRBYFLOAT fresh2 3",
		"SELECT 0", "SELECT x", "DBSIZE", "FLUSHDB", "DBSIZE", "FLUSHALL SYNC", "FLUSHALL bad",
		"AUTH x", "AUTH a b", "AUTH a b c",
		"NOSUCHCMD a b", "get", "GET a b",
	))
}

// Input: SELECT of the last database and of one past it, with Redis's
// default of 16. Expected: OK, then Redis's out-of-range error.
func TestSelectRange(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	if got := s.exec("SELECT", "16"); got != "-ERR DB index is out of range\r\n" {
		t.Fatalf("SELECT 16 = %q", got)
	}
	if got := s.exec("SELECT", "15"); got != "+OK\r\n" {
		t.Fatalf("SELECT 15 = %q", got)
	}
}

// Input: short string keys, whose key and value share one allocation
// (embstr), changed in every way a value can grow or move: APPEND within
// the spare bytes, APPEND past them, SET of a longer and of a shorter
// value, INCR, RENAME, and a long key that does not fit. Compared with a
// real redis-server 7.0 when installed.
// Expected: values as Redis gives them, and the keys' names unchanged
// (KEYS, EXISTS, GET by name): growing a value in place never writes over
// the key's bytes that sit before it.
func TestEmbeddedStringKeys(t *testing.T) {
	addr := startServer(t, newTestServer(t))
	diffRedis(t, addr, cmds(
		"SET key:000000000001 xxx", "APPEND key:000000000001 yy", "GET key:000000000001",
		"APPEND key:000000000001 zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "GET key:000000000001",
		"SET k2 abc", "SET k2 abcdefghijklmnopqrstuvwxyz0123456789", "GET k2", "SET k2 a", "GET k2",
		"SET n 9", "INCR n", "INCRBY n 123456789012", "GET n", "APPEND n 0", "GET n",
		"SET a123456789012345678901 v", "APPEND a123456789012345678901 w", "GET a123456789012345678901",
		"SET src val", "RENAME src dst", "APPEND dst ue", "GET dst", "EXISTS src dst",
		"SET empty ''", "APPEND empty abc", "GET empty",
		"KEYS key:*", "KEYS k?", "KEYS a1*", "DBSIZE",
	))
	c := dialRaw(t, addr) // the loop runs: ask it over a connection
	for _, k := range []string{"key:000000000001", "k2", "n", "a123456789012345678901", "dst", "empty"} {
		if got := c.do("EXISTS", k); got != ":1\r\n" {
			t.Errorf("EXISTS %s = %q after its value changed, want :1", k, got)
		}
	}
}
