package main

import (
	"strconv"
	"strings"

	"github.com/goae/goae/internal/redisconf"
	"github.com/goae/goae/internal/resp"
)

// This file is config.c's CONFIG REWRITE (rewriteConfig) for kv's
// parameters, on config.c's engine in internal/redisconf (the sentinel's
// rewrite uses it too): the old file's lines and comments stay, each
// parameter's line is rewritten in place, parameters not in the file are
// appended after the signature only when they differ from their default,
// and lines of parameters no longer used are dropped. Redis appends in its
// dict's hash order (which changes from run to run); kv in its table's
// order.

// oldFileOption is the option an old line belongs to, for
// redisconf.ReadOldFile: a parameter's (an alias's line is its
// parameter's), or a directive a rewrite keeps; anything else is kept as
// a "# ??? " comment.
func oldFileOption(argv []string) (string, bool) {
	if sc := lookupConfig(argv[0]); sc != nil {
		return sc.name, true
	}
	return argv[0], fileOnlyDirective(argv[0])
}

// fileOnlyDirective reports the config-file directives that are not
// parameters (lookupConfig does not know them) but that a rewrite keeps.
func fileOnlyDirective(name string) bool {
	switch strings.ToLower(name) {
	case "include", "rename-command", "user", "loadmodule", "sentinel":
		return true
	}
	return false
}

// rewriteOption writes one parameter's line (each type's rewrite).
func (sc *standardConfig) rewriteOption(s *server, st *redisconf.Rewrite) {
	c := &s.cfg
	name := sc.name
	force := !sc.isDefault(c)
	switch sc.kind {
	case boolKind, enumKind:
		st.RewriteLine(name, name+" "+sc.format(c, s), force)
	case stringKind:
		v, null := sc.str.get(c)
		if null {
			// A NULL string has no line, so that it is NULL again.
			st.MarkAsProcessed(name)
			return
		}
		st.RewriteLine(name, name+" "+resp.Repr(v), force)
	case numericKind:
		v := sc.num.get(c)
		var text string
		switch {
		case sc.nflags&percentConfig != 0 && v < 0:
			text = strconv.FormatInt(-v, 10) + "%"
		case sc.nflags&memoryConfig != 0:
			text = formatMemory(v)
			if v < 0 { // maxmemory past 2^63: rewriteConfigFormatMemory's %lld
				text = strconv.FormatInt(v, 10)
			}
		case sc.nflags&octalConfig != 0:
			text = strconv.FormatUint(uint64(v), 8)
		default:
			text = strconv.FormatInt(v, 10)
		}
		st.RewriteLine(name, name+" "+text, force)
	case specialKind:
		sc.rewrite(s, st, name)
	}
}

// rewriteUserOption is rewriteConfigUserOption for kv's one user, the
// default one, described as ACL describes it.
func (s *server) rewriteUserOption(st *redisconf.Rewrite) {
	pass := "nopass"
	if s.cfg.requirepass != "" {
		pass = "#" + sha256Hex(s.cfg.requirepass)
	}
	st.RewriteLine("user", "user default on "+pass+" ~* &* +@all", true)
}

// rewriteConfig is rewriteConfig: read the old file, rewrite every
// parameter, drop orphaned lines, and replace the file through a
// temporary one in its directory, synced, then renamed over it.
func (s *server) rewriteConfig(path string, forceWrite bool) error {
	st, err := redisconf.ReadOldFile(path, oldFileOption)
	if err != nil {
		return err
	}
	st.ForceWrite = forceWrite
	for _, sc := range configTable {
		sc.rewriteOption(s, st)
	}
	s.rewriteUserOption(st)
	st.MarkAsProcessed("loadmodule")
	st.RemoveOrphaned()
	return redisconf.OverwriteFile(path, st.Content())
}
