package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unicode"

	"github.com/goae/goae/internal/redisconf"
	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/respserver"
)

// The special parameters of config.c (createSpecialConfig): each with
// its own set, get and rewrite.

// dir: Redis chdirs; kv checks the directory and keeps its absolute path
// (kv writes no files there, and a chdir would move every relative path
// of the process).
func setDirOption(c *config, argv []string) string {
	if len(argv) != 1 {
		return "wrong number of arguments"
	}
	fi, err := os.Stat(argv[0])
	if err == nil && !fi.IsDir() {
		err = syscall.ENOTDIR
	}
	if err != nil {
		return strerror(err)
	}
	abs, err := filepath.Abs(argv[0])
	if err != nil {
		return strerror(err)
	}
	c.dir = abs
	return ""
}

func getDirOption(s *server) string { return s.cfg.workingDir() }

// workingDir is dir: the one set, else the process's.
func (c *config) workingDir() string {
	if c.dir != "" {
		return c.dir
	}
	wd, _ := os.Getwd()
	return wd
}

func rewriteDirOption(s *server, st *redisconf.Rewrite, name string) {
	st.RewriteLine(name, name+" "+resp.Repr(s.cfg.workingDir()), true)
}

// strerror is the C library's message for err's errno (Go's are the
// same words, lowercase).
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		err = errno
	}
	msg := err.Error()
	if msg == "" {
		return msg
	}
	r := []rune(msg)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// save: pairs of seconds and changes; kv has no persistence, so it is
// kept and reported only, and its default is "" (Redis: 3600 1 300 100
// 60 10000).
func setSaveOption(c *config, argv []string) string {
	if len(argv) == 1 && argv[0] == "" {
		argv = nil
	}
	if len(argv)%2 != 0 {
		return "Invalid save parameters"
	}
	params := make([]int64, len(argv))
	for j, a := range argv {
		v, ok := strtoll(a)
		if !ok || (j%2 == 0 && v < 1) || (j%2 == 1 && v < 0) {
			return "Invalid save parameters"
		}
		params[j] = v
	}
	// A config file's save lines add up; the first one replaces the
	// defaults. CONFIG SET replaces.
	if c.readingConfigFile && c.saveLoaded {
		params = append(append([]int64(nil), c.save...), params...)
	}
	if c.readingConfigFile {
		c.saveLoaded = true
	}
	c.save = params
	return ""
}

func getSaveOption(s *server) string {
	var b strings.Builder
	for j := 0; j < len(s.cfg.save); j += 2 {
		if j > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d %d", s.cfg.save[j], int32(s.cfg.save[j+1]))
	}
	return b.String()
}

func rewriteSaveOption(s *server, st *redisconf.Rewrite, name string) {
	if len(s.cfg.save) == 0 {
		st.RewriteLine(name, `save ""`, true)
		return
	}
	for j := 0; j < len(s.cfg.save); j += 2 {
		st.RewriteLine(name, fmt.Sprintf("save %d %d", s.cfg.save[j], int32(s.cfg.save[j+1])), true)
	}
	st.MarkAsProcessed(name)
}

// strtoll is strtoll(s, &end, 10) with *end == '\0' required: leading
// spaces and a sign are allowed, no digits is 0, overflow saturates.
func strtoll(s string) (int64, bool) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if t == "" {
		return 0, len(s) == 0 || strings.TrimLeft(s, " \t\n\v\f\r") == ""
	}
	var v uint64
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return 0, false
		}
		if v < 1<<63 {
			v = v*10 + uint64(t[i]-'0')
		}
	}
	if neg {
		if v > 1<<63 {
			v = 1 << 63
		}
		return -int64(v), true
	}
	return int64(min(v, 1<<63-1)), true
}

// client-output-buffer-limit.
func setObufOption(c *config, argv []string) string {
	l, err := parseObufArgs(argv, c.clientOutputBufferLimit)
	if err != "" {
		return err
	}
	c.clientOutputBufferLimit = l
	return ""
}

func getObufOption(s *server) string { return formatOutputBufferLimit(s.cfg.clientOutputBufferLimit) }

// rewriteObufOption writes each class that differs from Redis's defaults
// (normal 0 0 0, so kv's own normal limit is written), the slave class
// named "replica" as Redis writes it.
func rewriteObufOption(s *server, st *redisconf.Rewrite, name string) {
	redisDefaults := []respserver.OutputBufferLimit{{Hard: -1, Soft: -1, SoftSeconds: -1},
		{Hard: 256 << 20, Soft: 64 << 20, SoftSeconds: 60}, {Hard: 32 << 20, Soft: 8 << 20, SoftSeconds: 60}}
	l := s.cfg.clientOutputBufferLimit
	for i, cur := range []respserver.OutputBufferLimit{l.normal, l.replica, l.pubsub} {
		d := redisDefaults[i]
		force := max(cur.Hard, 0) != max(d.Hard, 0) || max(cur.Soft, 0) != max(d.Soft, 0) || max(cur.SoftSeconds, 0) != max(d.SoftSeconds, 0)
		line := fmt.Sprintf("%s %s %s %s %d", name, [...]string{"normal", "replica", "pubsub"}[i],
			formatMemory(max(cur.Hard, 0)), formatMemory(max(cur.Soft, 0)), max(cur.SoftSeconds, 0))
		st.RewriteLine(name, line, force)
	}
}

