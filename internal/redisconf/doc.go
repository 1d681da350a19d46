// Package redisconf is redis.conf as Redis handles it outside the
// parameters themselves, for the servers that read and rewrite one (kv and
// the sentinel): main()'s turning of the command line into config lines
// (CommandLine) and config.c's CONFIG REWRITE engine (Rewrite), which keeps
// the user's lines and comments, rewrites each option's lines in place,
// appends the rest after a signature and replaces the file safely
// (OverwriteFile); config.c's list of parameter names and kinds
// (Parameters, LookupParameter), by which a server that only keeps most of
// them (the sentinel) accepts them; rename-command (CheckRename, ApplyRenames).
//
// What an option's lines say is the server's business: each server walks
// its own options and calls RewriteLine for each line it wants written.
package redisconf
