package main

// Logging as nutcracker logs (nc_log.c), on log/slog.
//
// nutcracker writes each line as "[YYYY-MM-DD HH:MM:SS.mmm] file.c:line
// message" in local time, at most 255 bytes before the newline (LOG_MAX_LEN
// is 256 with the newline), to the -o file opened for appending, or to
// stderr. logHandler is a slog.Handler that writes the same shape; the
// file:line is the Go source line that logged ("conf.go:312" where
// nutcracker says "nc_conf.c:529"), and attributes, which nutcracker has
// none of, follow the message as " key=value".
//
// nutcracker's -v levels, 0 (LOG_EMERG) to 11 (LOG_PVERB), become slog
// levels by slogLevel, which puts LOG_ERR, LOG_WARN, LOG_NOTICE and
// LOG_INFO on slog's Error, Warn, Info and Debug. A line is written when its
// level is at most -v, as log_loggable decides. nutcracker's log_error
// logs at LOG_ALERT (so only -v 0 silences errors), log_warn at LOG_WARN and
// loga always; logError, logWarn and loga here do the same.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// nutcracker's log levels (nc_log.h).
const (
	logEmerg  = 0 // LOG_EMERG, the -v minimum
	logAlert  = 1 // LOG_ALERT, what log_error logs at
	logCrit   = 2
	logErr    = 3
	logWarn   = 4
	logNotice = 5 // LOG_NOTICE, the -v default
	logInfo   = 6
	logDebug  = 7
	logVerb   = 8
	logVVerb  = 9
	logVVVerb = 10
	logPVerb  = 11 // LOG_PVERB, the -v maximum
)

// logMaxLen is LOG_MAX_LEN: a line is cut to logMaxLen-1 bytes and the
// newline.
const logMaxLen = 256

// slogLevel maps a nutcracker level to a slog level: LOG_NOTICE (5) is
// slog.LevelInfo, each nutcracker step is 4 slog steps, more verbose is
// lower. logAlways (loga) is above every level -v can set.
func slogLevel(l int) slog.Level { return slog.Level(4 * (logNotice - l)) }

// logAlways is loga's level: written at any -v.
const logAlways = logEmerg - 1

// logHandler is the slog.Handler of the log (struct logger): nutcracker's
// line format on w, lines at or below level.
type logHandler struct {
	mu    *sync.Mutex
	w     io.Writer
	level *slog.LevelVar
	attrs string // preformatted " k=v" of WithAttrs
	group string // WithGroup prefix, "g."
}

// newLogHandler returns a handler writing to w and enabled up to the
// nutcracker level in level.
func newLogHandler(w io.Writer, level *slog.LevelVar) *logHandler {
	return &logHandler{mu: new(sync.Mutex), w: w, level: level}
}

// Enabled is log_loggable.
func (h *logHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

// Handle writes one line (_log).
func (h *logHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	b.WriteString(t.Format("[2006-01-02 15:04:05.000] "))
	file, line := "?", 0
	if r.PC != 0 {
		f, _ := runtime.CallersFrames([]uintptr{r.PC}).Next()
		file, line = filepath.Base(f.File), f.Line
	}
	fmt.Fprintf(&b, "%s:%d ", file, line)
	b.WriteString(r.Message)
	b.WriteString(h.attrs)
	r.Attrs(func(a slog.Attr) bool {
		writeAttr(&b, h.group, a)
		return true
	})
	s := b.String()
	if len(s) > logMaxLen-1 {
		s = s[:logMaxLen-1]
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, s+"\n")
	return err
}

func writeAttr(b *strings.Builder, group string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Value.Kind() == slog.KindGroup {
		for _, g := range a.Value.Group() {
			writeAttr(b, group+a.Key+".", g)
		}
		return
	}
	fmt.Fprintf(b, " %s%s=%v", group, a.Key, a.Value.Any())
}

// WithAttrs returns a handler that appends attrs to every line.
func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	var b strings.Builder
	for _, a := range attrs {
		writeAttr(&b, h.group, a)
	}
	h2 := *h
	h2.attrs += b.String()
	return &h2
}

// WithGroup returns a handler that prefixes the keys of later attributes.
func (h *logHandler) WithGroup(name string) slog.Handler {
	h2 := *h
	h2.group += name + "."
	return &h2
}

