package main

import (
	"bytes"
	"testing"

	"github.com/goae/goae/internal/resp"
)

// FuzzDispatch feeds arbitrary bytes, in two pieces split at a point the
// fuzzer chooses, through respserver.Feed on an in-memory client of one
// long-lived kv server, authenticated or not. The keyspace is emptied
// after each input, so that a failing input fails again on its own.
// Expected: no panic; the client's output is a sequence of well-formed
// RESP2 replies; the output buffer limits (set low, applied to the
// in-memory client with LimitOutput) bound what one input can make the
// server hold; and afterwards a fresh client still gets +PONG to PING
// and a SET/GET round trip.
// Seeds: testdata/fuzz/FuzzDispatch, plus the pipelines below.
func FuzzDispatch(f *testing.F) {
	for _, seed := range []string{
		"PING\r\n",
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
		"SET n 10\r\nINCR n\r\nINCRBY n -3\r\nDECR n\r\nGET n\r\n",
		"RPUSH l a b c\r\nLRANGE l 0 -1\r\nLPOP l\r\nLINDEX l 5\r\n",
		"HSET h f v g w\r\nHGETALL h\r\nHDEL h f\r\n",
		"SADD s a b c\r\nSRANDMEMBER s -5\r\nSMEMBERS s\r\n",
		"ZADD z 1 a 2 b\r\nZRANGE z 0 -1 WITHSCORES\r\nZSCORE z a\r\n",
		"SETBIT b 100 1\r\nBITCOUNT b 0 -1 BIT\r\nBITPOS b 1 2 -1 BIT\r\nBITOP XOR d b b\r\nBITFIELD b OVERFLOW SAT INCRBY i5 #3 100 GET u63 1\r\n",
		"SETRANGE r 5 abc\r\nGETRANGE r -3 -1\r\nGETEX r PX 100000\r\nLCS r r IDX MINMATCHLEN 1 WITHMATCHLEN\r\n",
		"RPUSH l a b a\r\nLPOS l a RANK -1 COUNT 0 MAXLEN 2\r\nLINSERT l BEFORE b x\r\n",
		"SADD s 1 2 x\r\nSADD t 2 3\r\nSINTERCARD 2 s t LIMIT 1\r\nSUNIONSTORE u s t\r\nSDIFF s t\r\nSMOVE s t x\r\nSSCAN u 0 MATCH * COUNT 1\r\nSPOP u 2\r\n",
		"HSET h f v g w\r\nHRANDFIELD h -5 WITHVALUES\r\nHSCAN h 0 COUNT 1\r\n",
		"ZADD z 1 a 2 b\r\nZUNIONSTORE d 2 z z WEIGHTS 2 inf AGGREGATE MAX\r\nZINTER 1 z WITHSCORES\r\nZDIFF 2 z d\r\nZRANGESTORE e z (1 +inf BYSCORE\r\nZRANDMEMBER z -3 WITHSCORES\r\nZSCAN z 0\r\nZINTERCARD 1 z LIMIT 1\r\n",
		"SET e v EX 100\r\nTTL e\r\nEXPIRE e 10 GT\r\nPERSIST e\r\nDEL e\r\n",
		"KEYS *\r\nSCAN 0 MATCH * COUNT 10\r\nDBSIZE\r\n",
		"CLIENT SETNAME x\r\nCLIENT LIST\r\nCLIENT INFO\r\nHELLO 2\r\n",
		"CONFIG GET *\r\nINFO\r\nCOMMAND COUNT\r\n",
		"*1\r\n$-5\r\nPING\r\n",
		"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nQUIT\r\nPING\r\n",
		"\"unbalanced\r\n",
		"AUTH secret\r\nSET a b\r\n",
		"*11\r\n",
		"*1\r\n$16385\r\n",
		"BLPOP q 0\r\nRPUSH q a\r\nBLMOVE a b LEFT RIGHT 0.1\r\nLMPOP 1 q LEFT COUNT 2\r\n",
		"BZMPOP 0 2 z y MIN COUNT 3\r\nZMPOP 1 z MAX\r\nWAIT 1 10\r\nCLIENT UNBLOCK 1 ERROR\r\n",
		"CLIENT PAUSE 100 WRITE\r\nSET k v\r\nCLIENT REPLY SKIP\r\nGET k\r\nRESET\r\nTIME\r\n",
	} {
		f.Add([]byte(seed), uint16(len(seed)/2), false)
		f.Add([]byte(seed), uint16(0), true)
	}
	s := newTestServer(f, func(c *config) {
		c.requirepass = ""
		// Small limits, so that no input can make the fuzzer allocate
		// gigabytes (SETRANGE/APPEND check proto-max-bulk-len;
		// SRANDMEMBER with a huge negative count is bounded by the
		// output limit).
		c.protoMaxBulkLen = 1 << 20
		c.clientOutputBufferLimit.normal.Hard = 4 << 20
		c.clientOutputBufferLimit.normal.Soft = -1
	})
	f.Cleanup(s.close)
	f.Fuzz(func(t *testing.T, data []byte, split uint16, unauth bool) {
		s.updateCachedTime()
		s.cfg.requirepass = ""
		if unauth {
			s.cfg.requirepass = "secret"
		}
		rc := s.rs.NewClient()
		s.rs.LimitOutput(rc)
		cut := int(split) % (len(data) + 1)
		s.rs.Feed(rc, bytes.Clone(data[:cut]))
		s.rs.Feed(rc, bytes.Clone(data[cut:]))
		checkReplies(t, rc.Output())
		if n := len(rc.Output()); n > 5<<20 {
			t.Fatalf("%d bytes of output held past the 4 MiB hard limit", n)
		}
		s.rs.BeforeSleep() // frees the clients scheduled to close
		// A client left blocked, or a pause, would hold the probe's
		// commands: lift the pause and free the client, as a disconnect
		// would, then run what that unblocked.
		s.unpauseClients()
		s.rs.FreeClient(rc)
		s.blockedBeforeSleep()
		s.db.flush()

		s.cfg.requirepass = ""
		probe := s.rs.NewClient()
		s.rs.Feed(probe, []byte("PING\r\nSET fuzz:probe ok\r\nGET fuzz:probe\r\n"))
		if got := string(probe.Output()); got != "+PONG\r\n+OK\r\n$2\r\nok\r\n" {
			t.Fatalf("a fresh client after the input got %q", got)
		}
	})
}

// checkReplies fails unless out is a sequence of complete RESP2 replies.
func checkReplies(t *testing.T, out []byte) {
	t.Helper()
	for len(out) > 0 {
		_, n, err := resp.ReadReply(out)
		if err != nil || n == 0 {
			t.Fatalf("malformed output at %q: %v", out[:min(len(out), 200)], err)
		}
		out = out[n:]
	}
}
