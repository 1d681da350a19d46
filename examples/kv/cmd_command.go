package main

import (
	"slices"
	"strings"

	"github.com/goae/goae/internal/resp"
)

// commandCommands is COMMAND and its subcommands: introspection of the
// command table, in Redis 7.0's reply shapes.
var commandCommands = []*command{
	{name: "command", arity: -1, proc: commandCommand, subcommands: subcommandMap(
		&command{name: "command|count", arity: 2, proc: commandCountCommand},
		&command{name: "command|list", arity: -2, proc: commandListCommand},
		&command{name: "command|info", arity: -2, proc: commandInfoCommand},
		&command{name: "command|docs", arity: -2, proc: commandDocsCommand},
		&command{name: "command|getkeys", arity: -4, proc: commandGetkeysCommand},
		&command{name: "command|help", arity: 2, proc: commandHelpCommand},
	)},
}

// sortedCommands returns the top-level commands by name (Redis replies in
// its hash table's order; a sorted one is as valid and stable).
func (s *server) sortedCommands() []*command {
	out := make([]*command, 0, len(s.commands))
	for _, cmd := range s.commands {
		out = append(out, cmd)
	}
	slices.SortFunc(out, func(a, b *command) int { return strings.Compare(a.name, b.name) })
	return out
}

func sortedSubcommands(cmd *command) []*command {
	out := make([]*command, 0, len(cmd.subcommands))
	for _, sub := range cmd.subcommands {
		out = append(out, sub)
	}
	slices.SortFunc(out, func(a, b *command) int { return strings.Compare(a.name, b.name) })
	return out
}

// lookupCommandByName finds "name" or "container|sub", case-insensitively
// (lookupCommandBySds).
func (s *server) lookupCommandByName(name []byte) *command {
	parts := strings.Split(strings.ToLower(string(name)), "|")
	if len(parts) > 2 {
		return nil
	}
	cmd := s.commands[parts[0]]
	if cmd == nil || len(parts) == 1 {
		return cmd
	}
	if cmd.subcommands == nil {
		return nil
	}
	return cmd.subcommands[parts[1]]
}

// commandCommand is COMMAND: every command's details.
func commandCommand(s *server, c *client) {
	cmds := s.sortedCommands()
	c.AddReplyArrayLen(len(cmds))
	for _, cmd := range cmds {
		addReplyCommandInfo(c, cmd)
	}
}

func commandCountCommand(s *server, c *client) { c.AddReplyInt(int64(len(s.commands))) }

// commandInfoCommand is COMMAND INFO [name ...]: nil for an unknown name.
func commandInfoCommand(s *server, c *client) {
	if len(c.Argv) == 2 {
		commandCommand(s, c)
		return
	}
	c.AddReplyArrayLen(len(c.Argv) - 2)
	for _, name := range c.Argv[2:] {
		if cmd := s.lookupCommandByName(name); cmd != nil {
			addReplyCommandInfo(c, cmd)
		} else {
			c.AddReplyNull()
		}
	}
}

// Flag names in the order Redis's addReplyCommandFlags lists them.
var commandFlagNames = []struct {
	flag int
	name string
}{
	{cmdWrite, "write"},
	{cmdReadonly, "readonly"},
	{cmdDenyOOM, "denyoom"},
	{cmdPubsub, "pubsub"},
	{cmdNoscript, "noscript"},
	{cmdBlocking, "blocking"},
	{cmdLoading, "loading"},
	{cmdStale, "stale"},
	{cmdSkipSlowlog, "skip_slowlog"},
	{cmdFast, "fast"},
	{cmdNoAuth, "no_auth"},
	{cmdNoMulti, "no_multi"},
	{cmdMovableKeys, "movablekeys"},
	{cmdAllowBusy, "allow_busy"},
}

