package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goae/goae/internal/testenv"
)

const (
	usageFirst = "Usage: nutcracker [-?hVdDt] [-v verbosity level] [-o output file]\r"
	banner     = "This is nutcracker-0.5.0"
)

// optionCases are command lines tried on the built proxy and on
// nutcracker. want is the first line of stderr and code the exit status;
// stdout is always empty (nutcracker writes everything to stderr). None of
// them reaches the serving mode.
var optionCases = []struct {
	args []string
	code int
	want string
}{
	// -h, -V, -D and their long forms: the banner, then the usage or the
	// stats description, exit 0.
	{[]string{"-h"}, 0, banner},
	{[]string{"--help"}, 0, banner},
	{[]string{"-V"}, 0, banner},
	{[]string{"--version"}, 0, banner},
	{[]string{"-D"}, 0, banner},
	{[]string{"--describe-stats"}, 0, banner},
	{[]string{"-Dh"}, 0, banner},                    // clustered: banner, usage, stats
	{[]string{"-tVD"}, 0, banner},                   // -V wins over -t
	{[]string{"-h", "-V"}, 0, banner},               // both: one banner
	{[]string{"-V", "foo"}, 0, banner},              // a non-option is skipped
	{[]string{"-V", "-"}, 0, banner},                // "-" is a non-option
	{[]string{"-V", "--", "foo"}, 0, banner},        // "--" ends the options
	{[]string{"--vers"}, 0, banner},                 // unambiguous prefix
	{[]string{"--verb=3", "-V"}, 0, banner},         // prefix with =value
	{[]string{"--stats-p", "80", "-V"}, 0, banner},  // prefix, value in the next word
	{[]string{"-v3", "-V"}, 0, banner},              // attached short argument
	{[]string{"-v", "12", "-V"}, 0, banner},         // above 11: accepted, clamped later
	{[]string{"-v", "4294967301", "-V"}, 0, banner}, // nc_atoi wraps to 5
	{[]string{"-s", "65535", "-V"}, 0, banner},
	{[]string{"-i", "0", "-V"}, 0, banner},
	{[]string{"-m", "512", "-V"}, 0, banner},
	{[]string{"-m", "16777216", "-V"}, 0, banner},
	{[]string{"--mbuf-size=16777216", "-V"}, 0, banner},
	{[]string{"-a", "anything", "-V"}, 0, banner}, // -a is not checked here
	{[]string{"-o", "x.log", "-p", "x.pid", "-c", "x.yml", "-d", "-V"}, 0, banner},

	// Unknown options: nutcracker's message (optopt 0, a NUL, for an
	// unknown or ambiguous long option), the usage, exit 1.
	{[]string{"-x"}, 1, "nutcracker: invalid option -- 'x'"},
	{[]string{"-?"}, 1, "nutcracker: invalid option -- '?'"},
	{[]string{"-:"}, 1, "nutcracker: invalid option -- ':'"},
	{[]string{"-Vx"}, 1, "nutcracker: invalid option -- 'x'"},
	{[]string{"-x", "-V"}, 1, "nutcracker: invalid option -- 'x'"},
	{[]string{"-V", "-x"}, 1, "nutcracker: invalid option -- 'x'"}, // errors before -V acts
	{[]string{"--help", "-x"}, 1, "nutcracker: invalid option -- 'x'"},
	{[]string{"--bogus"}, 1, "nutcracker: invalid option -- '\x00'"},
	{[]string{"-V", "--bogus=3"}, 1, "nutcracker: invalid option -- '\x00'"},
	{[]string{"--HELP"}, 1, "nutcracker: invalid option -- '\x00'"},
	{[]string{"---"}, 1, "nutcracker: invalid option -- '\x00'"},
	{[]string{"--=x"}, 1, "nutcracker: invalid option -- '\x00'"},
	{[]string{"--s=1", "-V"}, 1, "nutcracker: invalid option -- '\x00'"}, // ambiguous
	{[]string{"--d", "-V"}, 1, "nutcracker: invalid option -- '\x00'"},
	{[]string{"--ver"}, 1, "nutcracker: invalid option -- '\x00'"},
	{[]string{"--help=x"}, 1, "nutcracker: invalid option -- 'h'"}, // argument to a flag
	{[]string{"--version="}, 1, "nutcracker: invalid option -- 'V'"},

	// Missing arguments: the message by the option's kind.
	{[]string{"-v"}, 1, "nutcracker: option -v requires a number"},
	{[]string{"--verbose"}, 1, "nutcracker: option -v requires a number"},
	{[]string{"-m"}, 1, "nutcracker: option -m requires a number"},
	{[]string{"--mbuf-size"}, 1, "nutcracker: option -m requires a number"},
	{[]string{"-s"}, 1, "nutcracker: option -s requires a number"},
	{[]string{"-i"}, 1, "nutcracker: option -i requires a number"},
	{[]string{"-o"}, 1, "nutcracker: option -o requires a file name"},
	{[]string{"-p"}, 1, "nutcracker: option -p requires a file name"},
	{[]string{"-c"}, 1, "nutcracker: option -c requires a file name"},
	{[]string{"-t", "--conf-file"}, 1, "nutcracker: option -c requires a file name"},
	{[]string{"-a"}, 1, "nutcracker: option -a requires a string"},

	// Bad values.
	{[]string{"-vt"}, 1, "nutcracker: option -v requires a number"}, // "t" is -v's argument
	{[]string{"-v", "-1", "-V"}, 1, "nutcracker: option -v requires a number"},
	{[]string{"-s", "65536", "-V"}, 1, "nutcracker: option -s value 65536 is not a valid port"},
	{[]string{"-s", "0", "-V"}, 1, "nutcracker: option -s value 0 is not a valid port"},
	{[]string{"-s", "x", "-V"}, 1, "nutcracker: option -s requires a number"},
	{[]string{"--stats-port=", "-V"}, 1, "nutcracker: option -s requires a number"},
	{[]string{"-i", "x", "-V"}, 1, "nutcracker: option -i requires a number"},
	{[]string{"-i", "2147483648", "-V"}, 1, "nutcracker: option -i requires a number"}, // wraps negative
	{[]string{"-m", "511", "-V"}, 1, "nutcracker: mbuf chunk size must be between 512 and 16777216 bytes"},
	{[]string{"-m", "16777217", "-V"}, 1, "nutcracker: mbuf chunk size must be between 512 and 16777216 bytes"},
	{[]string{"-m", "0", "-V"}, 1, "nutcracker: option -m requires a non-zero number"},
	{[]string{"-m", "x", "-V"}, 1, "nutcracker: option -m requires a non-zero number"},

	// -t: the verdict on stderr; twice "invalid" when the file opened
	// but is bad (conf_create's line, then nc_test_conf's), once when it
	// did not open.
	{[]string{"-t", "-c", "good.yml"}, 0, "nutcracker: configuration file 'good.yml' syntax is ok"},
	{[]string{"-tc", "good.yml"}, 0, "nutcracker: configuration file 'good.yml' syntax is ok"},
	{[]string{"-t", "--conf-file", "good.yml"}, 0, "nutcracker: configuration file 'good.yml' syntax is ok"},
	{[]string{"-t", "--conf-file=good.yml"}, 0, "nutcracker: configuration file 'good.yml' syntax is ok"},
	{[]string{"--conf", "good.yml", "-t"}, 0, "nutcracker: configuration file 'good.yml' syntax is ok"},
	{[]string{"--c=good.yml", "--te"}, 0, "nutcracker: configuration file 'good.yml' syntax is ok"},
	{[]string{"good.yml", "-t", "-c", "good.yml", "-v", "0"}, 0, "nutcracker: configuration file 'good.yml' syntax is ok"},
	{[]string{"-t", "-c", "bad.yml"}, 1, "nutcracker: configuration file 'bad.yml' syntax is invalid"},
	{[]string{"-t", "-d", "-c", "bad.yml"}, 1, "nutcracker: configuration file 'bad.yml' syntax is invalid"},
	{[]string{"-t", "-c", "missing.yml"}, 1, "nutcracker: configuration file 'missing.yml' syntax is invalid"},
	{[]string{"-t", "-c", "."}, 1, "nutcracker: configuration file '.' syntax is invalid"}, // a directory
	{[]string{"-t", "-c", ""}, 1, "nutcracker: configuration file '' syntax is invalid"},
	{[]string{"-c=x", "-t"}, 1, "nutcracker: configuration file '=x' syntax is invalid"},
	{[]string{"-t"}, 1, "nutcracker: configuration file '/etc/nutcracker/nutcracker.yml' syntax is invalid"},
}

