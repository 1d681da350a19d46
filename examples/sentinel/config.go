package main

// The sentinel's configuration: what redis-sentinel 7.0.15 reads from its
// config file and command line (config.c's loadServerConfig and
// loadServerConfigFromString for the server directives, sentinel.c's
// queueSentinelConfig, loadSentinelConfigFromQueue and
// sentinelHandleConfiguration for the "sentinel ..." lines), and the checks
// main makes before the sentinel runs (sentinelCheckConfigFile,
// sentinelIsRunning). The server directives' list is in
// config_directives.go, the rewrite in config_rewrite.go, the "user"
// directive in config_user.go.

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/goae/goae/internal/redisconf"
	"github.com/goae/goae/internal/resp"
)

// redisVersion is the version the fatal config messages name.
const redisVersion = "7.0.15"

// Defaults, from sentinel.c and config.c.
const (
	sentinelDefaultPort            = 26379 // REDIS_SENTINEL_PORT
	serverDefaultPort              = 6379  // port's default in config.c: what the rewrite compares with
	sentinelDefaultDownAfter       = 30000
	sentinelDefaultFailoverTimeout = 60 * 3 * 1000
	sentinelDefaultParallelSyncs   = 1
	sentinelDefaultDenyScripts     = true // SENTINEL_DEFAULT_DENY_SCRIPTS_RECONFIG
	configRunIDSize                = 40   // CONFIG_RUN_ID_SIZE
	defaultACLLogMaxLen            = 128
	defaultLogLevel                = "notice"
	defaultMaxClients              = 10000
	defaultTCPKeepalive            = 300
)

// defaultBind is CONFIG_DEFAULT_BINDADDR: a bind equal to it is not
// rewritten.
var defaultBind = []string{"*", "-::*"}

// logLevels are loglevel's values, in configEnum order (the error message
// lists them so).
var logLevels = []string{"debug", "verbose", "notice", "warning"}

// sentinelAddr is sentinel.c's sentinelAddr: the address as given
// (hostname) and the IP it stands for. With resolve-hostnames no the two
// are the same IP literal.
type sentinelAddr struct {
	hostname string
	ip       string
	port     int
}

// knownSentinel is a "sentinel known-sentinel NAME IP PORT RUNID" entry.
type knownSentinel struct {
	addr  sentinelAddr
	runid string
}

// renamedCommand is a "sentinel rename-command NAME OLD NEW" entry.
type renamedCommand struct {
	oldName, newName string
}

// masterConfig is the configured part of a monitored master
// (sentinelRedisInstance with SRI_MASTER). Slices keep the order entries
// were created in; Redis keeps dicts and writes them in hash order, which
// changes from run to run.
type masterConfig struct {
	name   string
	addr   sentinelAddr
	quorum int

	// current, when set, is sentinelGetCurrentMasterAddress's answer
	// during a failover past RECONF_SLAVES (the promoted replica), which
	// the rewrite writes in the monitor line instead of addr.
	current *sentinelAddr

	downAfterPeriod        int64 // down-after-milliseconds
	failoverTimeout        int64
	parallelSyncs          int
	notificationScript     *string
	clientReconfigScript   *string
	authPass               *string
	authUser               *string
	configEpoch            uint64
	leaderEpoch            uint64
	masterRebootDownPeriod int64 // master-reboot-down-after-period

	replicas        []sentinelAddr
	sentinels       []knownSentinel
	renamedCommands []renamedCommand
}