// addReplyCommandInfo replies Redis 7.0's ten fields for cmd: name, arity,
// flags, first key, last key, key step, ACL categories, tips, key specs
// and subcommands. This server has no tips and no key specs (clients fall
// back on the three key positions), so those are empty.
func addReplyCommandInfo(c *client, cmd *command) {
	c.AddReplyArrayLen(10)
	c.AddReplyBulkString(cmd.name)
	c.AddReplyInt(int64(cmd.arity))
	n := 0
	for _, f := range commandFlagNames {
		if cmd.flags&f.flag != 0 {
			n++
		}
	}
	c.AddReplySetLen(n)
	for _, f := range commandFlagNames {
		if cmd.flags&f.flag != 0 {
			c.AddReplyStatus(f.name)
		}
	}
	c.AddReplyInt(int64(cmd.firstKey))
	c.AddReplyInt(int64(cmd.lastKey))
	c.AddReplyInt(int64(cmd.keyStep))
	cats := aclCategories(cmd)
	// Redis 7.0 sends the flags, categories, tips, key specs and
	// subcommands as sets in RESP3.
	c.AddReplySetLen(len(cats))
	for _, cat := range cats {
		c.AddReplyStatus(cat)
	}
	c.AddReplySetLen(0) // tips
	c.AddReplySetLen(0) // key specs
	subs := sortedSubcommands(cmd)
	c.AddReplySetLen(len(subs))
	for _, sub := range subs {
		addReplyCommandInfo(c, sub)
	}
}

// aclCategories derives a command's ACL categories from its flags and
// group, in the order Redis lists them: "@keyspace" for generic commands,
// "@read" or "@write", the data type, "@fast" or "@slow", "@connection".
// A container command has "@slow" only, as in Redis.
func aclCategories(cmd *command) []string {
	if cmd.subcommands != nil {
		return []string{"@slow"}
	}
	group := commandGroup(cmd)
	var cats []string
	if (group == "generic" && cmd.flags&(cmdCatConnection|cmdCatSortTypes) == 0) || cmd.flags&cmdCatKeyspace != 0 {
		cats = append(cats, "@keyspace")
	}
	if cmd.flags&cmdReadonly != 0 {
		cats = append(cats, "@read")
	}
	if cmd.flags&cmdWrite != 0 {
		cats = append(cats, "@write")
	}
	switch group {
	case "string", "list", "hash", "set", "bitmap":
		cats = append(cats, "@"+group)
	case "sorted-set":
		cats = append(cats, "@sortedset")
	}
	if cmd.flags&cmdCatSortTypes != 0 {
		cats = append(cats, "@set", "@sortedset", "@list")
	}
	if cmd.flags&cmdPubsub != 0 { // setImplicitACLCategories
		cats = append(cats, "@pubsub")
	}
	if cmd.flags&cmdFast != 0 {
		cats = append(cats, "@fast")
	} else {
		cats = append(cats, "@slow")
	}
	if cmd.flags&cmdBlocking != 0 {
		cats = append(cats, "@blocking")
	}
	if cmd.flags&cmdCatDangerous != 0 {
		cats = append(cats, "@dangerous")
	}
	if group == "connection" || cmd.flags&cmdCatConnection != 0 {
		cats = append(cats, "@connection")
	}
	if group == "transactions" {
		cats = append(cats, "@transaction")
	}
	return cats
}

// commandListCommand is COMMAND LIST [FILTERBY MODULE name | ACLCAT
// category | PATTERN pattern]: the names of the commands and subcommands.
func commandListCommand(s *server, c *client) {
	var filter string
	var arg []byte
	for i := 2; i < len(c.Argv); i++ {
		if !strings.EqualFold(string(c.Argv[i]), "filterby") || len(c.Argv)-1-i != 2 {
			c.AddReply(resp.SyntaxErr)
			return
		}
		filter = strings.ToLower(string(c.Argv[i+1]))
		if filter != "module" && filter != "aclcat" && filter != "pattern" {
			c.AddReply(resp.SyntaxErr)
			return
		}
		arg = c.Argv[i+2]
		i += 2
	}
	keep := func(cmd *command) bool {
		switch filter {
		case "module":
			return false // no modules here
		case "aclcat":
			return slices.ContainsFunc(aclCategories(cmd), func(cat string) bool {
				return strings.EqualFold(cat[1:], string(arg))
			})
		case "pattern":
			return stringMatch(arg, cmd.name, true)
		}
		return true
	}
	var names []string
	for _, cmd := range s.sortedCommands() {
		if keep(cmd) {
			names = append(names, cmd.name)
		}
		for _, sub := range sortedSubcommands(cmd) {
			if keep(sub) {
				names = append(names, sub.name)
			}
		}
	}
	c.AddReplyArrayLen(len(names))
	for _, name := range names {
		c.AddReplyBulkString(name)
	}
}

