package main

// The configuration file (nc_conf.c): pools, their directives with
// nutcracker's defaults and validation, and its error messages, which are
// logged (log_error) as nutcracker logs them.
//
// conf_create's order is kept, because it decides which reason a file with
// several faults gets: open; conf_pre_validate (one document, allowed
// tokens, shape: conf_yaml.go); conf_parse, where each directive's setter
// checks its value in file order; conf_post_validate, pool by pool in file
// order (listen present, defaults, server_connections, redis_auth, servers
// present and named apart, then sorted by name), then listen addresses and
// pool names compared across pools.

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"

	"github.com/goae/goae/examples/proxy/hashkit"
	"golang.org/x/sys/unix"
)

// Directive defaults (CONF_DEFAULT_* in nc_conf.h).
const (
	confDefaultTimeout            = -1 // wait forever
	confDefaultListenBacklog      = 512
	confDefaultClientConnections  = 0
	confDefaultRedisDB            = 0
	confDefaultServerConnections  = 1
	confDefaultServerRetryTimeout = 30 * 1000 // msec
	confDefaultServerFailureLimit = 2
)

// confListen is a pool's "listen:" (struct conf_listen).
type confListen struct {
	// pname is the value as written ("127.0.0.1:22121", "/tmp/p.sock
	// 0666"); nutcracker compares pools' listen addresses by it.
	pname string
	// name is the host, or the socket path without the permission.
	name string
	// port is the TCP port (0 for a unix socket).
	port int
	// perm is the socket file's permission, if the value gives one
	// (hasPerm); the proxy chmods the socket to it.
	perm    uint32
	hasPerm bool
	// addr is the address resolved when the file was read
	// (nc_resolve): a *net.TCPAddr or a *net.UnixAddr.
	addr net.Addr
	// resolveErr is nc_resolve's message when the host did not resolve.
	resolveErr string
}

// confServer is one line of a pool's "servers:" (struct conf_server).
type confServer struct {
	// pname is the line without its name: "host:port:weight" or
	// "/path:weight".
	pname string
	// name is the line's name, or the name ServerName gives its address:
	// what ketama hashes, the stats key, the sort key.
	name string
	// addrstr is the host or the unix socket path. Hostnames are resolved
	// when a connection is made, not here.
	addrstr string
	// port is the TCP port, 0 for a unix socket.
	port int
	// weight is at least 1.
	weight int
	// named: the line gave the name (a sentinel pool needs it).
	named bool
}

// confPool is one pool (struct conf_pool), with the defaults filled in by
// conf_validate_pool once the file is valid.
type confPool struct {
	name   string
	listen confListen

	hash         string // the hash function's name (hashkit.Hash)
	hashFunc     hashkit.HashFunc
	hashTag      string // "" or two bytes
	distribution hashkit.Distribution

	timeout           int // msec, -1: none
	backlog           int
	clientConnections int // read and ignored, as in 0.5.0
	redis             bool
	tcpKeepalive      bool // SO_KEEPALIVE on server connections
	redisAuth         string
	redisDB           int
	preconnect        bool
	autoEjectHosts    bool

	serverConnections  int
	serverRetryTimeout int // msec
	serverFailureLimit int

	// Extensions (not nutcracker's; a file that uses them is no longer
	// one nutcracker accepts): see doc.go.
	replyErrors bool           // reply_errors: an error reply instead of a close
	sentinels   []confSentinel // sentinels: the servers' addresses come from them (sentinel.go)

	// servers are sorted by name (conf_validate_server) once valid.
	servers []confServer

	// set records the directives seen, for "is a duplicate" and for the
	// defaults of the unset ones (nutcracker's CONF_UNSET_* values).
	set map[string]bool
}

// conf is a loaded configuration (struct conf).
type conf struct {
	fname string
	log   *slog.Logger
	// pools, once valid, are in nutcracker's order: conf_post_validate
	// leaves them sorted by name (shorter first, then bytewise), and pool
	// indexes and the stats follow that order, not the file's.
	pools []*confPool
}

// confSetter is a directive's setter (struct command's set): nil, or the
// words that follow `directive "key"` in the error.
type confSetter func(cp *confPool, value string) string