// optionDir is a directory with the good.yml and bad.yml the -t cases
// read.
func optionDir(t *testing.T) string {
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("good.yml", "alpha:\n  listen: 127.0.0.1:22121\n  servers:\n   - 127.0.0.1:6379:1\n")
	write("bad.yml", "alpha:\n  listen: 127.0.0.1:22121\n  bogus: 1\n  servers:\n   - 127.0.0.1:6379:1\n")
	return dir
}

// TestOptions runs each command line of optionCases on the built proxy
// and checks the exit status, the first line of stderr and an empty
// stdout; a usage line after each option error and the version banner's
// second line ("async event backend: ...").
func TestOptions(t *testing.T) {
	bin := proxyBinary(t)
	dir := optionDir(t)
	if _, err := os.Stat(defaultConfFile); err == nil {
		t.Logf("%s exists: the bare -t case may differ", defaultConfFile)
	}
	for _, c := range optionCases {
		r := runProc(t, dir, bin, c.args...)
		lines := strings.Split(string(r.stderr), "\n")
		if r.code != c.code || lines[0] != c.want || len(r.stdout) != 0 {
			t.Errorf("proxy %q: exit %d, stderr first line %q, stdout %q; want exit %d, %q, nothing",
				c.args, r.code, lines[0], r.stdout, c.code, c.want)
			continue
		}
		switch {
		case c.want == banner && !strings.HasPrefix(lines[1], "async event backend: "):
			t.Errorf("proxy %q: banner's second line %q", c.args, lines[1])
		case c.code == 1 && !strings.HasPrefix(c.want, "nutcracker: configuration") && lines[1] != usageFirst:
			t.Errorf("proxy %q: line after the error %q, want the usage", c.args, lines[1])
		}
	}
}

