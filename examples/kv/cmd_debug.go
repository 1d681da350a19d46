package main

import (
	"strings"
	"time"

	"github.com/goae/goae/internal/resp"
)

// debugCommands is DEBUG (debug.c). It is a protected command: refused
// unless enable-debug-command is yes, or local and the client is local
// (processCommand).
var debugCommands = []*command{
	{name: "debug", arity: -2, flags: cmdNoscript | cmdLoading | cmdStale | cmdProtected, proc: debugCommand},
}

// debugNotAllowedErr is processCommand's refusal of DEBUG.
const debugNotAllowedErr = `DEBUG command not allowed. If the enable-debug-command option is set to "local", ` +
	`you can run it from a local connection, otherwise you need to set this option in the configuration file, ` +
	`and then restart the server.`

// defaultQuicklistPackedThreshold is quicklist.c's packed_threshold: an
// element this large or larger is a plain node (1 GB).
const defaultQuicklistPackedThreshold = 1 << 30

// debugSubcommand is one DEBUG subcommand: argc is the exact argument
// count with DEBUG itself (0: any), proc runs it.
type debugSubcommand struct {
	argc int
	proc func(s *server, c *client)
}

// debugSubcommands are the DEBUG subcommands kv has, by lowercase name.
// A subcommand is one entry; DEBUG OBJECT's code is beside the OBJECT
// command's (object.go).
var debugSubcommands = map[string]debugSubcommand{
	"help":                       {2, debugHelp},
	"object":                     {3, debugObjectCommand},
	"sleep":                      {3, debugSleep},
	"set-active-expire":          {3, debugSetActiveExpire},
	"quicklist-packed-threshold": {3, debugQuicklistPackedThreshold},
}

// debugCommand dispatches on argv[1]; an unknown name or a wrong count is
// Redis's "unknown subcommand" error.
func debugCommand(s *server, c *client) {
	sub, ok := debugSubcommands[strings.ToLower(string(c.Argv[1]))]
	if !ok || (sub.argc != 0 && len(c.Argv) != sub.argc) {
		addReplySubcommandSyntaxError(c)
		return
	}
	sub.proc(s, c)
}

// debugSleep is DEBUG SLEEP <seconds>: the whole server stops, as Redis's
// nanosleep does; the seconds are strtod's (garbage is 0).
func debugSleep(s *server, c *client) {
	secs, _, _ := strtod(c.Argv[2])
	if us := secs * 1e6; us >= 1 && us < 1<<62 {
		time.Sleep(time.Duration(int64(us)) * time.Microsecond)
	}
	c.AddReply(resp.OK)
}

// debugSetActiveExpire is DEBUG SET-ACTIVE-EXPIRE <0|1>: atoi's value;
// 0 stops the active expiry cycle (expire.go), any other starts it.
func debugSetActiveExpire(s *server, c *client) {
	n, _ := strtoll(atoiPrefix(string(c.Argv[2])))
	s.activeExpireDisabled = int32(n) == 0
	c.AddReply(resp.OK)
}

// atoiPrefix is the part of s atoi reads: spaces, a sign, digits.
func atoiPrefix(s string) string {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	i := 0
	if i < len(t) && (t[i] == '+' || t[i] == '-') {
		i++
	}
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	return t[:i]
}

// debugQuicklistPackedThreshold is DEBUG QUICKLIST-PACKED-THRESHOLD
// <size>: a memory value up to 4gb minus 1mb; 0 restores the default.
func debugQuicklistPackedThreshold(s *server, c *client) {
	sz, ok := memtoull(string(c.Argv[2]))
	if !ok || sz > 1<<32-1<<20 {
		c.AddReplyError("argument must be a memory value bigger than 1 and smaller than 4gb")
		return
	}
	if sz == 0 {
		sz = defaultQuicklistPackedThreshold
	}
	s.quicklistPackedThreshold = int64(sz)
	c.AddReply(resp.OK)
}

// debugHelp is DEBUG HELP: Redis 7.0.15's text, every subcommand it
// lists; those kv does not have answer as unknown subcommands.
func debugHelp(s *server, c *client) {
	c.AddReplyHelp("DEBUG", debugHelpLines)
}