// commandGetkeysCommand is COMMAND GETKEYS command [arg ...]: the keys a
// command would touch, from its first/last/step positions.
func commandGetkeysCommand(s *server, c *client) {
	argv := c.Argv[2:]
	cmd := s.lookupCommand(argv[0])
	if cmd != nil && cmd.subcommands != nil && len(argv) >= 2 {
		cmd = lookupSubcommand(cmd, argv[1])
	}
	switch {
	case cmd == nil:
		c.AddReplyError("Invalid command specified")
		return
	case cmd.getkeys != nil && !((cmd.arity > 0 && cmd.arity != len(argv)) || len(argv) < -cmd.arity):
		keys, ok := cmd.getkeys(argv)
		if !ok {
			c.AddReplyError("Invalid arguments specified for command")
			return
		}
		c.AddReplyArrayLen(len(keys))
		for _, k := range keys {
			c.AddReplyBulk(k)
		}
		return
	case cmd.getkeys == nil && cmd.firstKey == 0:
		c.AddReplyError("The command has no key arguments")
		return
	case (cmd.arity > 0 && cmd.arity != len(argv)) || len(argv) < -cmd.arity:
		c.AddReplyError("Invalid number of arguments specified for command")
		return
	}
	last := cmd.lastKey
	if last < 0 {
		last += len(argv)
	}
	var keys [][]byte
	for i := cmd.firstKey; i <= last; i += max(cmd.keyStep, 1) {
		if i < len(argv) {
			keys = append(keys, argv[i])
		}
	}
	if len(keys) == 0 {
		c.AddReplyError("Invalid arguments specified for command")
		return
	}
	c.AddReplyArrayLen(len(keys))
	for _, k := range keys {
		c.AddReplyBulk(k)
	}
}

// commandDocsCommand is COMMAND DOCS [name ...]: a map (a flat array in
// RESP2) from command name to its documentation, summary, since and
// group, plus the subcommands' for a container; redis-cli 7.0 builds its
// help and hints from it. Unknown names are left out.
func commandDocsCommand(s *server, c *client) {
	var cmds []*command
	if len(c.Argv) == 2 {
		cmds = s.sortedCommands()
	} else {
		for _, name := range c.Argv[2:] {
			if cmd := s.lookupCommandByName(name); cmd != nil {
				cmds = append(cmds, cmd)
			}
		}
	}
	c.AddReplyMapLen(len(cmds))
	for _, cmd := range cmds {
		c.AddReplyBulkString(cmd.name)
		addReplyCommandDocs(c, cmd)
	}
}

func addReplyCommandDocs(c *client, cmd *command) {
	doc := commandDocs[cmd.name]
	if doc.group == "" {
		doc.group = commandGroup(cmd)
	}
	fields := 3
	if cmd.subcommands != nil {
		fields++
	}
	c.AddReplyMapLen(fields)
	c.AddReplyBulkString("summary")
	c.AddReplyBulkString(doc.summary)
	c.AddReplyBulkString("since")
	c.AddReplyBulkString(doc.since)
	c.AddReplyBulkString("group")
	c.AddReplyBulkString(doc.group)
	if cmd.subcommands != nil {
		subs := sortedSubcommands(cmd)
		c.AddReplyBulkString("subcommands")
		c.AddReplyMapLen(len(subs))
		for _, sub := range subs {
			c.AddReplyBulkString(sub.name)
			addReplyCommandDocs(c, sub)
		}
	}
}

func commandHelpCommand(s *server, c *client) {
	c.AddReplyHelp("COMMAND", []string{
		"(no subcommand)",
		"    Return details about all Redis commands.",
		"COUNT",
		"    Return the total number of commands in this Redis server.",
		"LIST",
		"    Return a list of all commands in this Redis server.",
		"INFO [<command-name> ...]",
		"    Return details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]",
		"    Return documentation details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>",
		"    Return the keys from a full Redis command.",
	})
}

// commandGroup is the documentation group of cmd ("string", "generic",
// "connection", ...): Redis's own for a Redis command, else the group of
// the list that holds it.
func commandGroup(cmd *command) string {
	if doc, ok := commandDocs[cmd.name]; ok {
		return doc.group
	}
	if g, ok := listGroups[cmd]; ok {
		return g
	}
	return "server"
}

// listGroups maps the commands of the per-type lists to their group, for
// commands Redis does not have. It is filled by init: the procs that read
// it are themselves in those lists, which a variable initializer could not
// refer to.
var listGroups = map[*command]string{}