// TestOptionsAgainstNutcracker runs each command line of optionCases on
// nutcracker and on the built proxy in the same directory: stdout, stderr
// (every byte: usage text, CRLFs, the NUL of an unknown long option, the
// stats description) and the exit status must be the same.
func TestOptionsAgainstNutcracker(t *testing.T) {
	nc := testenv.RequireBinary(t, "nutcracker")
	bin := proxyBinary(t)
	dir := optionDir(t)
	for _, c := range optionCases {
		want := runProc(t, dir, nc, c.args...)
		got := runProc(t, dir, bin, c.args...)
		if got.code != want.code || !bytes.Equal(got.stdout, want.stdout) || !bytes.Equal(got.stderr, want.stderr) {
			t.Errorf("%q:\nnutcracker: exit %d stdout %q stderr %q\nproxy:      exit %d stdout %q stderr %q",
				c.args, want.code, want.stdout, want.stderr, got.code, got.stdout, got.stderr)
		}
	}
}

// TestGetOptionsValues checks what the options set: the defaults with no
// options (Debian's paths), then every option in its short and long form.
func TestGetOptionsValues(t *testing.T) {
	nci := setDefaultOptions()
	if err := getOptions(nil, &nci); err != nil {
		t.Fatal(err)
	}
	want := instance{logLevel: 5, logFilename: "/var/log/nutcracker/nutcracker.log",
		confFilename: "/etc/nutcracker/nutcracker.yml", statsPort: 22222, statsAddr: "0.0.0.0",
		statsInterval: 30000, pidFilename: "/run/nutcracker/nutcracker.pid", mbufChunkSize: 16384}
	if nci != want {
		t.Errorf("defaults: %+v\nwant %+v", nci, want)
	}
	set := instance{showHelp: false, showVersion: true, testConf: true, daemonize: true, describeStats: true,
		logLevel: 7, logFilename: "l.log", logFileSet: true, confFilename: "c.yml", statsPort: 2000,
		statsAddr: "127.0.0.1", statsInterval: 100, pidFilename: "p.pid", mbufChunkSize: 1024}
	for _, args := range [][]string{
		{"-t", "-d", "-D", "-v", "7", "-o", "l.log", "-c", "c.yml", "-s", "2000", "-a", "127.0.0.1", "-i", "100", "-p", "p.pid", "-m", "1024"},
		{"-tdDv7", "-ol.log", "-cc.yml", "-s2000", "-a127.0.0.1", "-i100", "-pp.pid", "-m1024"},
		{"--test-conf", "--daemonize", "--describe-stats", "--verbose=7", "--output=l.log", "--conf-file=c.yml",
			"--stats-port=2000", "--stats-addr=127.0.0.1", "--stats-interval=100", "--pid-file=p.pid", "--mbuf-size=1024"},
		{"--test-conf", "--daemonize", "--describe-stats", "--verbose", "7", "--output", "l.log", "--conf-file", "c.yml",
			"--stats-port", "2000", "--stats-addr", "127.0.0.1", "--stats-interval", "100", "--pid-file", "p.pid", "--mbuf-size", "1024"},
	} {
		nci := setDefaultOptions()
		if err := getOptions(args, &nci); err != nil {
			t.Errorf("%q: %v", args, err)
		} else if nci != set {
			t.Errorf("%q: %+v\nwant %+v", args, nci, set)
		}
	}
}

// TestNcAtoi checks nc_atoi's edges: empty and non-digits are -1, the
// 32-bit int wraps (4294967297 is 1, 2147483648 is negative so -1).
func TestNcAtoi(t *testing.T) {
	for s, want := range map[string]int{"": -1, "0": 0, "12": 12, "+1": -1, "-1": -1, " 1": -1, "1x": -1,
		"2147483647": 2147483647, "2147483648": -1, "4294967296": 0, "4294967297": 1, "4294967301": 5} {
		if got := ncAtoi(s); got != want {
			t.Errorf("ncAtoi(%q) = %d, want %d", s, got, want)
		}
	}
}

// TestStatsDescribe checks -D's table: 6 pool metrics, 13 server metrics,
// server_ejected_at the one timestamp, the gauges where nutcracker has
// them.
func TestStatsDescribe(t *testing.T) {
	var b bytes.Buffer
	statsDescribe(&b)
	if n := strings.Count(b.String(), "\n  "); n != 19 {
		t.Errorf("%d metric lines, want 19", n)
	}
	gauges := map[string]bool{"client_connections": true, "server_connections": true, "in_queue": true,
		"in_queue_bytes": true, "out_queue": true, "out_queue_bytes": true}
	for _, m := range append(append([]statsMetric{}, statsPoolCodec...), statsServerCodec...) {
		want := statsCounter
		if gauges[m.name] {
			want = statsGauge
		} else if m.name == "server_ejected_at" {
			want = statsTimestamp
		}
		if m.typ != want {
			t.Errorf("%s: type %d, want %d", m.name, m.typ, want)
		}
	}
}