// confCommands is conf_commands: the directives a pool may have.
var confCommands = map[string]confSetter{
	"listen":               confSetListen,
	"hash":                 confSetHash,
	"hash_tag":             confSetHashTag,
	"distribution":         confSetDistribution,
	"timeout":              confSetNum(func(cp *confPool) *int { return &cp.timeout }),
	"backlog":              confSetNum(func(cp *confPool) *int { return &cp.backlog }),
	"client_connections":   confSetNum(func(cp *confPool) *int { return &cp.clientConnections }),
	"redis":                confSetBool(func(cp *confPool) *bool { return &cp.redis }),
	"tcpkeepalive":         confSetBool(func(cp *confPool) *bool { return &cp.tcpKeepalive }),
	"redis_auth":           confSetString(func(cp *confPool) *string { return &cp.redisAuth }),
	"redis_db":             confSetNum(func(cp *confPool) *int { return &cp.redisDB }),
	"preconnect":           confSetBool(func(cp *confPool) *bool { return &cp.preconnect }),
	"auto_eject_hosts":     confSetBool(func(cp *confPool) *bool { return &cp.autoEjectHosts }),
	"server_connections":   confSetNum(func(cp *confPool) *int { return &cp.serverConnections }),
	"server_retry_timeout": confSetNum(func(cp *confPool) *int { return &cp.serverRetryTimeout }),
	"server_failure_limit": confSetNum(func(cp *confPool) *int { return &cp.serverFailureLimit }),
	"servers":              confAddServer,

	// Extensions (doc.go).
	"reply_errors": confSetBool(func(cp *confPool) *bool { return &cp.replyErrors }),
	"sentinels":    confAddSentinel,
}

// confPoolInit is conf_pool_init: a pool with every directive unset.
func confPoolInit(name string) *confPool {
	return &confPool{name: name, set: make(map[string]bool)}
}

// confHandler is conf_handler: it runs key's setter on value, or reports
// an unknown directive. Every directive but "servers" may appear once.
func (cf *conf) confHandler(cp *confPool, key, value string) error {
	set, ok := confCommands[key]
	if !ok {
		return cf.errorf("conf: directive \"%s\" is unknown", key)
	}
	if key != "servers" && key != "sentinels" && cp.set[key] {
		return cf.errorf("conf: directive \"%s\" is a duplicate", key)
	}
	if rv := set(cp, value); rv != "" {
		if rv == confErrResolve {
			// nc_resolve has said why; the directive's line follows.
			logf(cf.log, logAlert, "%s", cp.listen.resolveErr)
			rv = confError
		}
		return cf.errorf("conf: directive \"%s\" %s", key, rv)
	}
	cp.set[key] = true
	return nil
}

// confError is CONF_ERROR, what a setter returns when it fails for a reason
// other than the value's form (an address that does not resolve).
const confError = "has an invalid value"

// confErrResolve is confError after a failed resolution, whose own line
// (nc_util.c's) is logged first.
const confErrResolve = "\x00resolve"

// confSetString is conf_set_string.
func confSetString(field func(*confPool) *string) confSetter {
	return func(cp *confPool, value string) string {
		*field(cp) = value
		return ""
	}
}

// confSetNum is conf_set_num: a non-negative decimal int (nc_atoi, with
// its 32-bit wrap-around).
func confSetNum(field func(*confPool) *int) confSetter {
	return func(cp *confPool, value string) string {
		n := ncAtoi(value)
		if n < 0 {
			return "is not a number"
		}
		*field(cp) = n
		return ""
	}
}

// confSetBool is conf_set_bool: exactly "true" or "false" (quoted or not:
// the scalar's value is what counts).
func confSetBool(field func(*confPool) *bool) confSetter {
	return func(cp *confPool, value string) string {
		switch value {
		case "true":
			*field(cp) = true
		case "false":
			*field(cp) = false
		default:
			return "is not \"true\" or \"false\""
		}
		return ""
	}
}

