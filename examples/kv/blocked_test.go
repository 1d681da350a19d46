package main

import (
	"testing"
)

func concatSteps(parts ...[]step) []step {
	var out []step
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Input: the non-blocking LMOVE, RPOPLPUSH, LMPOP and ZMPOP with every end,
// COUNT, a missing source, a wrong-type source and destination, the same
// key as source and destination, and bad arguments (numkeys 0, -1, not a
// number, larger than the arguments up to 2^63-1, a missing or bad LEFT/RIGHT/MIN/MAX,
// COUNT 0, COUNT twice, a trailing word), and COMMAND GETKEYS of
// them all. Expected: Redis's replies byte
// for byte.
func TestDiffMoveAndMpop(t *testing.T) {
	ours := startServer(t, newTestServer(t))
	diffRedis(t, ours, cmds(
		"RPUSH src a b c d",
		"LMOVE src dst LEFT RIGHT", "LMOVE src dst RIGHT LEFT", "LRANGE src 0 -1", "LRANGE dst 0 -1",
		"LMOVE src dst left left", "LMOVE src dst RIGHT RIGHT", "EXISTS src", "LRANGE dst 0 -1",
		"LMOVE nosrc dst LEFT LEFT", "LMOVE src dst UP LEFT", "LMOVE src dst LEFT DOWN",
		"RPUSH one x", "LMOVE one one LEFT RIGHT", "LRANGE one 0 -1",
		"SET str v", "LMOVE str dst LEFT LEFT", "LMOVE dst str LEFT LEFT", "LRANGE dst 0 -1",
		"RPOPLPUSH dst dst2", "RPOPLPUSH dst2 dst", "RPOPLPUSH none dst", "RPOPLPUSH dst str",
		"LRANGE dst 0 -1",
		"RPUSH l1 1 2 3 4 5",
		"LMPOP 2 nokey l1 LEFT", "LMPOP 2 nokey l1 RIGHT COUNT 2", "LMPOP 1 l1 left count 10",
		"EXISTS l1", "LMPOP 1 l1 LEFT", "LMPOP 2 str l1 LEFT", "LMPOP 2 nokey str LEFT",
		"LMPOP 0 l1 LEFT", "LMPOP -1 l1 LEFT", "LMPOP x l1 LEFT", "LMPOP 5 l1 LEFT",
		"LMPOP 1 l1", "LMPOP 1 l1 UP", "LMPOP 1 l1 LEFT COUNT 0", "LMPOP 1 l1 LEFT COUNT -2",
		"LMPOP 1 l1 LEFT COUNT x", "LMPOP 1 l1 LEFT COUNT 1 COUNT 1", "LMPOP 1 l1 LEFT COUNT",
		"LMPOP 1 l1 LEFT extra",
		"ZADD z 1 a 2 b 3 c 4 d",
		"ZMPOP 1 z MIN", "ZMPOP 1 z MAX COUNT 2", "ZMPOP 2 nokey z min count 9", "EXISTS z",
		"ZMPOP 1 z MIN", "ZMPOP 1 str MIN", "ZMPOP 0 z MIN", "ZMPOP 1 z", "ZMPOP 1 z LEFT",
		"ZMPOP 1 z MIN COUNT 0", "ZMPOP 1 z MIN COUNT 1 junk", "ZMPOP 3 z MIN",
		"ZADD z 1.5 m", "ZMPOP 1 z MAX COUNT 3",
		"LMPOP 9223372036854775807 k LEFT", "LMPOP 9223372036854775806 k LEFT",
		"ZMPOP 9223372036854775807 k MIN", "BLMPOP 0 9223372036854775807 k LEFT",
		"BZMPOP 0 9223372036854775807 k MIN", "LMPOP 1 l1 LEFT COUNT 9223372036854775807",
		"COMMAND GETKEYS LMPOP 2 a b LEFT", "COMMAND GETKEYS BLMPOP 0 2 a b LEFT COUNT 3",
		"COMMAND GETKEYS ZMPOP 1 z MIN", "COMMAND GETKEYS BZMPOP 1 1 z MAX", "COMMAND GETKEYS LMPOP 5 a LEFT",
		"COMMAND GETKEYS LMPOP x a LEFT", "COMMAND GETKEYS LMPOP 0 a LEFT", "COMMAND GETKEYS LMPOP 1 a",
		"COMMAND GETKEYS BLPOP a b 0", "COMMAND GETKEYS LMOVE a b LEFT RIGHT", "COMMAND GETKEYS BZPOPMIN a 0",
	))
}

// Input: blocking pops whose keys already hold data (served at once, as
// the non-blocking pop), wrong types among the keys, and every bad
// timeout: negative, -0.5, not a number, " 1", nan, inf, 1e300, an
// integer whose seconds overflow, and arity errors. Expected: Redis's
// replies byte for byte.
func TestDiffBlockingImmediate(t *testing.T) {
	ours := startServer(t, newTestServer(t))
	diffRedis(t, ours, cmds(
		"RPUSH l a b c", "ZADD z 1 x 2 y 3 w", "SET str v",
		"BLPOP nokey l 0", "BRPOP nokey l 1", "BLPOP str l 0", "BLPOP nokey str 0",
		"BLMPOP 0 2 nokey l RIGHT COUNT 5", "EXISTS l",
		"RPUSH l a b c",
		"BLMOVE l l2 LEFT RIGHT 0", "BRPOPLPUSH l l2 0", "LRANGE l2 0 -1", "BLMOVE l str LEFT LEFT 0",
		"BLMOVE str l LEFT LEFT 0", "BLMOVE l l2 UP LEFT 0", "BLMOVE l l2 LEFT LEFT x",
		"BZPOPMIN nokey z 0", "BZPOPMAX z 0", "BZMPOP 0 1 z MIN COUNT 5", "BZPOPMIN str 0",
		"ZADD z 1 x", "BZMPOP 0 2 nokey z MAX", "BZMPOP 0 0 z MAX", "BZMPOP 1 z MAX",
		"BLPOP k -1", "BLPOP k -0.5", "BLPOP k abc", "BLPOP k \" 1\"", "BLPOP k nan", "BLPOP k inf",
		"BLPOP k -inf", "BLPOP k 1e300", "BLPOP k 9223372036854775807", "BLPOP k -9223372036854775808",
		"BRPOPLPUSH k d -1", "BZPOPMIN k -1", "BZMPOP x 1 k MIN", "BLMPOP -2 1 k LEFT",
		"BLMPOP 0 1 k UP", "BLPOP k", "BZPOPMAX k", "BLMOVE a b LEFT LEFT", "BLMPOP 0 1 k",
		"WAIT 0 0", "WAIT -1 100", "WAIT x 0", "WAIT 1 -1", "WAIT 1 1.5", "WAIT 1",
	))
}

// Input: three clients block in turn on one key (BLPOP, BRPOP, BLMPOP
// COUNT 2) and a fourth pushes five elements at once; a pipeline of a
// push and LLEN (the waiting clients are served between the two); a
// client blocked on two keys served by the second. Expected: the same
// clients get the same elements in the same order as from Redis, and the
// same lengths after.
func TestDiffBlockingFIFO(t *testing.T) {
	ours := startServer(t, newTestServer(t))
	steps := concatSteps(
		on(1, "SEND BLPOP k 0"), on(0, "WAITBLOCKED 1"),
		on(2, "SEND BRPOP k 0"), on(0, "WAITBLOCKED 2"),
		on(3, "SEND BLMPOP 0 1 k LEFT COUNT 2"), on(0, "WAITBLOCKED 3"),
		on(0, "RPUSH k a b c d e"),
		on(1, "RECV"), on(2, "RECV"), on(3, "RECV"),
		on(0, "LRANGE k 0 -1", "LLEN k"),
		on(1, "SEND BLPOP q 0"), on(0, "WAITBLOCKED 1"),
		on(0, "SEND RPUSH q 1 2", "RECV", "SEND LLEN q", "RECV"),
		on(1, "RECV"),
		on(2, "SEND BLPOP a1 a2 a1 0"), on(0, "WAITBLOCKED 1"),
		on(0, "RPUSH a2 x"), on(2, "RECV"),
		on(0, "EXISTS a2"),
	)
	diffBlocking(t, ours, 4, steps)
}

// Input: a BLMOVE chain (a client waits on a with destination b, another
// on b; a push to a serves both), BRPOPLPUSH to a destination of the
// wrong type (WRONGTYPE, nothing moves), BLMOVE with itself as the
// destination, a client blocked on a key that becomes a sorted set (not
// served) and then a list, and sorted set waits (BZPOPMIN, BZPOPMAX,
// BZMPOP) served by ZADD. Expected: Redis's replies and data.
func TestDiffBlockingMoveAndZset(t *testing.T) {
	ours := startServer(t, newTestServer(t))
	steps := concatSteps(
		on(1, "SEND BLMOVE a b LEFT RIGHT 0"), on(0, "WAITBLOCKED 1"),
		on(2, "SEND BLPOP b 0"), on(0, "WAITBLOCKED 2"),
		on(0, "RPUSH a x y"), on(1, "RECV"), on(2, "RECV"),
		on(0, "LRANGE a 0 -1", "EXISTS b"),
		on(0, "SET dst str"),
		on(1, "SEND BRPOPLPUSH src dst 0"), on(0, "WAITBLOCKED 1"),
		on(0, "RPUSH src v"), on(1, "RECV"), on(0, "LRANGE src 0 -1", "GET dst", "DEL src"),
		on(1, "SEND BLMOVE self self RIGHT LEFT 0"), on(0, "WAITBLOCKED 1"),
		on(0, "RPUSH self 1 2"), on(1, "RECV"), on(0, "LRANGE self 0 -1"),
		on(1, "SEND BLPOP mixed 0"), on(0, "WAITBLOCKED 1"),
		on(0, "ZADD mixed 1 m"), on(0, "WAITBLOCKED 1", "DEL mixed", "LPUSH mixed l"), on(1, "RECV"),
		on(1, "SEND BZPOPMIN zs 0"), on(0, "WAITBLOCKED 1"),
		on(2, "SEND BZPOPMAX zs 0"), on(0, "WAITBLOCKED 2"),
		on(3, "SEND BZMPOP 0 2 zt zs MAX COUNT 10"), on(0, "WAITBLOCKED 3"),
		on(0, "ZADD zs 1 a 2 b 3 c 4 d 5.5 e"),
		on(1, "RECV"), on(2, "RECV"), on(3, "RECV"), on(0, "EXISTS zs"),
		on(1, "SEND BZPOPMIN zz 0"), on(0, "WAITBLOCKED 1"),
		on(0, "RPUSH zz notazset"), on(0, "WAITBLOCKED 1", "DEL zz", "ZADD zz 7 q"), on(1, "RECV"),
	)
	diffBlocking(t, ours, 4, steps)
}

// Input: pushes that reach blocked clients by other ways than a push
// command: MULTI/EXEC with two pushes (served once, after EXEC), RENAME
// onto the key, MOVE into the client's database, SWAPDB bringing the key
// in, LMOVE creating the key; and blocking commands inside MULTI (they do
// not block: null array, nil bulk for BLMOVE). Expected: Redis's replies.
func TestDiffBlockingWakeups(t *testing.T) {
	ours := startServer(t, newTestServer(t))
	steps := concatSteps(
		on(1, "SEND BLPOP k 0"), on(0, "WAITBLOCKED 1"),
		on(0, "MULTI", "LPUSH k a", "LPUSH k b", "LLEN k", "EXEC"), on(1, "RECV"), on(0, "LRANGE k 0 -1", "DEL k"),
		on(1, "SEND BLPOP dst 0"), on(0, "WAITBLOCKED 1"),
		on(0, "RPUSH src v1 v2", "RENAME src dst"), on(1, "RECV"), on(0, "LRANGE dst 0 -1"),
		on(1, "SELECT 1", "SEND BRPOP mk 0"), on(0, "WAITBLOCKED 1"),
		on(0, "RPUSH mk m1", "MOVE mk 1"), on(1, "RECV"), on(0, "EXISTS mk"),
		on(1, "SEND BLPOP sw 0"), on(0, "WAITBLOCKED 1"),
		on(0, "RPUSH sw s1", "SWAPDB 0 1"), on(1, "RECV"), on(0, "SWAPDB 0 1", "EXISTS sw"),
		on(1, "SELECT 0", "SEND BLPOP lm 0"), on(0, "WAITBLOCKED 1"),
		on(0, "RPUSH from f1", "LMOVE from lm LEFT LEFT"), on(1, "RECV"),
		on(2, "MULTI", "BLPOP none 0", "BLMOVE none x LEFT LEFT 0", "BRPOPLPUSH none x 0",
			"BZPOPMIN none 0", "BLMPOP 0 1 none LEFT", "BZMPOP 0 1 none MIN", "WAIT 1 0", "EXEC"),
		on(0, "DBSIZE"),
	)
	diffBlocking(t, ours, 3, steps)
}

// Input: timeouts (0.1 s; 0.0001 s, which Redis rounds up to 1 ms; WAIT 1
// 50), CLIENT UNBLOCK with TIMEOUT and ERROR and a bad reason, of a
// client that is not blocked and of one blocked forever, then a blocked
// client that disconnects (a later push stays in the list) and INFO's
// count. Expected: Redis's replies.
func TestDiffBlockingTimeoutsAndUnblock(t *testing.T) {
	ours := startServer(t, newTestServer(t))
	steps := concatSteps(
		on(1, "BLPOP t 0.1", "BZPOPMIN t 0.05", "BLMOVE t u LEFT LEFT 0.05", "BRPOPLPUSH t u 0.0001",
			"BLMPOP 0.05 1 t LEFT", "BZMPOP 0.05 1 t MIN", "WAIT 1 50"),
		on(0, "CLIENT UNBLOCK $ID1", "CLIENT UNBLOCK $ID1 error", "CLIENT UNBLOCK $ID1 bad",
			"CLIENT UNBLOCK x", "CLIENT UNBLOCK 1 2 3"),
		on(1, "SEND BLPOP t 0"), on(0, "WAITBLOCKED 1", "CLIENT UNBLOCK $ID1"), on(1, "RECV"),
		on(1, "SEND BLMOVE t u LEFT LEFT 0"), on(0, "WAITBLOCKED 1", "CLIENT UNBLOCK $ID1 TIMEOUT"), on(1, "RECV"),
		on(1, "SEND BZPOPMAX t 0"), on(0, "WAITBLOCKED 1", "CLIENT UNBLOCK $ID1 ERROR"), on(1, "RECV"),
		on(1, "SEND WAIT 1 0"), on(0, "WAITBLOCKED 1", "CLIENT UNBLOCK $ID1"), on(1, "RECV"),
		on(1, "SEND WAIT 2 0"), on(0, "WAITBLOCKED 1", "CLIENT UNBLOCK $ID1 ERROR"), on(1, "RECV"),
		on(1, "PING"),
		on(2, "SEND BLPOP gone 0"), on(0, "WAITBLOCKED 1"), on(2, "CLOSE"), on(0, "WAITBLOCKED 0"),
		on(0, "RPUSH gone g", "LLEN gone", "CLIENT UNBLOCK $ID2"),
	)
	diffBlocking(t, ours, 3, steps)
}

// Input: a client pipelines a blocking pop and commands behind it (they
// wait until it is served, then run in order), and a client whose
// replies are skipped (CLIENT REPLY SKIP) blocks: its served reply is
// dropped, the next is sent. Expected: Redis's replies.
func TestDiffBlockingPipeline(t *testing.T) {
	ours := startServer(t, newTestServer(t))
	steps := concatSteps(
		on(1, "SEND BLPOP p 0", "SEND SET after 1", "SEND GET after"), on(0, "WAITBLOCKED 1", "GET after"),
		on(0, "RPUSH p x"), on(1, "RECV", "RECV", "RECV"),
		on(1, "SEND CLIENT REPLY SKIP", "SEND BLPOP sk 0"), on(0, "WAITBLOCKED 1", "RPUSH sk y"),
		on(1, "PING"), on(0, "EXISTS sk"),
	)
	diffBlocking(t, ours, 2, steps)
}

// Input: a client blocked on a key is killed with CLIENT KILL ID, and in
// the same pipeline another client pushes to the key and reads its
// length. Expected: Redis's replies: the killed client takes nothing (the
// length is 1).
func TestDiffBlockedClientKilled(t *testing.T) {
	ours := startServer(t, newTestServer(t))
	steps := concatSteps(
		on(1, "SEND BLPOP killed 0"), on(0, "WAITBLOCKED 1"),
		on(0, "SEND CLIENT KILL ID $ID1", "SEND RPUSH killed v", "SEND LLEN killed", "RECV", "RECV", "RECV"),
		on(0, "WAITBLOCKED 0", "LRANGE killed 0 -1"),
	)
	diffBlocking(t, ours, 2, steps)
}

// Input: two BLMPOP clients with COUNT 2 and 10 and one push of three
// elements; BZMPOP MIN COUNT 2 then BZPOPMIN with one ZADD of three; a
// client blocked on two keys both filled by one EXEC (the first key
// pushed serves it); RPUSHX and LPUSHX on the waited key (no key made, no
// one served); a string SET on it and DEL (still waiting), then a push.
// Expected: Redis's replies and what is left in the keys.
func TestDiffBlockingMore(t *testing.T) {
	ours := startServer(t, newTestServer(t))
	steps := concatSteps(
		on(1, "SEND BLMPOP 0 1 m RIGHT COUNT 2"), on(0, "WAITBLOCKED 1"),
		on(2, "SEND BLMPOP 0 2 other m LEFT COUNT 10"), on(0, "WAITBLOCKED 2"),
		on(0, "RPUSH m 1 2 3"), on(1, "RECV"), on(2, "RECV"), on(0, "EXISTS m"),
		on(1, "SEND BZMPOP 0 1 zm MIN COUNT 2"), on(0, "WAITBLOCKED 1"),
		on(2, "SEND BZPOPMIN zm 0"), on(0, "WAITBLOCKED 2"),
		on(0, "ZADD zm 3 c 1 a 2 b", "ZADD zm 9 z"), on(1, "RECV"), on(2, "RECV"), on(0, "ZRANGE zm 0 -1 WITHSCORES"),
		on(1, "SEND BLPOP k1 k2 0"), on(0, "WAITBLOCKED 1"),
		on(0, "MULTI", "RPUSH k2 x", "RPUSH k1 y", "EXEC"), on(1, "RECV"), on(0, "LRANGE k1 0 -1", "EXISTS k2"),
		on(1, "SEND BRPOP w 0"), on(0, "WAITBLOCKED 1"),
		on(0, "RPUSHX w a", "LPUSHX w b", "SET w str", "EXISTS w", "DEL w", "WAITBLOCKED 1", "LPUSH w c d"),
		on(1, "RECV"), on(0, "LRANGE w 0 -1"),
	)
	diffBlocking(t, ours, 3, steps)
}

// Input: with --timeout 1 (idle clients closed after a second), a client
// blocked in BLPOP for 4 s (the other connection pings every 0.5 s to
// stay), then a push. Expected: as Redis, the blocked client is not closed
// as idle and gets the element.
func TestDiffBlockedNotIdle(t *testing.T) {
	ours := startServer(t, newTestServer(t, func(c *config) { c.timeout = 1 }))
	steps := concatSteps(
		on(1, "SEND BLPOP idle 0"), on(0, "WAITBLOCKED 1"),
		on(0, "SLEEP 500", "PING", "SLEEP 500", "PING", "SLEEP 500", "PING", "SLEEP 500", "PING",
			"SLEEP 500", "PING", "SLEEP 500", "PING", "SLEEP 500", "PING", "SLEEP 500", "PING"),
		on(0, "RPUSH idle v"), on(1, "RECV"),
	)
	diffBlocking(t, ours, 2, steps, "--timeout", "1")
}

// Input: a client held by CLIENT PAUSE WRITE killed with CLIENT KILL,
// then the pause lifted. Expected: as Redis, nothing is left blocked and
// the held SET never runs.
func TestDiffPausedClientKilled(t *testing.T) {
	ours := startServer(t, newTestServer(t))
	steps := concatSteps(
		on(0, "CLIENT PAUSE 100000 WRITE"), on(2, "SEND SET never 1"), on(0, "WAITBLOCKED 1"),
		on(0, "CLIENT KILL ID $ID2", "WAITBLOCKED 0", "CLIENT UNPAUSE", "EXISTS never"),
	)
	diffBlocking(t, ours, 3, steps)
}
