package main

// nutcracker's command line (nc.c): its options, parsed as glibc's
// getopt_long parses them with nutcracker's short and long option tables,
// its messages, usage text and version banner, byte for byte as Debian's
// nutcracker 0.5.0 prints them (CRLF where nutcracker has one).

import (
	"fmt"
	"io"
	"strings"
)

// ncVersion is NC_VERSION_STRING. The proxy answers as nutcracker 0.5.0 so
// that scripts and monitoring that read the version see the drop-in.
const ncVersion = "0.5.0"

// Defaults (nc.c and Debian's build of it, whose --help is the authority:
// the log and conf paths and the pid file are Debian's, not the upstream
// conf/nutcracker.yml and stderr).
const (
	defaultLogLevel      = logNotice                            // NC_LOG_DEFAULT
	defaultLogFile       = "/var/log/nutcracker/nutcracker.log" // NC_LOG_PATH
	defaultConfFile      = "/etc/nutcracker/nutcracker.yml"     // NC_CONF_PATH
	defaultStatsPort     = 22222                                // STATS_PORT
	defaultStatsAddr     = "0.0.0.0"                            // STATS_ADDR
	defaultStatsInterval = 30000                                // STATS_INTERVAL, msec
	defaultPidFile       = "/run/nutcracker/nutcracker.pid"     // NC_PID_FILE, used with -d only
	defaultMbufSize      = 16384                                // MBUF_SIZE
	mbufMinSize          = 512                                  // MBUF_MIN_SIZE
	mbufMaxSize          = 16777216                             // MBUF_MAX_SIZE
)

// instance holds what the command line sets (struct instance in
// nc_core.h, less the runtime parts) and the mode flags of nc.c.
type instance struct {
	showHelp      bool // -h
	showVersion   bool // -V, and set by -h and -D
	testConf      bool // -t
	daemonize     bool // -d
	describeStats bool // -D

	logLevel      int    // -v
	logFilename   string // -o
	logFileSet    bool   // -o was given
	confFilename  string // -c
	statsPort     int    // -s
	statsAddr     string // -a
	statsInterval int    // -i, msec
	pidFilename   string // -p
	mbufChunkSize int    // -m

	// Extensions (doc.go), long options only.
	threads     int  // --threads N: N loops on SO_REUSEPORT (threads.go); 0 or 1: one loop
	reloadOnHup bool // --reload: SIGHUP also reloads the configuration (reload.go)
}

// setDefaultOptions is nc_set_default_options.
func setDefaultOptions() instance {
	return instance{
		logLevel:      defaultLogLevel,
		logFilename:   defaultLogFile,
		confFilename:  defaultConfFile,
		statsPort:     defaultStatsPort,
		statsAddr:     defaultStatsAddr,
		statsInterval: defaultStatsInterval,
		pidFilename:   defaultPidFile,
		mbufChunkSize: defaultMbufSize,
	}
}

// longOption is one entry of nutcracker's long_options.
type longOption struct {
	name   string
	hasArg bool // required_argument; the others take none
	val    byte
}

// longOptions is long_options, in nutcracker's order (which decides
// nothing: every prefix shared by two of them is ambiguous).
var longOptions = []longOption{
	{"help", false, 'h'},
	{"version", false, 'V'},
	{"test-conf", false, 't'},
	{"daemonize", false, 'd'},
	{"describe-stats", false, 'D'},
	{"verbose", true, 'v'},
	{"output", true, 'o'},
	{"conf-file", true, 'c'},
	{"stats-port", true, 's'},
	{"stats-interval", true, 'i'},
	{"stats-addr", true, 'a'},
	{"pid-file", true, 'p'},
	{"mbuf-size", true, 'm'},
}

// extLongOptions are the extensions' options (doc.go). They match only
// when spelled out in full, so that every abbreviation nutcracker accepts
// ("--t" for --test-conf) means what it means to nutcracker; their vals
// are no short option.
var extLongOptions = []longOption{
	{"threads", true, 'T'},
	{"reload", false, 'R'},
}

// maxThreads bounds --threads.
const maxThreads = 1024

// shortOptions is short_options.
const shortOptions = "hVtdDv:o:c:s:i:a:p:m:"