// sentinelConfig is everything redis-sentinel reads from its config: the
// server directives a sentinel.conf carries and the sentinel state (the
// global sentinelState fields and the masters). It is also what the
// rewrite writes, so the rest of the sentinel keeps it current (epochs,
// replicas, sentinels, the master address) before calling
// sentinelFlushConfig.
type sentinelConfig struct {
	// configFile is server.configfile, made absolute at load.
	configFile string

	// Server directives.
	port          int
	bind          []string // nil: the default
	protectedMode bool     // sentinel turns it off before loading
	daemonize     bool
	pidfile       *string // NULL unless set
	logfile       string
	loglevel      string
	aclLogMaxLen  int64
	requirepass   *string
	percentiles   []float64 // latency-tracking-info-percentiles
	maxclients    int
	timeout       int // seconds idle before a client is closed; 0: never
	tcpKeepalive  int
	hz            int    // configured_hz, the clients' cron rate
	supervised    string // supervised: "no", "auto", "systemd" or "upstart"
	users         []*aclUser
	usersToLoad   [][]string  // "user" lines, applied after the file
	renames       [][2]string // rename-command OLD NEW, lowercased, in order

	// kept are the parameters without effect on a sentinel, by name, for
	// the rewrite (config_directives.go).
	kept map[string]*keptDirective

	// Sentinel globals.
	myid                string
	currentEpoch        uint64
	announceIP          string
	announcePort        int
	announceHostnames   bool
	resolveHostnames    bool
	denyScriptsReconfig bool
	sentinelAuthUser    string
	sentinelAuthPass    string

	masters []*masterConfig

	// getwd and chdir are the process's working directory, which "dir"
	// changes at load (as Redis chdirs there) and the rewrite writes. Tests
	// replace them so as not to move the test process.
	getwd func() (string, error)
	chdir func(string) error
}

// newSentinelConfig returns the configuration before any line is read:
// Redis's defaults as changed by initSentinelConfig (port 26379, protected
// mode off).
func newSentinelConfig() *sentinelConfig {
	return &sentinelConfig{
		port:                sentinelDefaultPort,
		loglevel:            defaultLogLevel,
		aclLogMaxLen:        defaultACLLogMaxLen,
		percentiles:         []float64{50, 99, 99.9},
		maxclients:          defaultMaxClients,
		tcpKeepalive:        defaultTCPKeepalive,
		hz:                  configDefaultHz,
		supervised:          "no",
		users:               []*aclUser{newDefaultUser()},
		denyScriptsReconfig: sentinelDefaultDenyScripts,
		getwd:               os.Getwd,
		chdir:               os.Chdir,
	}
}

// configError is loadServerConfigFromString's (and
// loadSentinelConfigFromQueue's) loaderr: Error is the text Redis writes to
// stderr before exit(1), byte for byte, which main prints as it is.
type configError struct {
	lineNum int
	line    string
	hasLine bool // false for the checks made after the last line
	reason  string
}

func (e *configError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n*** FATAL CONFIG FILE ERROR (Redis %s) ***\n", redisVersion)
	if e.hasLine {
		fmt.Fprintf(&b, "Reading the configuration file, at line %d\n", e.lineNum)
		fmt.Fprintf(&b, ">>> '%s'\n", e.line)
	}
	b.WriteString(e.reason)
	b.WriteByte('\n')
	return b.String()
}

// startupError is a message Redis logs at warning level (serverLog
// LL_WARNING, "#") before exit(1), such as "Sentinel needs config file on
// disk to save state. Exiting...". Error is the message alone; main logs it
// in the log format and exits 1.
type startupError struct{ msg string }

func (e *startupError) Error() string { return e.msg }

// strerror gives C's strerror text for an error from the os or syscall
// packages: Go's errno strings are glibc's with a lowercase first letter.
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	return err.Error()
}

// loadSentinelConfig is what Redis's main() does for a sentinel with its
// arguments: redisconf.CommandLine, loadServerConfig (file, then options), and
// sentinelCheckConfigFile. args are the arguments after the program name.
// A *configError is to be printed to stderr as it is, a *startupError
// logged; both mean exit 1.
func loadSentinelConfig(args []string) (*sentinelConfig, error) {
	file, options := redisconf.CommandLine(args)
	c := newSentinelConfig()
	if err := c.loadServerConfig(file, options); err != nil {
		return nil, err
	}
	if err := sentinelCheckConfigFile(c.configFile); err != nil {
		return nil, err
	}
	return c, nil
}