// confSetHash is conf_set_hash: one of hashkit's twelve names, exactly.
func confSetHash(cp *confPool, value string) string {
	fn, err := hashkit.Hash(value)
	if err != nil {
		return "is not a valid hash"
	}
	cp.hash, cp.hashFunc = value, fn
	return ""
}

// confSetDistribution is conf_set_distribution.
func confSetDistribution(cp *confPool, value string) string {
	d, err := hashkit.ParseDistribution(value)
	if err != nil {
		return "is not a valid distribution"
	}
	cp.distribution = d
	return ""
}

// confSetHashTag is conf_set_hashtag: exactly two bytes.
func confSetHashTag(cp *confPool, value string) string {
	if len(value) != 2 {
		return "is not a valid hash tag string with two characters"
	}
	cp.hashTag = value
	return ""
}

// unixPathMax is sizeof(sun_path): a socket path must be shorter.
var unixPathMax = len(unix.RawSockaddrUnix{}.Path)

// confSetListen is conf_set_listen: "host:port", split at the last colon,
// or "/path" with an optional " perm" (octal, read as strtol reads it, at
// most 0777), resolved now (nc_resolve).
func confSetListen(cp *confPool, value string) string {
	l := &cp.listen
	l.pname = value
	if value[0] == '/' {
		l.name = value
		if i := strings.LastIndexByte(value, ' '); i >= 0 {
			l.name = value[:i]
			perm, ok := strtolOctal(value[i+1:])
			if !ok || perm > 0o777 {
				return "has an invalid file permission in \"socket_path permission\" format string"
			}
			l.perm, l.hasPerm = perm, true
		}
		if len(l.name) >= unixPathMax {
			return confError // nc_resolve_unix refuses it without a message
		}
		l.addr = &net.UnixAddr{Name: l.name, Net: "unix"}
		return ""
	}
	i := strings.LastIndexByte(value, ':')
	if i < 0 {
		return "has an invalid \"hostname:port\" format string"
	}
	l.name = value[:i]
	l.port = ncAtoi(value[i+1:])
	if l.port < 0 || !ncValidPort(l.port) {
		return "has an invalid port in \"hostname:port\" format string"
	}
	addr, err := resolveInet(l.name, l.port)
	if err != nil {
		l.resolveErr = err.Error()
		return confErrResolve
	}
	l.addr = addr
	return ""
}

// strtolOctal is strtol(s, NULL, 8) as conf_set_listen uses it, then cast
// to mode_t: leading white space, a sign, octal digits up to the first
// other byte (none is 0); ok is false when the value overflows a long
// (ERANGE). A negative value wraps to a large mode.
func strtolOctal(s string) (mode uint32, ok bool) {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var v uint64
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '7'; i++ {
		v = v*8 + uint64(s[i]-'0')
		if v > 1<<63 {
			return 0, false
		}
	}
	if !neg && v > 1<<63-1 {
		return 0, false
	}
	n := int64(v)
	if neg {
		n = -n
	}
	return uint32(n), true
}

// resolveInet is nc_resolve_inet for a listen address: the first address
// of host (an empty host is no host), with getaddrinfo's messages for the
// common failures ("Name or service not known").
func resolveInet(host string, port int) (*net.TCPAddr, error) {
	fail := func(why string) error {
		return fmt.Errorf("address resolution of node '%s' service '%d' failed: %s", host, port, why)
	}
	if host == "" {
		return nil, fail("Name or service not known")
	}
	if ip := net.ParseIP(host); ip != nil {
		return &net.TCPAddr{IP: ip, Port: port}, nil
	}
	ips, err := net.LookupIP(host)
	if err != nil {
		var dnsErr *net.DNSError
		switch {
		case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
			return nil, fail("Name or service not known")
		case errors.As(err, &dnsErr) && (dnsErr.IsTemporary || dnsErr.IsTimeout):
			return nil, fail("Temporary failure in name resolution")
		}
		return nil, fail(err.Error())
	}
	if len(ips) == 0 {
		return nil, fail("Name or service not known")
	}
	return &net.TCPAddr{IP: ips[0], Port: port}, nil
}