var debugHelpLines = []string{
	"AOF-FLUSH-SLEEP <microsec>",
	"    Server will sleep before flushing the AOF, this is used for testing.",
	"ASSERT",
	"    Crash by assertion failed.",
	"CHANGE-REPL-ID",
	"    Change the replication IDs of the instance.",
	"    Dangerous: should be used only for testing the replication subsystem.",
	"CONFIG-REWRITE-FORCE-ALL",
	"    Like CONFIG REWRITE but writes all configuration options, including",
	"    keywords not listed in original configuration file or default values.",
	"CRASH-AND-RECOVER [<milliseconds>]",
	"    Hard crash and restart after a <milliseconds> delay (default 0).",
	"DIGEST",
	"    Output a hex signature representing the current DB content.",
	"DIGEST-VALUE <key> [<key> ...]",
	"    Output a hex signature of the values of all the specified keys.",
	"ERROR <string>",
	"    Return a Redis protocol error with <string> as message. Useful for clients",
	"    unit tests to simulate Redis errors.",
	"LEAK <string>",
	"    Create a memory leak of the input string.",
	"LOG <message>",
	"    Write <message> to the server log.",
	"HTSTATS <dbid>",
	"    Return hash table statistics of the specified Redis database.",
	"HTSTATS-KEY <key>",
	"    Like HTSTATS but for the hash table stored at <key>'s value.",
	"LOADAOF",
	"    Flush the AOF buffers on disk and reload the AOF in memory.",
	"REPLICATE <string>",
	"    Replicates the provided string to replicas, allowing data divergence.",
	"MALLCTL <key> [<val>]",
	"    Get or set a malloc tuning integer.",
	"MALLCTL-STR <key> [<val>]",
	"    Get or set a malloc tuning string.",
	"OBJECT <key>",
	"    Show low level info about `key` and associated value.",
	"DROP-CLUSTER-PACKET-FILTER <packet-type>",
	"    Drop all packets that match the filtered type. Set to -1 allow all packets.",
	"OOM",
	"    Crash the server simulating an out-of-memory error.",
	"PANIC",
	"    Crash the server simulating a panic.",
	"POPULATE <count> [<prefix>] [<size>]",
	"    Create <count> string keys named key:<num>. If <prefix> is specified then",
	"    it is used instead of the 'key' prefix. These are not propagated to",
	"    replicas. Cluster slots are not respected so keys not belonging to the",
	"    current node can be created in cluster mode.",
	"PROTOCOL <type>",
	"    Reply with a test value of the specified type. <type> can be: string,",
	"    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
	"    true, false.",
	"RELOAD [option ...]",
	"    Save the RDB on disk and reload it back to memory. Valid <option> values:",
	"    * MERGE: conflicting keys will be loaded from RDB.",
	"    * NOFLUSH: the existing database will not be removed before load, but",
	"      conflicting keys will generate an exception and kill the server.",
	"    * NOSAVE: the database will be loaded from an existing RDB file.",
	"    Examples:",
	"    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
	"      the database.",
	"    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
	"      existing RDB file.",
	"    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
	"      file to the database.",
	"RESTART [<milliseconds>]",
	"    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
	"SDSLEN <key>",
	"    Show low level SDS string info representing `key` and value.",
	"SEGFAULT",
	"    Crash the server with sigsegv.",
	"SET-ACTIVE-EXPIRE <0|1>",
	"    Setting it to 0 disables expiring keys in background when they are not",
	"    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
	"    default.",
	"QUICKLIST-PACKED-THRESHOLD <size>",
	"    Sets the threshold for elements to be inserted as plain vs packed nodes",
	"    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
	"SET-SKIP-CHECKSUM-VALIDATION <0|1>",
	"    Enables or disables checksum checks for RDB files and RESTORE's payload.",
	"SLEEP <seconds>",
	"    Stop the server for <seconds>. Decimals allowed.",
	"STRINGMATCH-TEST",
	"    Run a fuzz tester against the stringmatchlen() function.",
	"STRUCTSIZE",
	"    Return the size of different Redis core C structures.",
	"LISTPACK <key>",
	"    Show low level info about the listpack encoding of <key>.",
	"QUICKLIST <key> [<0|1>]",
	"    Show low level info about the quicklist encoding of <key>.",
	"    The optional argument (0 by default) sets the level of detail",
	"CLIENT-EVICTION",
	"    Show low level client eviction pools info (maxmemory-clients).",
	"PAUSE-CRON <0|1>",
	"    Stop periodic cron job processing.",
	"REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
	"    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
	"    In case NEVER is provided the last observed peak will never be reset",
	"    In case RESET is provided the peak reset time will be restored to the default value",
	"REPLYBUFFER RESIZING <0|1>",
	"    Enable or disable the reply buffer resize cron job",
	"CLUSTERLINK KILL <to|from|all> <node-id>",
	"    Kills the link based on the direction to/from (both) with the provided node.",
}