// loadServerConfig mirrors config.c's loadServerConfig: the file's content,
// then "\n" and the command-line options, parsed as one text; then, as
// main does, the queued sentinel lines (loadSentinelConfigFromQueue) and
// the "user" lines (ACLLoadUsersAtStartup). The file name is kept absolute
// (getAbsolutePath in main), so a "dir" that changes the working directory
// does not lose it.
func (c *sentinelConfig) loadServerConfig(file, options string) error {
	var text string
	if file != "" {
		abs := file
		if !filepath.IsAbs(abs) {
			wd, err := c.getwd()
			if err == nil {
				abs = filepath.Join(wd, abs)
			}
		}
		c.configFile = abs
		data, err := os.ReadFile(file)
		if err != nil {
			return &startupError{fmt.Sprintf("Fatal error, can't open config file '%s': %s", file, strerror(err))}
		}
		text = string(data)
	}
	if options != "" {
		text += "\n" + options
	}
	var q sentinelQueue
	if err := c.loadServerConfigFromString(text, &q, 0); err != nil {
		return err
	}
	if err := c.loadSentinelConfigFromQueue(q.pre, q.monitor, q.post); err != nil {
		return err
	}
	c.loadConfiguredUsers()
	return nil
}

// sentinelLine is a queued "sentinel ..." line (sentinelLoadQueueEntry):
// handled only after the whole text is read.
type sentinelLine struct {
	argv    []string
	lineNum int
	line    string
}

// sentinelQueue is sentinel.c's loading queue, in its three parts.
type sentinelQueue struct {
	pre, monitor, post []sentinelLine
}

// preMonitorConfig are the sentinel options loaded before any monitor
// line (sentinel.c's preMonitorCfgName), whatever their place in the file.
var preMonitorConfig = []string{
	"announce-ip", "announce-port", "deny-scripts-reconfig", "sentinel-user",
	"sentinel-pass", "current-epoch", "myid", "resolve-hostnames", "announce-hostnames",
}

// maxIncludeDepth bounds nested "include" lines (Redis recurses until its
// stack runs out).
const maxIncludeDepth = 64