// confAddServer is conf_add_server: a server line read from its end, an
// optional " name" (after the last space), ":weight", then, for a TCP
// server, ":port", the rest being the host; a unix socket path takes no
// port, so a colon left in it makes the line invalid.
func confAddServer(cp *confPool, value string) string {
	const badFormat = "has an invalid \"hostname:port:weight [name]\"or \"/path/unix_socket:weight [name]\" format string"
	rest := value
	name, hasName := "", false
	if i := strings.LastIndexByte(rest, ' '); i >= 0 {
		rest, name, hasName = rest[:i], rest[i+1:], true
	}
	i := strings.LastIndexByte(rest, ':')
	if i < 0 {
		return badFormat
	}
	rest, weight := rest[:i], rest[i+1:]
	isUnix := value[0] == '/'
	port := ""
	j := strings.LastIndexByte(rest, ':')
	switch {
	case isUnix && j >= 0, !isUnix && j < 0:
		return badFormat
	case !isUnix:
		rest, port = rest[:j], rest[j+1:]
	}
	// For a TCP line nutcracker goes on to look for a NUL byte in the
	// host, which a YAML escape can put there; a line with one is as
	// malformed.
	if !isUnix && strings.IndexByte(rest, 0) >= 0 {
		return badFormat
	}
	s := confServer{pname: value, addrstr: rest}
	if hasName {
		s.pname = value[:len(value)-len(name)-1]
	}
	s.weight = ncAtoi(weight)
	if s.weight < 0 {
		return "has an invalid weight in \"hostname:port:weight [name]\" format string"
	} else if s.weight == 0 {
		return "has a zero weight in \"hostname:port:weight [name]\" format string"
	}
	addr := rest
	if !isUnix {
		s.port = ncAtoi(port)
		if s.port < 0 || !ncValidPort(s.port) {
			return "has an invalid port in \"hostname:port:weight [name]\" format string"
		}
		addr = rest + ":" + port
	}
	if hasName {
		s.name = name // given, even empty ("host:port:1 ")
		s.named = true
	} else {
		s.name = hashkit.ServerName(addr, "")
	}
	cp.servers = append(cp.servers, s)
	return ""
}

// confValidatePool is conf_validate_pool: listen is required, unset
// directives take their defaults, server_connections may not be 0,
// redis_auth needs redis, and conf_validate_server: servers are required,
// sorted by name, and no two may share a name.
func (cf *conf) confValidatePool(cp *confPool) error {
	if !cp.set["listen"] {
		return cf.errorf("conf: directive \"listen:\" is missing")
	}
	if !cp.set["distribution"] {
		cp.distribution = hashkit.DefaultDistribution
	}
	if !cp.set["hash"] {
		cp.hash = hashkit.DefaultHash
		cp.hashFunc, _ = hashkit.Hash(cp.hash)
	}
	if !cp.set["timeout"] {
		cp.timeout = confDefaultTimeout
	}
	if !cp.set["backlog"] {
		cp.backlog = confDefaultListenBacklog
	}
	cp.clientConnections = confDefaultClientConnections // 0.5.0 ignores the directive
	if !cp.set["redis_db"] {
		cp.redisDB = confDefaultRedisDB
	}
	if !cp.set["server_connections"] {
		cp.serverConnections = confDefaultServerConnections
	} else if cp.serverConnections == 0 {
		return cf.errorf("conf: directive \"server_connections:\" cannot be 0")
	}
	if !cp.set["server_retry_timeout"] {
		cp.serverRetryTimeout = confDefaultServerRetryTimeout
	}
	if !cp.set["server_failure_limit"] {
		cp.serverFailureLimit = confDefaultServerFailureLimit
	}
	if cp.set["redis_auth"] && !cp.redis {
		return cf.errorf("conf: directive \"redis_auth:\" is only valid for a redis pool")
	}
	if err := cf.confValidateSentinels(cp); err != nil {
		return err
	}
	return cf.confValidateServer(cp)
}

