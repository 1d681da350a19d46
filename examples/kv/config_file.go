package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goae/goae/internal/redisconf"
	"github.com/goae/goae/internal/resp"
)

// This file is config.c's loading of a config file (loadServerConfig,
// loadServerConfigFromString) and server.c's command line: `kv
// [/path/to/redis.conf] [--name value ...]`, where each --name value is
// one more line after the file's.

// configFileError is a bad line of the config file or the command line:
// Redis prints it as its FATAL CONFIG FILE ERROR block and exits 1.
type configFileError struct {
	linenum int
	line    string // "" when the error is not about one line
	err     string
}

// Error is the block redis-server 7.0.15 writes to stderr.
func (e *configFileError) Error() string {
	var b strings.Builder
	b.WriteString("\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n")
	if e.linenum > 0 {
		fmt.Fprintf(&b, "Reading the configuration file, at line %d\n", e.linenum)
		fmt.Fprintf(&b, ">>> '%s'\n", e.line)
	}
	b.WriteString(e.err + "\n")
	return b.String()
}

// loadConfigString is loadServerConfigFromString: each line set as a
// config file's, into c.
func (c *config) loadConfigString(text string) error {
	c.readingConfigFile = true
	defer func() { c.readingConfigFile = false }()
	lines := strings.Split(text, "\n")
	for i, raw := range lines {
		line := strings.Trim(raw, " \t\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		fail := func(err string) error { return &configFileError{linenum: i + 1, line: line, err: err} }
		argv, ok := resp.SplitArgs(line)
		if !ok {
			return fail("Unbalanced quotes in configuration line")
		}
		if len(argv) == 0 {
			continue
		}
		argv[0] = strings.ToLower(argv[0])
		if sc := lookupConfig(argv[0]); sc != nil {
			if sc.flags&multiArgConfig == 0 && len(argv) != 2 {
				return fail("wrong number of arguments")
			}
			args := argv[1:]
			if sc.flags&multiArgConfig != 0 && len(argv) == 2 && argv[1] != "" {
				// One argument of a multi-argument parameter ("--save
				// '60 1'") is split again.
				if args, ok = resp.SplitArgs(argv[1]); !ok {
					args = nil
				}
			}
			if err := sc.setValue(c, args); err != "" {
				return fail(err)
			}
			continue
		}
		// config.c's deprecated_configs: one argument, ignored.
		deprecated := len(argv) == 2 && slices.Contains(redisconf.DeprecatedParameters, argv[0])
		if deprecated {
			continue
		}
		switch {
		case argv[0] == "include" && len(argv) == 2:
			data, err := os.ReadFile(argv[1])
			if err != nil {
				return &configFileError{err: fmt.Sprintf("Fatal error, can't open config file '%s': %s", argv[1], strerror(err))}
			}
			if err := c.loadConfigString(string(data)); err != nil {
				return err
			}
			c.readingConfigFile = true
		case argv[0] == "rename-command" && len(argv) == 3:
			if err := checkRename(c.renames, argv[1], argv[2]); err != "" {
				return fail(err)
			}
			c.renames = append(c.renames, [2]string{strings.ToLower(argv[1]), strings.ToLower(argv[2])})
		case argv[0] == "user" && len(argv) >= 2:
			// kv has one user, the default one: its password is
			// requirepass (a rewritten file has both lines).
			if argv[1] != "default" {
				return fail("kv has only the default user")
			}
		default:
			return fail("Bad directive or wrong number of arguments")
		}
	}
	return nil
}

// checkRename is rename-command's checks, against the command table with
// the earlier renames done (redisconf.CheckRename), and kv's limit on a
// name's length.
func checkRename(renames [][2]string, from, to string) string {
	if err := redisconf.CheckRename(commandTable(), renames, from, to); err != "" {
		return err
	}
	if len(to) > 32 { // lookupCommand's buffer
		return "Target command name longer than kv's 32 bytes"
	}
	return ""
}

// parseArgs is redis-server's main(): an optional config file first,
// then "--name value ..." options, each a line appended to the file's.
// kv's own --cpuprofile and --memprofile are taken out first.
func parseArgs(args []string, c *config) (cpuprofile, memprofile string, err error) {
	if len(args) == 1 {
		switch args[0] {
		case "-v", "--version":
			return "", "", errVersion
		case "-h", "--help":
			return "", "", errUsage
		}
	}
	var rest []string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--cpuprofile", "--memprofile":
			if i+1 >= len(args) {
				return "", "", &configFileError{err: args[i] + " needs a file name"}
			}
			if args[i] == "--cpuprofile" {
				cpuprofile = args[i+1]
			} else {
				memprofile = args[i+1]
			}
			i++
		default:
			rest = append(rest, args[i])
		}
	}
	file, options := redisconf.CommandLine(rest)
	if file != "" {
		abs, err := filepath.Abs(file)
		if err != nil {
			return "", "", err
		}
		c.configfile = abs
	}
	var text string
	if c.configfile != "" {
		data, err := os.ReadFile(c.configfile)
		if err != nil {
			return "", "", &configFileError{err: fmt.Sprintf("Fatal error, can't open config file '%s': %s", c.configfile, strerror(err))}
		}
		text = string(data)
	}
	if options != "" {
		text += "\n" + options
	}
	return cpuprofile, memprofile, c.loadConfigString(text)
}

// exitMessage is what -v and -h print before kv exits with code, as
// redis-server does (0 for the version, 1 for the usage).
type exitMessage struct {
	text string
	code int
}

func (m *exitMessage) Error() string { return m.text }

var (
	errVersion = &exitMessage{"kv (goae), a drop-in for Redis server v=7.0.15\n", 0}
	errUsage   = &exitMessage{`Usage: kv [/path/to/redis.conf] [options]
       kv -v or --version
       kv -h or --help
       kv --cpuprofile <file> --memprofile <file> (kv's own)

Examples:
       kv (run the server with the default configuration)
       kv /etc/redis/6379.conf
       kv --port 7777
       kv /etc/myredis.conf --loglevel verbose --maxmemory 1gb
`, 1}
)

// sha256Hex is the hex SHA-256 of a password, as ACL stores it.
func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