// getopt is the part of glibc's getopt_long that nutcracker uses: options
// anywhere on the line (non-options are skipped, as glibc permutes them to
// the end), "--" ends them, clustered short options, an option's argument
// attached ("-v5", "--verbose=5") or in the next word (taken whatever it
// is), long options by any unambiguous prefix. opterr is 0: it prints
// nothing, and an unknown or ambiguous option, a missing argument or an
// argument given to a long option that takes none yields '?' with optopt
// set as glibc sets it (the option's letter, or 0 for a long option that
// matches none or several).
type getopt struct {
	args     []string
	optind   int
	nextchar string // rest of a cluster of short options
	optarg   string
	optopt   byte
}

// next returns the next option, '?' on an error, or -1 at the end.
func (g *getopt) next() int {
	g.optarg = ""
	if g.nextchar == "" {
		for {
			if g.optind >= len(g.args) {
				return -1
			}
			a := g.args[g.optind]
			if a == "--" {
				g.optind = len(g.args)
				return -1
			}
			if len(a) < 2 || a[0] != '-' {
				g.optind++ // a non-option: glibc moves it after the options
				continue
			}
			g.optind++
			if a[1] == '-' {
				return g.long(a[2:])
			}
			g.nextchar = a[1:]
			break
		}
	}
	c := g.nextchar[0]
	g.nextchar = g.nextchar[1:]
	i := strings.IndexByte(shortOptions, c)
	if i < 0 || c == ':' {
		g.optopt = c
		return '?'
	}
	if i+1 < len(shortOptions) && shortOptions[i+1] == ':' {
		switch {
		case g.nextchar != "":
			g.optarg, g.nextchar = g.nextchar, ""
		case g.optind < len(g.args):
			g.optarg = g.args[g.optind]
			g.optind++
		default:
			g.optopt = c
			return '?'
		}
	}
	return int(c)
}

// long handles "--name" or "--name=value" (name is what follows "--").
func (g *getopt) long(s string) int {
	name, value, hasValue := strings.Cut(s, "=")
	var match *longOption
	ambiguous := false
	for i := range extLongOptions {
		if extLongOptions[i].name == name {
			return g.longMatched(&extLongOptions[i], value, hasValue)
		}
	}
	for i := range longOptions {
		o := &longOptions[i]
		if o.name == name {
			match, ambiguous = o, false
			break
		}
		if strings.HasPrefix(o.name, name) {
			if match != nil {
				ambiguous = true
			}
			match = o
		}
	}
	if match == nil || ambiguous {
		g.optopt = 0
		return '?'
	}
	return g.longMatched(match, value, hasValue)
}

// longMatched takes the argument of long option match, if it has one.
func (g *getopt) longMatched(match *longOption, value string, hasValue bool) int {
	if !match.hasArg {
		if hasValue {
			g.optopt = match.val
			return '?'
		}
		return int(match.val)
	}
	switch {
	case hasValue:
		g.optarg = value
	case g.optind < len(g.args):
		g.optarg = g.args[g.optind]
		g.optind++
	default:
		g.optopt = match.val
		return '?'
	}
	return int(match.val)
}

// ncAtoi is nc_atoi: the decimal value of s, or -1 when s is empty, has a
// byte that is not a digit, or its value, computed in a 32-bit int that
// wraps as nutcracker's does, ends negative. So "4294967301" is 5.
func ncAtoi(s string) int {
	if s == "" {
		return -1
	}
	var v int32
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
		v = v*10 + int32(s[i]-'0')
	}
	if v < 0 {
		return -1
	}
	return int(v)
}

// ncValidPort is nc_valid_port: 1 to 65535.
func ncValidPort(n int) bool { return n >= 1 && n <= 65535 }

// optionError is a command-line error: the line nutcracker prints before
// its usage text (exit status 1).
type optionError string

func (e optionError) Error() string { return string(e) }