// confValidateServer is conf_validate_server.
func (cf *conf) confValidateServer(cp *confPool) error {
	if len(cp.servers) == 0 {
		return cf.errorf("conf: pool '%s' has no servers", cp.name)
	}
	// The order of hashkit.SortServers (hashkit.CompareNames), on the
	// whole server lines. Stable, as glibc's qsort (a merge sort) is.
	slices.SortStableFunc(cp.servers, func(a, b confServer) int { return hashkit.CompareNames(a.name, b.name) })
	for i := 0; i+1 < len(cp.servers); i++ {
		if cp.servers[i].name == cp.servers[i+1].name {
			return cf.errorf("conf: pool '%s' has servers with same name '%s'", cp.name, cp.servers[i].name)
		}
	}
	return nil
}

// confPostValidate is conf_post_validate: each pool in file order, then no
// two pools with the same listen value (compared as written, after sorting
// the pools by it), then no two with the same name (after sorting by name,
// the order they keep). Both sorts are nutcracker's string_compare order,
// shorter first, and stable.
func (cf *conf) confPostValidate() error {
	if len(cf.pools) == 0 {
		return cf.errorf("conf: '%s' has no pools", cf.fname)
	}
	for _, cp := range cf.pools {
		if err := cf.confValidatePool(cp); err != nil {
			return err
		}
	}
	slices.SortStableFunc(cf.pools, func(a, b *confPool) int { return hashkit.CompareNames(a.listen.pname, b.listen.pname) })
	for i := 0; i+1 < len(cf.pools); i++ {
		p1, p2 := cf.pools[i], cf.pools[i+1]
		if p1.listen.pname == p2.listen.pname {
			return cf.errorf("conf: pools '%s' and '%s' have the same listen address '%s'", p1.name, p2.name, p1.listen.pname)
		}
	}
	slices.SortStableFunc(cf.pools, func(a, b *confPool) int { return hashkit.CompareNames(a.name, b.name) })
	for i := 0; i+1 < len(cf.pools); i++ {
		if cf.pools[i].name == cf.pools[i+1].name {
			// nutcracker's message has its quotes unbalanced; kept.
			return cf.errorf("conf: '%s' has pools with same name %s'", cf.fname, cf.pools[i].name)
		}
	}
	return nil
}

// errConfOpen marks a file that could not be opened: conf_create then
// returns before its "syntax is invalid" line.
var errConfOpen = errors.New("conf: cannot open")

// confCreate is conf_create: it reads, validates and parses filename,
// logging the reason of a failure to log (as log_error). When the file was
// opened but is invalid it also writes nutcracker's "syntax is invalid"
// line to stderr, as conf_create does (nc_test_conf writes its own after
// it).
func confCreate(filename string, log *slog.Logger, stderr io.Writer) (*conf, error) {
	cf := &conf{fname: filename, log: log}
	f, err := os.Open(filename)
	if err != nil {
		logError(log, "conf: failed to open configuration '%s': %s", filename, strerror(err))
		return nil, fmt.Errorf("%w: %v", errConfOpen, err)
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err == nil {
		err = cf.load(data)
	} else {
		// libyaml's file reader fails: a reader error (a directory, EIO).
		err = cf.errorf("conf: failed (err %d) to get the next yaml document", yamlReaderError)
	}
	if err != nil {
		fmt.Fprintf(stderr, "nutcracker: configuration file '%s' syntax is invalid\n", filename)
		return nil, err
	}
	return cf, nil
}

// load runs conf_pre_validate, conf_parse and conf_post_validate on the
// file's bytes.
func (cf *conf) load(data []byte) error {
	root, err := cf.confValidateDocument(data)
	if err != nil {
		return err
	}
	if err := cf.confValidateTokens(data, root); err != nil {
		return err
	}
	evs := confEvents(root)
	if err := cf.confValidateStructure(evs); err != nil {
		return err
	}
	if err := cf.confParse(evs); err != nil {
		return err
	}
	return cf.confPostValidate()
}

// hashkitServers is conf_server_each_transform as placement needs it: the
// pool's servers, in their sorted order, as hashkit sees them.
func (cp *confPool) hashkitServers() []hashkit.Server {
	out := make([]hashkit.Server, len(cp.servers))
	for i, s := range cp.servers {
		out[i] = hashkit.Server{Name: s.name, Weight: uint32(s.weight)}
	}
	return out
}