// formatOutputBufferLimit writes the classes as Redis's CONFIG GET does.
func formatOutputBufferLimit(l obufLimits) string {
	one := func(l respserver.OutputBufferLimit) string {
		return fmt.Sprintf("%d %d %d", max(l.Hard, 0), max(l.Soft, 0), max(l.SoftSeconds, 0))
	}
	return "normal " + one(l.normal) + " slave " + one(l.replica) + " pubsub " + one(l.pubsub)
}

// parseOutputBufferLimit parses a client-output-buffer-limit value as
// CONFIG SET splits it (at single spaces).
func parseOutputBufferLimit(s string, cur obufLimits) (obufLimits, error) {
	var args []string
	if s != "" {
		args = strings.Split(s, " ")
	}
	l, err := parseObufArgs(args, cur)
	if err != "" {
		return cur, errors.New(err)
	}
	return l, nil
}

// parseObufArgs is setConfigClientOutputBufferLimitOption: groups of
// <class> <hard> <soft> <seconds>; the classes named change, the others
// stay; nothing changes on an error.
func parseObufArgs(args []string, cur obufLimits) (obufLimits, string) {
	if len(args)%4 != 0 { // no arguments at all change nothing
		return cur, "Wrong number of arguments in buffer limit configuration."
	}
	out := cur
	for i := 0; i < len(args); i += 4 {
		var dst *respserver.OutputBufferLimit
		switch strings.ToLower(args[i]) {
		case "normal":
			dst = &out.normal
		case "replica", "slave":
			dst = &out.replica
		case "pubsub":
			dst = &out.pubsub
		default:
			return cur, "Invalid client class specified in buffer limit configuration."
		}
		hard, ok1 := memtoull(args[i+1])
		soft, ok2 := memtoull(args[i+2])
		secs, ok3 := strtoll(args[i+3])
		if !ok1 || !ok2 || !ok3 || int32(secs) < 0 {
			return cur, "Error in hard, soft or soft_seconds setting in buffer limit configuration."
		}
		// Redis's 0 is "no limit"; respserver's is "default".
		l := respserver.OutputBufferLimit{Hard: int64(hard), Soft: int64(soft), SoftSeconds: int(int32(secs))}
		if hard == 0 {
			l.Hard = -1
		}
		if soft == 0 {
			l.Soft, l.SoftSeconds = -1, -1
		}
		*dst = l
	}
	return out, ""
}

// formatMemory is rewriteConfigFormatMemory: the largest of gb, mb, kb
// that divides the value.
func formatMemory(v int64) string {
	switch {
	case v != 0 && v%(1<<30) == 0:
		return strconv.FormatInt(v/(1<<30), 10) + "gb"
	case v != 0 && v%(1<<20) == 0:
		return strconv.FormatInt(v/(1<<20), 10) + "mb"
	case v != 0 && v%(1<<10) == 0:
		return strconv.FormatInt(v/(1<<10), 10) + "kb"
	}
	return strconv.FormatInt(v, 10)
}

// oom-score-adj-values: kept and reported (kv does not write
// /proc/self/oom_score_adj).
var defaultOOMScoreAdjValues = [3]int64{0, 200, 800}

func setOOMScoreAdjValuesOption(c *config, argv []string) string {
	if len(argv) != 3 {
		return "wrong number of arguments"
	}
	var v [3]int64
	for i, a := range argv {
		n, ok := strtoll(a)
		if !ok || n < -2000 || n > 2000 {
			return "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
		}
		v[i] = n
	}
	c.keep("oom-score-adj-values", v)
	return ""
}

func oomScoreAdjValues(c *config) [3]int64 {
	if v, ok := c.kept["oom-score-adj-values"]; ok {
		return v.([3]int64)
	}
	return defaultOOMScoreAdjValues
}

func getOOMScoreAdjValuesOption(s *server) string {
	v := oomScoreAdjValues(&s.cfg)
	return fmt.Sprintf("%d %d %d", v[0], v[1], v[2])
}

func rewriteOOMScoreAdjValuesOption(s *server, st *redisconf.Rewrite, name string) {
	v := oomScoreAdjValues(&s.cfg)
	st.RewriteLine(name, fmt.Sprintf("%s %d %d %d", name, v[0], v[1], v[2]), v != defaultOOMScoreAdjValues)
}