// logOutput is the open log (the fd of struct logger): the handler, its
// level and the file, if not stderr.
type logOutput struct {
	logger *slog.Logger
	level  *slog.LevelVar
	file   *os.File // nil for stderr
	name   string   // the file's name, for log_reopen
	nlevel int      // the nutcracker level, for log_level_up/down
	swap   *swapWriter
	mu     *sync.Mutex // the handler's
}

// swapWriter is the log file the handler writes to, replaced by
// logReopen (SIGHUP) under the handler's lock.
type swapWriter struct{ f *os.File }

func (w *swapWriter) Write(p []byte) (int, error) { return w.f.Write(p) }

// logInit opens the log as log_init does: the nutcracker level clamped to
// logEmerg..logPVerb; name "" is stderr, else the file is opened for
// appending and created 0644. On failure it writes nutcracker's "opening
// log file '...' failed: ..." line to stderr and returns the error.
func logInit(level int, name string, stderr io.Writer) (*logOutput, error) {
	lv := new(slog.LevelVar)
	lv.Set(slogLevel(max(logEmerg, min(level, logPVerb))))
	out := &logOutput{level: lv, name: name, nlevel: max(logEmerg, min(level, logPVerb))}
	w := stderr
	if name != "" {
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			fmt.Fprintf(stderr, "opening log file '%s' failed: %s\n", name, strerror(err))
			return nil, err
		}
		out.file = f
		out.swap = &swapWriter{f}
		w = out.swap
	}
	h := newLogHandler(w, lv)
	out.mu = h.mu
	out.logger = slog.New(h)
	return out, nil
}

// logReopen is log_reopen (SIGHUP): the log file opened again, for log
// rotation; stderr stays.
func (o *logOutput) logReopen() {
	if o == nil || o.file == nil {
		return
	}
	f, err := os.OpenFile(o.name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		logError(o.logger, "reopening log file '%s' failed, ignored: %s", o.name, strerror(err))
		return
	}
	o.mu.Lock()
	old := o.file
	o.file, o.swap.f = f, f
	o.mu.Unlock()
	old.Close()
}

// logLevelUp and logLevelDown are log_level_up and log_level_down
// (SIGTTIN, SIGTTOU).
func (o *logOutput) logLevelUp() {
	if o != nil && o.nlevel < logPVerb {
		o.nlevel++
		o.level.Set(slogLevel(o.nlevel))
		loga(o.logger, "up log level to %d", o.nlevel)
	}
}

func (o *logOutput) logLevelDown() {
	if o != nil && o.nlevel > logEmerg {
		o.nlevel--
		o.level.Set(slogLevel(o.nlevel))
		loga(o.logger, "down log level to %d", o.nlevel)
	}
}

// logDeinit closes the log file (log_deinit).
func (o *logOutput) logDeinit() {
	if o != nil && o.file != nil {
		o.file.Close()
	}
}

// logf logs a formatted message at nutcracker level level, with the
// file:line of the caller of the log function that called logf.
func logf(l *slog.Logger, level int, format string, args ...any) {
	if l == nil {
		return
	}
	h := l.Handler()
	if !h.Enabled(context.Background(), slogLevel(level)) {
		return
	}
	var pcs [1]uintptr
	runtime.Callers(3, pcs[:]) // runtime.Callers, logf, logError & co.
	r := slog.NewRecord(time.Now(), slogLevel(level), fmt.Sprintf(format, args...), pcs[0])
	_ = h.Handle(context.Background(), r)
}

// logError is log_error (logged at LOG_ALERT, as nutcracker does).
func logError(l *slog.Logger, format string, args ...any) { logf(l, logAlert, format, args...) }

// logWarnf is log_warn.
func logWarnf(l *slog.Logger, format string, args ...any) { logf(l, logWarn, format, args...) }

// loga is loga: logged at any level.
func loga(l *slog.Logger, format string, args ...any) { logf(l, logAlways, format, args...) }

// strerror is the C library's text for err's errno ("No such file or
// directory"): Go's errno strings are glibc's with a lower-case first
// letter. Errors without an errno are given as Go has them.
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" && s[0] >= 'a' && s[0] <= 'z' {
			s = string(s[0]-'a'+'A') + s[1:]
		}
		return s
	}
	return err.Error()
}