// loadServerConfigFromString mirrors config.c's function of that name: each
// line is trimmed, comments and blank lines skipped, the rest split as
// sdssplitargs splits and handled by its (case-insensitive) first word.
// Server directives take effect at once, in file order (setServerOption);
// "include" loads another file there and then; "rename-command" renames one
// of the sentinel's commands; "loadmodule" is accepted and ignored, as
// redis-sentinel loads no module; "user" lines are checked now and loaded
// later; "sentinel" lines are queued into q (queueSentinelConfig). After
// the last line the log file is checked, as Redis checks it. The first
// error is returned as Redis reports it.
func (c *sentinelConfig) loadServerConfigFromString(text string, q *sentinelQueue, depth int) error {
	lines := strings.Split(text, "\n")
	for i, raw := range lines {
		lineNum := i + 1
		line := strings.Trim(raw, " \t\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		fail := func(reason string) error {
			// fprintf's %s stops at a NUL, as sdssplitargs does.
			shown := line
			if k := strings.IndexByte(shown, 0); k >= 0 {
				shown = shown[:k]
			}
			return &configError{lineNum: lineNum, line: shown, hasLine: true, reason: reason}
		}
		argv, ok := resp.SplitArgs(line)
		if !ok {
			return fail("Unbalanced quotes in configuration line")
		}
		if len(argv) == 0 {
			continue
		}
		argv[0] = strings.ToLower(argv[0])
		if handled, reason := c.setServerOption(argv); handled {
			if reason != "" {
				return fail(reason)
			}
			continue
		}
		switch {
		case len(argv) == 2 && containsFold(redisconf.DeprecatedParameters, argv[0]):
		case argv[0] == "include" && len(argv) == 2:
			if err := c.includeConfig(argv[1], q, depth); err != nil {
				return err
			}
		case argv[0] == "rename-command" && len(argv) == 3:
			if reason := c.renameCommand(argv[1], argv[2]); reason != "" {
				return fail(reason)
			}
		case argv[0] == "loadmodule" && len(argv) >= 2:
		case argv[0] == "user" && len(argv) >= 2:
			if reason := c.appendUserForLoading(argv); reason != "" {
				return fail(reason)
			}
		case argv[0] == "sentinel":
			// A bare "sentinel" is main()'s business (sentinel mode).
			if len(argv) == 1 {
				continue
			}
			e := sentinelLine{argv: argv[1:], lineNum: lineNum, line: line}
			switch {
			case strings.EqualFold(argv[1], "monitor"):
				q.monitor = append(q.monitor, e)
			case containsFold(preMonitorConfig, argv[1]):
				q.pre = append(q.pre, e)
			default:
				q.post = append(q.post, e)
			}
		default:
			return fail("Bad directive or wrong number of arguments")
		}
	}

	// Like Redis, test the log file can be opened (and create it) before
	// going on: the server could not stop for that later.
	if c.logfile != "" {
		f, err := os.OpenFile(c.logfile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
		if err != nil {
			return &configError{reason: "Can't open the log file: " + strerror(err)}
		}
		f.Close()
	}
	return nil
}

// includeConfig is "include FILE": config.c's loadServerConfig on that
// file, its lines loaded where the include stands (a relative name is
// taken from the working directory, as fopen takes it).
func (c *sentinelConfig) includeConfig(file string, q *sentinelQueue, depth int) error {
	path := file
	if wd, err := c.getwd(); err == nil && !filepath.IsAbs(path) {
		path = filepath.Join(wd, path)
	}
	data, err := os.ReadFile(path)
	if err == nil && depth >= maxIncludeDepth {
		err = syscall.ELOOP
	}
	if err != nil {
		return &startupError{fmt.Sprintf("Fatal error, can't open config file '%s': %s", file, strerror(err))}
	}
	return c.loadServerConfigFromString(string(data), q, depth+1)
}

// renameCommand is the server's "rename-command OLD NEW" on the sentinel's
// command table (redisconf.CheckRename): OLD must be one of its commands
// and NEW free; an empty NEW removes the command.
func (c *sentinelConfig) renameCommand(from, to string) string {
	if err := redisconf.CheckRename(commandTable(), c.renames, from, to); err != "" {
		return err
	}
	c.renames = append(c.renames, [2]string{strings.ToLower(from), strings.ToLower(to)})
	return ""
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// supervisedModes are supervised's values, in configEnum order.
var supervisedModes = []string{"upstart", "systemd", "auto", "no"}

// setServerOption handles a standard (config.c table) directive, argv[0]
// lowercased, with config.c's checks and messages: the ones that mean
// something to a sentinel are applied, the others kept without effect
// (config_directives.go). handled is false for a name that is not a
// parameter.
func (c *sentinelConfig) setServerOption(argv []string) (handled bool, reason string) {
	p := redisconf.LookupParameter(argv[0])
	if p == nil {
		return false, ""
	}
	name := p.Name
	switch name {
	case "bind", "latency-tracking-info-percentiles":
		// MULTI_ARG_CONFIG: a single non-empty argument is split again,
		// so that --bind "a b" works.
		args := argv[1:]
		if len(args) == 1 && args[0] != "" {
			args, _ = resp.SplitArgs(args[0])
		}
		if name == "bind" {
			if len(args) > 16 { // CONFIG_BINDADDR_MAX
				return true, "Too many bind addresses specified."
			}
			if len(args) == 1 && args[0] == "" {
				args = nil
			}
			c.bind = append([]string{}, args...)
			return true, ""
		}
		var ps []float64
		for _, a := range args {
			v, err := strconv.ParseFloat(a, 64)
			if err != nil || v < 0 || v > 100 {
				return true, "latency-tracking-info-percentiles: Invalid argument"
			}
			ps = append(ps, v)
		}
		c.percentiles = ps
		return true, ""
	case "port", "protected-mode", "daemonize", "pidfile", "logfile", "dir",
		"loglevel", "acllog-max-len", "requirepass", "maxclients", "timeout",
		"tcp-keepalive", "hz", "supervised":
		if len(argv) != 2 {
			return true, "wrong number of arguments"
		}
	default:
		return true, c.keepServerParameter(p, argv)
	}
	v := argv[1]
	var n int64
	switch name {
	case "port":
		if n, reason = numericConfig(v, 0, 65535); reason == "" {
			c.port = int(n)
		}
	case "acllog-max-len":
		if n, reason = numericConfig(v, 0, 1<<63-1); reason == "" {
			c.aclLogMaxLen = n
		}
	case "maxclients":
		if n, reason = numericConfig(v, 1, 1<<32-1); reason == "" {
			c.maxclients = int(n)
		}
	case "timeout":
		if n, reason = numericConfig(v, 0, 1<<31-1); reason == "" {
			c.timeout = int(n)
		}
	case "tcp-keepalive":
		if n, reason = numericConfig(v, 0, 1<<31-1); reason == "" {
			c.tcpKeepalive = int(n)
		}
	case "hz":
		// Kept within [CONFIG_MIN_HZ, CONFIG_MAX_HZ], as Redis keeps it.
		if n, reason = numericConfig(v, 0, 1<<31-1); reason == "" {
			c.hz = int(min(max(n, 1), 500))
		}
	case "protected-mode", "daemonize":
		yn := yesnotoi(v)
		if yn < 0 {
			return true, "argument must be 'yes' or 'no'"
		}
		if name == "daemonize" {
			c.daemonize = yn == 1
		} else {
			c.protectedMode = yn == 1
		}
	case "loglevel":
		lv := strings.ToLower(v)
		if !containsFold(logLevels, lv) {
			return true, "argument(s) must be one of the following: " + strings.Join(logLevels, ", ")
		}
		c.loglevel = lv
	case "supervised":
		mode := strings.ToLower(v)
		if !containsFold(supervisedModes, mode) {
			return true, "argument(s) must be one of the following: " + strings.Join(supervisedModes, ", ")
		}
		c.supervised = mode
	case "pidfile":
		if v == "" { // EMPTY_STRING_IS_NULL
			c.pidfile = nil
		} else {
			c.pidfile = &v
		}
	case "logfile":
		c.logfile = v
	case "requirepass":
		// Setting requirepass sets the default user's only password
		// (ACLUpdateDefaultUserPassword); "" makes it nopass.
		if v == "" {
			c.requirepass = nil
		} else {
			c.requirepass = &v
		}
		c.defaultUser().setPassword(v)
	case "dir":
		if err := c.chdir(v); err != nil {
			return true, strerror(err)
		}
	}
	return true, reason
}

// numericConfig parses a numeric config value as config.c does (string2ll,
// then the bounds check), with its messages.
func numericConfig(s string, lower, upper int64) (int64, string) {
	n, ok := string2ll(s)
	if !ok {
		return 0, "argument couldn't be parsed into an integer"
	}
	if n < lower || n > upper {
		return 0, fmt.Sprintf("argument must be between %d and %d inclusive", lower, upper)
	}
	return n, ""
}

// string2ll is Redis's strict integer parser: optional '-', no leading
// zeros, no spaces, no '+', in range.
func string2ll(s string) (int64, bool) {
	if s == "0" {
		return 0, true
	}
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || digits[0] < '1' || digits[0] > '9' {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// yesnotoi is Redis's: 1 for yes, 0 for no (any case), -1 otherwise.
func yesnotoi(s string) int {
	switch {
	case strings.EqualFold(s, "yes"):
		return 1
	case strings.EqualFold(s, "no"):
		return 0
	}
	return -1
}

// atoi is C's atoi as glibc has it, (int)strtol(s, NULL, 10): leading
// space, a sign, digits up to the first non-digit, 0 when there are none;
// strtol saturates and the int conversion keeps the low 32 bits.
func atoi(s string) int {
	return int(int32(strtol(s)))
}

func strtol(s string) int64 {
	neg, digits := cNumberPrefix(s)
	var n uint64
	over := false
	for i := 0; i < len(digits); i++ {
		d := uint64(digits[i] - '0')
		if n > (1<<63-d)/10 {
			over = true
			break
		}
		n = n*10 + d
	}
	switch {
	case over && neg:
		return -1 << 63
	case over:
		return 1<<63 - 1
	case neg:
		return -int64(n)
	case n > 1<<63-1:
		return 1<<63 - 1
	}
	return int64(n)
}

// strtoull is C's strtoull(s, NULL, 10): like strtol, but a '-' negates
// the unsigned value, and overflow saturates at ULLONG_MAX.
func strtoull(s string) uint64 {
	neg, digits := cNumberPrefix(s)
	var n uint64
	for i := 0; i < len(digits); i++ {
		d := uint64(digits[i] - '0')
		if n > (^uint64(0)-d)/10 {
			return ^uint64(0)
		}
		n = n*10 + d
	}
	if neg {
		return -n
	}
	return n
}

// cNumberPrefix skips C isspace, reads a sign and returns the run of
// decimal digits that follows.
func cNumberPrefix(s string) (neg bool, digits string) {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	return neg, s[i:j]
}

// loadSentinelConfigFromQueue mirrors sentinel.c's: the queued sentinel
// lines are handled the pre-monitor ones first, then the monitors, then
// the rest, so that their order in the file does not matter.
func (c *sentinelConfig) loadSentinelConfigFromQueue(queues ...[]sentinelLine) error {
	for _, q := range queues {
		for _, e := range q {
			if reason := c.sentinelHandleConfiguration(e.argv); reason != "" {
				return &configError{lineNum: e.lineNum, line: e.line, hasLine: true, reason: reason}
			}
		}
	}
	return nil
}

// sentinelHandleConfiguration mirrors sentinel.c's: one "sentinel" line
// (argv without the "sentinel"), applied to c. It returns Redis's message
// for a bad line, or "".
func (c *sentinelConfig) sentinelHandleConfiguration(argv []string) string {
	opt := strings.ToLower(argv[0])
	argc := len(argv)
	var m *masterConfig
	// Most options name a master first.
	switch opt {
	case "down-after-milliseconds", "failover-timeout", "parallel-syncs",
		"notification-script", "client-reconfig-script", "auth-pass",
		"auth-user", "config-epoch", "leader-epoch", "master-reboot-down-after-period":
		if argc != 3 {
			return "Unrecognized sentinel configuration statement."
		}
	case "known-slave", "known-replica":
		if argc != 4 {
			return "Unrecognized sentinel configuration statement."
		}
	case "rename-command":
		if argc != 4 {
			return "Unrecognized sentinel configuration statement."
		}
	case "known-sentinel":
		if argc != 4 && argc != 5 {
			return "Unrecognized sentinel configuration statement."
		}
		if argc == 4 {
			return "" // the old form without a runid is ignored
		}
	case "monitor":
		if argc != 5 {
			return "Unrecognized sentinel configuration statement."
		}
	case "current-epoch", "myid", "announce-ip", "announce-port",
		"deny-scripts-reconfig", "sentinel-user", "sentinel-pass",
		"resolve-hostnames", "announce-hostnames":
		if argc != 2 {
			return "Unrecognized sentinel configuration statement."
		}
	default:
		return "Unrecognized sentinel configuration statement."
	}
	if argc >= 3 && opt != "monitor" {
		if m = c.sentinelGetMasterByName(argv[1]); m == nil {
			return "No such master with specified name."
		}
	}

	switch opt {
	case "monitor":
		// monitor <name> <host> <port> <quorum>
		quorum := atoi(argv[4])
		if quorum <= 0 {
			return "Quorum must be 1 or greater."
		}
		if c.sentinelGetMasterByName(argv[1]) != nil {
			return "Duplicate master name."
		}
		addr, reason := c.createSentinelAddr(argv[2], atoi(argv[3]))
		if reason != "" {
			return reason
		}
		c.masters = append(c.masters, &masterConfig{
			name:            argv[1],
			addr:            addr,
			quorum:          quorum,
			downAfterPeriod: sentinelDefaultDownAfter,
			failoverTimeout: sentinelDefaultFailoverTimeout,
			parallelSyncs:   sentinelDefaultParallelSyncs,
		})
	case "down-after-milliseconds":
		m.downAfterPeriod = int64(atoi(argv[2]))
		if m.downAfterPeriod <= 0 {
			return "negative or zero time parameter."
		}
	case "failover-timeout":
		m.failoverTimeout = int64(atoi(argv[2]))
		if m.failoverTimeout <= 0 {
			return "negative or zero time parameter."
		}
	case "parallel-syncs":
		m.parallelSyncs = atoi(argv[2])
	case "notification-script":
		if syscall.Access(argv[2], xOK) != nil {
			return "Notification script seems non existing or non executable."
		}
		m.notificationScript = &argv[2]
	case "client-reconfig-script":
		if syscall.Access(argv[2], xOK) != nil {
			return "Client reconfiguration script seems non existing or non executable."
		}
		m.clientReconfigScript = &argv[2]
	case "auth-pass":
		m.authPass = &argv[2]
	case "auth-user":
		m.authUser = &argv[2]
	case "current-epoch":
		if e := strtoull(argv[1]); e > c.currentEpoch {
			c.currentEpoch = e
		}
	case "myid":
		if len(argv[1]) != configRunIDSize {
			return "Malformed Sentinel id in myid option."
		}
		c.myid = argv[1]
	case "config-epoch":
		m.configEpoch = strtoull(argv[2])
		if m.configEpoch > c.currentEpoch {
			c.currentEpoch = m.configEpoch
		}
	case "leader-epoch":
		m.leaderEpoch = strtoull(argv[2])
	case "known-slave", "known-replica":
		// known-replica <name> <ip> <port>
		addr, reason := c.createSentinelAddr(argv[2], atoi(argv[3]))
		if reason != "" {
			return reason
		}
		key := c.announceSentinelAddrAndPort(addr)
		for _, r := range m.replicas {
			if c.announceSentinelAddrAndPort(r) == key {
				return "Duplicate hostname and port for replica."
			}
		}
		m.replicas = append(m.replicas, addr)
	case "known-sentinel":
		// known-sentinel <name> <ip> <port> <runid>; sentinels are keyed
		// by runid.
		addr, reason := c.createSentinelAddr(argv[2], atoi(argv[3]))
		if reason != "" {
			return reason
		}
		for _, s := range m.sentinels {
			if s.runid == argv[4] {
				return "Duplicate runid for sentinel."
			}
		}
		m.sentinels = append(m.sentinels, knownSentinel{addr: addr, runid: argv[4]})
	case "rename-command":
		// rename-command <name> <command> <renamed-command>; the table is
		// case-insensitive on the old name.
		for _, r := range m.renamedCommands {
			if strings.EqualFold(r.oldName, argv[2]) {
				return "Same command renamed multiple times with rename-command."
			}
		}
		m.renamedCommands = append(m.renamedCommands, renamedCommand{argv[2], argv[3]})
	case "announce-ip":
		if argv[1] != "" {
			c.announceIP = argv[1]
		}
	case "announce-port":
		c.announcePort = atoi(argv[1])
	case "deny-scripts-reconfig":
		yn := yesnotoi(argv[1])
		if yn < 0 {
			return "Please specify yes or no for the deny-scripts-reconfig options."
		}
		c.denyScriptsReconfig = yn == 1
	case "sentinel-user":
		if argv[1] != "" {
			c.sentinelAuthUser = argv[1]
		}
	case "sentinel-pass":
		if argv[1] != "" {
			c.sentinelAuthPass = argv[1]
		}
	case "resolve-hostnames":
		yn := yesnotoi(argv[1])
		if yn < 0 {
			return "Please specify yes or no for the resolve-hostnames option."
		}
		c.resolveHostnames = yn == 1
	case "announce-hostnames":
		yn := yesnotoi(argv[1])
		if yn < 0 {
			return "Please specify yes or no for the announce-hostnames option."
		}
		c.announceHostnames = yn == 1
	case "master-reboot-down-after-period":
		m.masterRebootDownPeriod = int64(atoi(argv[2]))
		if m.masterRebootDownPeriod < 0 {
			return "negative time parameter."
		}
	}
	return ""
}

// xOK is access(2)'s X_OK.
const xOK = 1

// sentinelGetMasterByName is sentinel.c's: the master of that exact name.
func (c *sentinelConfig) sentinelGetMasterByName(name string) *masterConfig {
	for _, m := range c.masters {
		if m.name == name {
			return m
		}
	}
	return nil
}

// createSentinelAddr mirrors sentinel.c's: the port must be 0..65535
// ("Invalid port number."), and the host an IP address unless
// resolve-hostnames is on, when it is looked up ("Can't resolve instance
// hostname." either way it fails). The lookup blocks, as anetResolve does.
func (c *sentinelConfig) createSentinelAddr(host string, port int) (sentinelAddr, string) {
	if port < 0 || port > 65535 {
		return sentinelAddr{}, "Invalid port number."
	}
	ip := formatIP(host)
	if ip == "" && c.resolveHostnames {
		if addrs, err := net.LookupHost(host); err == nil && len(addrs) > 0 {
			ip = formatIP(addrs[0])
		}
	}
	if ip == "" {
		return sentinelAddr{}, "Can't resolve instance hostname."
	}
	return sentinelAddr{hostname: host, ip: ip, port: port}, ""
}

// formatIP returns an IP literal as inet_ntop writes it, or "" if s is not
// one. An IPv4-mapped IPv6 address stays in IPv6 form, as it does in C.
func formatIP(s string) string {
	ip := net.ParseIP(s)
	if ip == nil {
		return ""
	}
	if strings.Contains(s, ":") && ip.To4() != nil {
		return "::ffff:" + ip.To4().String()
	}
	return ip.String()
}

// announceSentinelAddr is sentinel.c's: the hostname when
// announce-hostnames is on, else the IP.
func (c *sentinelConfig) announceSentinelAddr(a sentinelAddr) string {
	if c.announceHostnames {
		return a.hostname
	}
	return a.ip
}

// announceSentinelAddrAndPort is sentinel.c's: "ip:port", or "[ip]:port"
// for an IPv6 address; the replicas' table key.
func (c *sentinelConfig) announceSentinelAddrAndPort(a sentinelAddr) string {
	return net.JoinHostPort(c.announceSentinelAddr(a), strconv.Itoa(a.port))
}

// sentinelCheckConfigFile mirrors sentinel.c's: a sentinel must have a
// config file, and one it can write.
func sentinelCheckConfigFile(configFile string) error {
	if configFile == "" {
		return &startupError{"Sentinel needs config file on disk to save state. Exiting..."}
	}
	if err := syscall.Access(configFile, wOK); err != nil {
		return notWritableError(configFile, err)
	}
	return nil
}

// wOK is access(2)'s W_OK.
const wOK = 2

func notWritableError(configFile string, err error) error {
	return &startupError{fmt.Sprintf("Sentinel config file %s is not writable: %s. Exiting...", configFile, strerror(err))}
}

// pickMyID is the first half of sentinelIsRunning: a sentinel with no
// "sentinel myid" yet picks 40 random hex characters (getRandomHexChars).
// It reports whether it did; the caller then calls sentinelFlushConfig at
// once, so that the ID is the same across restarts.
func (c *sentinelConfig) pickMyID() bool {
	if c.myid != "" {
		return false
	}
	var b [configRunIDSize / 2]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on the systems Go supports
	}
	c.myid = hex.EncodeToString(b[:])
	return true
}