// getOptions is nc_get_options: it reads args (without the program name)
// into nci, stopping at the first error, whose message is the line to print
// (nc_show_usage follows it).
func getOptions(args []string, nci *instance) error {
	g := &getopt{args: args}
	for {
		c := g.next()
		if c == -1 {
			return nil
		}
		switch c {
		case 'h':
			nci.showVersion = true
			nci.showHelp = true
		case 'V':
			nci.showVersion = true
		case 't':
			nci.testConf = true
		case 'd':
			nci.daemonize = true
		case 'D':
			nci.describeStats = true
			nci.showVersion = true
		case 'v':
			v := ncAtoi(g.optarg)
			if v < 0 {
				return optionError("nutcracker: option -v requires a number")
			}
			nci.logLevel = v
		case 'o':
			nci.logFilename = g.optarg
			nci.logFileSet = true
		case 'c':
			nci.confFilename = g.optarg
		case 's':
			v := ncAtoi(g.optarg)
			if v < 0 {
				return optionError("nutcracker: option -s requires a number")
			}
			if !ncValidPort(v) {
				return optionError(fmt.Sprintf("nutcracker: option -s value %d is not a valid port", v))
			}
			nci.statsPort = v
		case 'i':
			v := ncAtoi(g.optarg)
			if v < 0 {
				return optionError("nutcracker: option -i requires a number")
			}
			nci.statsInterval = v
		case 'a':
			nci.statsAddr = g.optarg
		case 'p':
			nci.pidFilename = g.optarg
		case 'm':
			v := ncAtoi(g.optarg)
			if v <= 0 {
				return optionError("nutcracker: option -m requires a non-zero number")
			}
			if v < mbufMinSize || v > mbufMaxSize {
				return optionError(fmt.Sprintf("nutcracker: mbuf chunk size must be between %d and %d bytes", mbufMinSize, mbufMaxSize))
			}
			nci.mbufChunkSize = v
		case 'T':
			v := ncAtoi(g.optarg)
			if v < 1 || v > maxThreads {
				return optionError(fmt.Sprintf("nutcracker: option --threads requires a number between 1 and %d", maxThreads))
			}
			nci.threads = v
		case 'R':
			nci.reloadOnHup = true
		case '?':
			switch g.optopt {
			case 'T':
				return optionError(fmt.Sprintf("nutcracker: option --threads requires a number between 1 and %d", maxThreads))
			case 'R':
				return optionError("nutcracker: option --reload takes no argument")
			case 'o', 'c', 'p':
				return optionError(fmt.Sprintf("nutcracker: option -%c requires a file name", g.optopt))
			case 'm', 'v', 's', 'i':
				return optionError(fmt.Sprintf("nutcracker: option -%c requires a number", g.optopt))
			case 'a':
				return optionError(fmt.Sprintf("nutcracker: option -%c requires a string", g.optopt))
			}
			// optopt 0 (an unknown long option) prints a NUL byte, as
			// nutcracker's "%c" does.
			return optionError("nutcracker: invalid option -- '" + string([]byte{g.optopt}) + "'")
		}
	}
}

// showUsage writes nc_show_usage's text: Debian's defaults, nutcracker's
// line ends (CRLF on all but a few lines).
func showUsage(w io.Writer) {
	fmt.Fprintf(w, ""+
		"Usage: nutcracker [-?hVdDt] [-v verbosity level] [-o output file]\r\n"+
		"                  [-c conf file] [-s stats port] [-a stats addr]\r\n"+
		"                  [-i stats interval] [-p pid file] [-m mbuf size]\r\n"+
		"\n"+
		"Options:\r\n"+
		"  -h, --help             : this help\r\n"+
		"  -V, --version          : show version and exit\r\n"+
		"  -t, --test-conf        : test configuration for syntax errors and exit\r\n"+
		"  -d, --daemonize        : run as a daemon\r\n"+
		"  -D, --describe-stats   : print stats description and exit\n"+
		"  -v, --verbose=N        : set logging level (default: %d, min: %d, max: %d)\r\n"+
		"  -o, --output=S         : set logging file (default: %s)\r\n"+
		"  -c, --conf-file=S      : set configuration file (default: %s)\r\n"+
		"  -s, --stats-port=N     : set stats monitoring port (default: %d)\r\n"+
		"  -a, --stats-addr=S     : set stats monitoring ip (default: %s)\r\n"+
		"  -i, --stats-interval=N : set stats aggregation interval in msec (default: %d msec)\r\n"+
		"  -p, --pid-file=S       : set pid file (default: %s)\r\n"+
		"  -m, --mbuf-size=N      : set size of mbuf chunk in bytes (default: %d bytes)\r\n"+
		"\n",
		defaultLogLevel, logEmerg, logPVerb, defaultLogFile, defaultConfFile,
		defaultStatsPort, defaultStatsAddr, defaultStatsInterval, defaultPidFile,
		defaultMbufSize)
}

// showVersion writes the banner of -V (and of -h and -D before their
// text): the version and the event backend, here the poller goae's loop
// uses on this system ("epoll", "kqueue", or "poll" under goae_poll).
func showVersion(w io.Writer, backend string) {
	fmt.Fprintf(w, "This is nutcracker-%s\nasync event backend: %s\n\n", ncVersion, backend)
}