// notify-keyspace-events (notify.go has the letters).
func setNotifyOption(c *config, argv []string) string {
	if len(argv) != 1 {
		return "wrong number of arguments"
	}
	f, ok := keyspaceEventsStringToFlags(argv[0])
	if !ok {
		return notifyClassErr
	}
	c.notifyKeyspaceEvents = f
	return ""
}

func getNotifyOption(s *server) string {
	return keyspaceEventsFlagsToString(s.cfg.notifyKeyspaceEvents)
}

func rewriteNotifyOption(s *server, st *redisconf.Rewrite, name string) {
	st.RewriteLine(name, name+" "+resp.Repr(keyspaceEventsFlagsToString(s.cfg.notifyKeyspaceEvents)), s.cfg.notifyKeyspaceEvents != 0)
}

// bind: the addresses, space-separated in config.bind. kv listens on the
// first (a leading '-', "optional", is dropped).
const redisDefaultBind = "* -::*"

func setBindOption(c *config, argv []string) string {
	if len(argv) > 16 { // CONFIG_BINDADDR_MAX
		return "Too many bind addresses specified."
	}
	if len(argv) == 1 && argv[0] == "" {
		argv = nil
	}
	c.bind = strings.Join(argv, " ")
	return ""
}

func getBindOption(s *server) string { return s.cfg.bind }

func rewriteBindOption(s *server, st *redisconf.Rewrite, name string) {
	if s.cfg.bind == redisDefaultBind {
		st.MarkAsProcessed(name)
		return
	}
	addrs := s.cfg.bind
	if addrs == "" {
		addrs = `""`
	}
	st.RewriteLine(name, name+" "+addrs, true)
}

// listenAddr is the address kv listens on for bind: the first one, with
// Redis's "*" (any IPv4) and "::*" (any IPv6) spelled for anet.
func listenAddr(bind string) string {
	f := strings.Fields(bind)
	if len(f) == 0 {
		return ""
	}
	a := strings.TrimPrefix(f[0], "-")
	switch a {
	case "*":
		return "0.0.0.0"
	case "::*":
		return "::"
	}
	return a
}

// replicaof: kv has no replication; a config file's replicaof is kept
// and reported only.
func setReplicaOfOption(c *config, argv []string) string {
	if len(argv) != 2 {
		return "wrong number of arguments"
	}
	if strings.EqualFold(argv[0], "no") && strings.EqualFold(argv[1], "one") {
		c.replicaof = ""
		return ""
	}
	port, ok := strtoll(argv[1])
	if !ok || port < 0 || port > 65535 {
		return "Invalid master port"
	}
	c.replicaof = argv[0] + " " + strconv.FormatInt(port, 10)
	return ""
}

func getReplicaOfOption(s *server) string { return s.cfg.replicaof }

func rewriteReplicaOfOption(s *server, st *redisconf.Rewrite, name string) {
	if s.cfg.replicaof == "" {
		st.MarkAsProcessed(name)
		return
	}
	st.RewriteLine(name, name+" "+s.cfg.replicaof, true)
}

// latency-tracking-info-percentiles: kept and reported (kv's INFO has no
// latencystats section).
var defaultPercentiles = []float64{50, 99, 99.9}

func setPercentilesOption(c *config, argv []string) string {
	if len(argv) == 1 && argv[0] == "" {
		argv = nil
	}
	out := make([]float64, 0, len(argv))
	for _, a := range argv {
		v, err := strconv.ParseFloat(a, 64)
		if err != nil || a == "" || unicode.IsSpace(rune(a[0])) || v != v || strings.ContainsAny(a, "_") {
			return "Invalid latency-tracking-info-percentiles parameters"
		}
		if v > 100 || v < 0 {
			return "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
		}
		out = append(out, v)
	}
	c.keep("latency-tracking-info-percentiles", out)
	return ""
}

func percentiles(c *config) []float64 {
	if v, ok := c.kept["latency-tracking-info-percentiles"]; ok {
		return v.([]float64)
	}
	return defaultPercentiles
}

// formatPercentile is "%f" and trimDoubleString.
func formatPercentile(v float64) string {
	s := strconv.FormatFloat(v, 'f', 6, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

func getPercentilesOption(s *server) string {
	p := percentiles(&s.cfg)
	parts := make([]string, len(p))
	for i, v := range p {
		parts[i] = formatPercentile(v)
	}
	return strings.Join(parts, " ")
}

func rewritePercentilesOption(s *server, st *redisconf.Rewrite, name string) {
	line := name
	if p := percentiles(&s.cfg); len(p) == 0 {
		line += ` ""`
	} else {
		line += " " + getPercentilesOption(s)
	}
	st.RewriteLine(name, line, true)
}