func init() {
	for _, l := range []struct {
		cmds  []*command
		group string
	}{
		{stringCommands, "string"}, {keyCommands, "generic"}, {listCommands, "list"},
		{hashCommands, "hash"}, {setCommands, "set"}, {zsetCommands, "sorted-set"},
		{clientCommands, "connection"}, {helloCommands, "connection"},
	} {
		for _, cmd := range l.cmds {
			listGroups[cmd] = l.group
			for _, sub := range cmd.subcommands {
				listGroups[sub] = l.group
			}
		}
	}
}

// commandDoc is the part of Redis's command documentation COMMAND DOCS
// gives here.
type commandDoc struct{ summary, since, group string }

// commandDocs is Redis 7.0.15's documentation (summary, since, group) of
// the commands of the groups this server implements, generic, string,
// list, hash, set, sorted-set, transactions and connection, and of the
// server commands it has; only the commands in the table are ever replied.
var commandDocs = map[string]commandDoc{
	"append":                  {"Append a value to a key", "2.0.0", "string"},
	"auth":                    {"Authenticate to the server", "1.0.0", "connection"},
	"blmove":                  {"Pop an element from a list, push it to another list and return it; or block until one is available", "6.2.0", "list"},
	"blmpop":                  {"Pop elements from a list, or block until one is available", "7.0.0", "list"},
	"blpop":                   {"Remove and get the first element in a list, or block until one is available", "2.0.0", "list"},
	"brpop":                   {"Remove and get the last element in a list, or block until one is available", "2.0.0", "list"},
	"brpoplpush":              {"Pop an element from a list, push it to another list and return it; or block until one is available", "2.2.0", "list"},
	"bzmpop":                  {"Remove and return members with scores in a sorted set or block until one is available", "7.0.0", "sorted-set"},
	"bzpopmax":                {"Remove and return the member with the highest score from one or more sorted sets, or block until one is available", "5.0.0", "sorted-set"},
	"bzpopmin":                {"Remove and return the member with the lowest score from one or more sorted sets, or block until one is available", "5.0.0", "sorted-set"},
	"client":                  {"A container for client connection commands", "2.4.0", "connection"},
	"client|caching":          {"Instruct the server about tracking or not keys in the next request", "6.0.0", "connection"},
	"client|getname":          {"Get the current connection name", "2.6.9", "connection"},
	"client|getredir":         {"Get tracking notifications redirection client ID if any", "6.0.0", "connection"},
	"client|help":             {"Show helpful text about the different subcommands", "5.0.0", "connection"},
	"client|id":               {"Returns the client ID for the current connection", "5.0.0", "connection"},
	"client|info":             {"Returns information about the current client connection.", "6.2.0", "connection"},
	"client|kill":             {"Kill the connection of a client", "2.4.0", "connection"},
	"client|list":             {"Get the list of client connections", "2.4.0", "connection"},
	"client|no-evict":         {"Set client eviction mode for the current connection", "7.0.0", "connection"},
	"client|pause":            {"Stop processing commands from clients for some time", "2.9.50", "connection"},
	"client|reply":            {"Instruct the server whether to reply to commands", "3.2.0", "connection"},
	"client|setname":          {"Set the current connection name", "2.6.9", "connection"},
	"client|tracking":         {"Enable or disable server assisted client side caching support", "6.0.0", "connection"},
	"client|trackinginfo":     {"Return information about server assisted client side caching for the current connection", "6.2.0", "connection"},
	"client|unblock":          {"Unblock a client blocked in a blocking command from a different connection", "5.0.0", "connection"},
	"client|unpause":          {"Resume processing of clients that were paused", "6.2.0", "connection"},
	"command":                 {"Get array of Redis command details", "2.8.13", "server"},
	"command|count":           {"Get total number of Redis commands", "2.8.13", "server"},
	"command|docs":            {"Get array of specific Redis command documentation", "7.0.0", "server"},
	"command|getkeys":         {"Extract keys given a full Redis command", "2.8.13", "server"},
	"command|getkeysandflags": {"Extract keys and access flags given a full Redis command", "7.0.0", "server"},
	"command|help":            {"Show helpful text about the different subcommands", "5.0.0", "server"},
	"command|info":            {"Get array of specific Redis command details, or all when no argument is given.", "2.8.13", "server"},
	"command|list":            {"Get an array of Redis command names", "7.0.0", "server"},
	"config":                  {"A container for server configuration commands", "2.0.0", "server"},
	"config|get":              {"Get the values of configuration parameters", "2.0.0", "server"},
	"config|help":             {"Show helpful text about the different subcommands", "5.0.0", "server"},
	"config|resetstat":        {"Reset the stats returned by INFO", "2.0.0", "server"},
	"config|rewrite":          {"Rewrite the configuration file with the in memory configuration", "2.8.0", "server"},
	"config|set":              {"Set configuration parameters to the given values", "2.0.0", "server"},
	"copy":                    {"Copy a key", "6.2.0", "generic"},
	"debug":                   {"A container for debugging commands", "1.0.0", "server"},
	"dbsize":                  {"Return the number of keys in the selected database", "1.0.0", "server"},
	"decr":                    {"Decrement the integer value of a key by one", "1.0.0", "string"},
	"decrby":                  {"Decrement the integer value of a key by the given number", "1.0.0", "string"},
	"del":                     {"Delete a key", "1.0.0", "generic"},
	"discard":                 {"Discard all commands issued after MULTI", "2.0.0", "transactions"},
	"dump":                    {"Return a serialized version of the value stored at the specified key.", "2.6.0", "generic"},
	"echo":                    {"Echo the given string", "1.0.0", "connection"},
	"exists":                  {"Determine if a key exists", "1.0.0", "generic"},
	"exec":                    {"Execute all commands issued after MULTI", "1.2.0", "transactions"},
	"expire":                  {"Set a key's time to live in seconds", "1.0.0", "generic"},
	"expireat":                {"Set the expiration for a key as a UNIX timestamp", "1.2.0", "generic"},
	"expiretime":              {"Get the expiration Unix timestamp for a key", "7.0.0", "generic"},
	"flushall":                {"Remove all keys from all databases", "1.0.0", "server"},
	"setbit":                  {"Sets or clears the bit at offset in the string value stored at key", "2.2.0", "bitmap"},
	"getbit":                  {"Returns the bit value at offset in the string value stored at key", "2.2.0", "bitmap"},
	"bitcount":                {"Count set bits in a string", "2.6.0", "bitmap"},
	"bitpos":                  {"Find first bit set or clear in a string", "2.8.7", "bitmap"},
	"bitop":                   {"Perform bitwise operations between strings", "2.6.0", "bitmap"},
	"bitfield":                {"Perform arbitrary bitfield integer operations on strings", "3.2.0", "bitmap"},
	"bitfield_ro":             {"Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD", "6.0.0", "bitmap"},
	"subscribe":               {"Listen for messages published to the given channels", "2.0.0", "pubsub"},
	"unsubscribe":             {"Stop listening for messages posted to the given channels", "2.0.0", "pubsub"},
	"psubscribe":              {"Listen for messages published to channels matching the given patterns", "2.0.0", "pubsub"},
	"punsubscribe":            {"Stop listening for messages posted to channels matching the given patterns", "2.0.0", "pubsub"},
	"ssubscribe":              {"Listen for messages published to the given shard channels", "7.0.0", "pubsub"},
	"sunsubscribe":            {"Stop listening for messages posted to the given shard channels", "7.0.0", "pubsub"},
	"publish":                 {"Post a message to a channel", "2.0.0", "pubsub"},
	"spublish":                {"Post a message to a shard channel", "7.0.0", "pubsub"},
	"pubsub":                  {"A container for Pub/Sub commands", "2.8.0", "pubsub"},
	"pubsub|channels":         {"List active channels", "2.8.0", "pubsub"},
	"pubsub|numsub":           {"Get the count of subscribers for channels", "2.8.0", "pubsub"},
	"pubsub|numpat":           {"Get the count of unique patterns pattern subscriptions", "2.8.0", "pubsub"},
	"pubsub|shardchannels":    {"List active shard channels", "7.0.0", "pubsub"},
	"pubsub|shardnumsub":      {"Get the count of subscribers for shard channels", "7.0.0", "pubsub"},
	"pubsub|help":             {"Show helpful text about the different subcommands", "6.2.0", "pubsub"},
	"flushdb":                 {"Remove all keys from the current database", "1.0.0", "server"},
	"get":                     {"Get the value of a key", "1.0.0", "string"},
	"getdel":                  {"Get the value of a key and delete the key", "6.2.0", "string"},
	"getex":                   {"Get the value of a key and optionally set its expiration", "6.2.0", "string"},
	"getrange":                {"Get a substring of the string stored at a key", "2.4.0", "string"},
	"getset":                  {"Set the string value of a key and return its old value", "1.0.0", "string"},
	"hdel":                    {"Delete one or more hash fields", "2.0.0", "hash"},
	"hello":                   {"Handshake with Redis", "6.0.0", "connection"},
	"hexists":                 {"Determine if a hash field exists", "2.0.0", "hash"},
	"hget":                    {"Get the value of a hash field", "2.0.0", "hash"},
	"hgetall":                 {"Get all the fields and values in a hash", "2.0.0", "hash"},
	"hincrby":                 {"Increment the integer value of a hash field by the given number", "2.0.0", "hash"},
	"hincrbyfloat":            {"Increment the float value of a hash field by the given amount", "2.6.0", "hash"},
	"hkeys":                   {"Get all the fields in a hash", "2.0.0", "hash"},
	"hlen":                    {"Get the number of fields in a hash", "2.0.0", "hash"},
	"hmget":                   {"Get the values of all the given hash fields", "2.0.0", "hash"},
	"hmset":                   {"Set multiple hash fields to multiple values", "2.0.0", "hash"},
	"hrandfield":              {"Get one or multiple random fields from a hash", "6.2.0", "hash"},
	"hscan":                   {"Incrementally iterate hash fields and associated values", "2.8.0", "hash"},
	"hset":                    {"Set the string value of a hash field", "2.0.0", "hash"},
	"hsetnx":                  {"Set the value of a hash field, only if the field does not exist", "2.0.0", "hash"},
	"hstrlen":                 {"Get the length of the value of a hash field", "3.2.0", "hash"},
	"hvals":                   {"Get all the values in a hash", "2.0.0", "hash"},
	"incr":                    {"Increment the integer value of a key by one", "1.0.0", "string"},
	"incrby":                  {"Increment the integer value of a key by the given amount", "1.0.0", "string"},
	"incrbyfloat":             {"Increment the float value of a key by the given amount", "2.6.0", "string"},
	"info":                    {"Get information and statistics about the server", "1.0.0", "server"},
	"keys":                    {"Find all keys matching the given pattern", "1.0.0", "generic"},
	"lcs":                     {"Find longest common substring", "7.0.0", "string"},
	"lindex":                  {"Get an element from a list by its index", "1.0.0", "list"},
	"linsert":                 {"Insert an element before or after another element in a list", "2.2.0", "list"},
	"llen":                    {"Get the length of a list", "1.0.0", "list"},
	"lmove":                   {"Pop an element from a list, push it to another list and return it", "6.2.0", "list"},
	"lmpop":                   {"Pop elements from a list", "7.0.0", "list"},
	"lpop":                    {"Remove and get the first elements in a list", "1.0.0", "list"},
	"lpos":                    {"Return the index of matching elements on a list", "6.0.6", "list"},
	"lpush":                   {"Prepend one or multiple elements to a list", "1.0.0", "list"},
	"lpushx":                  {"Prepend an element to a list, only if the list exists", "2.2.0", "list"},
	"lrange":                  {"Get a range of elements from a list", "1.0.0", "list"},
	"lrem":                    {"Remove elements from a list", "1.0.0", "list"},
	"lset":                    {"Set the value of an element in a list by its index", "1.0.0", "list"},
	"ltrim":                   {"Trim a list to the specified range", "1.0.0", "list"},
	"mget":                    {"Get the values of all the given keys", "1.0.0", "string"},
	"migrate":                 {"Atomically transfer a key from a Redis instance to another one.", "2.6.0", "generic"},
	"move":                    {"Move a key to another database", "1.0.0", "generic"},
	"mset":                    {"Set multiple keys to multiple values", "1.0.1", "string"},
	"multi":                   {"Mark the start of a transaction block", "1.2.0", "transactions"},
	"msetnx":                  {"Set multiple keys to multiple values, only if none of the keys exist", "1.0.1", "string"},
	"object":                  {"A container for object introspection commands", "2.2.3", "generic"},
	"object|encoding":         {"Inspect the internal encoding of a Redis object", "2.2.3", "generic"},
	"object|freq":             {"Get the logarithmic access frequency counter of a Redis object", "4.0.0", "generic"},
	"object|help":             {"Show helpful text about the different subcommands", "6.2.0", "generic"},
	"object|idletime":         {"Get the time since a Redis object was last accessed", "2.2.3", "generic"},
	"object|refcount":         {"Get the number of references to the value of the key", "2.2.3", "generic"},
	"persist":                 {"Remove the expiration from a key", "2.2.0", "generic"},
	"pexpire":                 {"Set a key's time to live in milliseconds", "2.6.0", "generic"},
	"pexpireat":               {"Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0", "generic"},
	"pexpiretime":             {"Get the expiration Unix timestamp for a key in milliseconds", "7.0.0", "generic"},
	"ping":                    {"Ping the server", "1.0.0", "connection"},
	"psetex":                  {"Set the value and expiration in milliseconds of a key", "2.6.0", "string"},
	"pttl":                    {"Get the time to live for a key in milliseconds", "2.6.0", "generic"},
	"quit":                    {"Close the connection", "1.0.0", "connection"},
	"randomkey":               {"Return a random key from the keyspace", "1.0.0", "generic"},
	"rename":                  {"Rename a key", "1.0.0", "generic"},
	"renamenx":                {"Rename a key, only if the new key does not exist", "1.0.0", "generic"},
	"reset":                   {"Reset the connection", "6.2.0", "connection"},
	"restore":                 {"Create a key using the provided serialized value, previously obtained using DUMP.", "2.6.0", "generic"},
	"rpop":                    {"Remove and get the last elements in a list", "1.0.0", "list"},
	"rpoplpush":               {"Remove the last element in a list, prepend it to another list and return it", "1.2.0", "list"},
	"rpush":                   {"Append one or multiple elements to a list", "1.0.0", "list"},
	"rpushx":                  {"Append an element to a list, only if the list exists", "2.2.0", "list"},
	"sadd":                    {"Add one or more members to a set", "1.0.0", "set"},
	"scan":                    {"Incrementally iterate the keys space", "2.8.0", "generic"},
	"scard":                   {"Get the number of members in a set", "1.0.0", "set"},
	"sdiff":                   {"Subtract multiple sets", "1.0.0", "set"},
	"sdiffstore":              {"Subtract multiple sets and store the resulting set in a key", "1.0.0", "set"},
	"select":                  {"Change the selected database for the current connection", "1.0.0", "connection"},
	"set":                     {"Set the string value of a key", "1.0.0", "string"},
	"setex":                   {"Set the value and expiration of a key", "2.0.0", "string"},
	"setnx":                   {"Set the value of a key, only if the key does not exist", "1.0.0", "string"},
	"setrange":                {"Overwrite part of a string at key starting at the specified offset", "2.2.0", "string"},
	"sinter":                  {"Intersect multiple sets", "1.0.0", "set"},
	"sintercard":              {"Intersect multiple sets and return the cardinality of the result", "7.0.0", "set"},
	"sinterstore":             {"Intersect multiple sets and store the resulting set in a key", "1.0.0", "set"},
	"sismember":               {"Determine if a given value is a member of a set", "1.0.0", "set"},
	"smembers":                {"Get all the members in a set", "1.0.0", "set"},
	"smismember":              {"Returns the membership associated with the given elements for a set", "6.2.0", "set"},
	"smove":                   {"Move a member from one set to another", "1.0.0", "set"},
	"sort":                    {"Sort the elements in a list, set or sorted set", "1.0.0", "generic"},
	"sort_ro":                 {"Sort the elements in a list, set or sorted set. Read-only variant of SORT.", "7.0.0", "generic"},
	"spop":                    {"Remove and return one or multiple random members from a set", "1.0.0", "set"},
	"srandmember":             {"Get one or multiple random members from a set", "1.0.0", "set"},
	"srem":                    {"Remove one or more members from a set", "1.0.0", "set"},
	"sscan":                   {"Incrementally iterate Set elements", "2.8.0", "set"},
	"strlen":                  {"Get the length of the value stored in a key", "2.2.0", "string"},
	"substr":                  {"Get a substring of the string stored at a key", "1.0.0", "string"},
	"sunion":                  {"Add multiple sets", "1.0.0", "set"},
	"sunionstore":             {"Add multiple sets and store the resulting set in a key", "1.0.0", "set"},
	"swapdb":                  {"Swaps two Redis databases", "4.0.0", "server"},
	"touch":                   {"Alters the last access time of a key(s). Returns the number of existing keys specified.", "3.2.1", "generic"},
	"ttl":                     {"Get the time to live for a key in seconds", "1.0.0", "generic"},
	"type":                    {"Determine the type stored at key", "1.0.0", "generic"},
	"unlink":                  {"Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", "4.0.0", "generic"},
	"unwatch":                 {"Forget about all watched keys", "2.2.0", "transactions"},
	"time":                    {"Return the current server time", "2.6.0", "server"},
	"wait":                    {"Wait for the synchronous replication of all the write commands sent in the context of the current connection", "3.0.0", "generic"},
	"watch":                   {"Watch the given keys to determine execution of the MULTI/EXEC block", "2.2.0", "transactions"},
	"zadd":                    {"Add one or more members to a sorted set, or update its score if it already exists", "1.2.0", "sorted-set"},
	"zcard":                   {"Get the number of members in a sorted set", "1.2.0", "sorted-set"},
	"zcount":                  {"Count the members in a sorted set with scores within the given values", "2.0.0", "sorted-set"},
	"zdiff":                   {"Subtract multiple sorted sets", "6.2.0", "sorted-set"},
	"zdiffstore":              {"Subtract multiple sorted sets and store the resulting sorted set in a new key", "6.2.0", "sorted-set"},
	"zincrby":                 {"Increment the score of a member in a sorted set", "1.2.0", "sorted-set"},
	"zinter":                  {"Intersect multiple sorted sets", "6.2.0", "sorted-set"},
	"zintercard":              {"Intersect multiple sorted sets and return the cardinality of the result", "7.0.0", "sorted-set"},
	"zinterstore":             {"Intersect multiple sorted sets and store the resulting sorted set in a new key", "2.0.0", "sorted-set"},
	"zlexcount":               {"Count the number of members in a sorted set between a given lexicographical range", "2.8.9", "sorted-set"},
	"zmpop":                   {"Remove and return members with scores in a sorted set", "7.0.0", "sorted-set"},
	"zmscore":                 {"Get the score associated with the given members in a sorted set", "6.2.0", "sorted-set"},
	"zpopmax":                 {"Remove and return members with the highest scores in a sorted set", "5.0.0", "sorted-set"},
	"zpopmin":                 {"Remove and return members with the lowest scores in a sorted set", "5.0.0", "sorted-set"},
	"zrandmember":             {"Get one or multiple random elements from a sorted set", "6.2.0", "sorted-set"},
	"zrange":                  {"Return a range of members in a sorted set", "1.2.0", "sorted-set"},
	"zrangebylex":             {"Return a range of members in a sorted set, by lexicographical range", "2.8.9", "sorted-set"},
	"zrangebyscore":           {"Return a range of members in a sorted set, by score", "1.0.5", "sorted-set"},
	"zrangestore":             {"Store a range of members from sorted set into another key", "6.2.0", "sorted-set"},
	"zrank":                   {"Determine the index of a member in a sorted set", "2.0.0", "sorted-set"},
	"zrem":                    {"Remove one or more members from a sorted set", "1.2.0", "sorted-set"},
	"zremrangebylex":          {"Remove all members in a sorted set between the given lexicographical range", "2.8.9", "sorted-set"},
	"zremrangebyrank":         {"Remove all members in a sorted set within the given indexes", "2.0.0", "sorted-set"},
	"zremrangebyscore":        {"Remove all members in a sorted set within the given scores", "1.2.0", "sorted-set"},
	"zrevrange":               {"Return a range of members in a sorted set, by index, with scores ordered from high to low", "1.2.0", "sorted-set"},
	"zrevrangebylex":          {"Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", "2.8.9", "sorted-set"},
	"zrevrangebyscore":        {"Return a range of members in a sorted set, by score, with scores ordered from high to low", "2.2.0", "sorted-set"},
	"zrevrank":                {"Determine the index of a member in a sorted set, with scores ordered from high to low", "2.0.0", "sorted-set"},
	"zscan":                   {"Incrementally iterate sorted sets elements and associated scores", "2.8.0", "sorted-set"},
	"zscore":                  {"Get the score associated with the given member in a sorted set", "1.2.0", "sorted-set"},
	"zunion":                  {"Add multiple sorted sets", "6.2.0", "sorted-set"},
	"zunionstore":             {"Add multiple sorted sets and store the resulting sorted set in a new key", "2.0.0", "sorted-set"},
}
