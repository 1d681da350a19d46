package main

// Events: sentinel.c's sentinelEvent, which logs a line and publishes it
// on the sentinel's own pub/sub, on the channel named after the event.

import (
	"fmt"
	"strconv"
	"strings"
)

// Log levels (LL_*), in Redis's order.
const (
	llDebug = iota
	llVerbose
	llNotice
	llWarning
)

// sentinelEvent is sentinel.c's: format begins with "%@" to prefix the
// instance ("TYPE NAME IP PORT", and " @ MASTER IP PORT" for replicas and
// sentinels); the rest is fmt.Sprintf's. The line is logged at level and,
// unless it is a debug event, published on channel typ. Warning events
// of an instance would run the master's notification script; scripts are
// not run by this port yet.
func (s *sentinelState) sentinelEvent(level int, typ string, ri *sentinelRedisInstance, format string, args ...any) {
	var msg strings.Builder
	if strings.HasPrefix(format, "%@") {
		s.appendInstanceDesc(&msg, ri)
		format = format[2:]
	}
	if format != "" {
		fmt.Fprintf(&msg, format, args...)
	}
	line := msg.String()
	s.log(level, typ+" "+line)
	if level != llDebug {
		s.pubsubPublishMessage(typ, line)
	}
	s.sentinelNotificationScript(level, typ, ri, line)
}

// appendInstanceDesc writes the "%@" part of an event.
func (s *sentinelState) appendInstanceDesc(b *strings.Builder, ri *sentinelRedisInstance) {
	b.WriteString(sentinelRedisInstanceTypeStr(ri))
	b.WriteByte(' ')
	b.WriteString(ri.name)
	b.WriteByte(' ')
	b.WriteString(s.cfg.announceSentinelAddr(ri.addr))
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(ri.addr.port))
	if m := ri.master; ri.flags&sriMaster == 0 && m != nil {
		b.WriteString(" @ ")
		b.WriteString(m.name)
		b.WriteByte(' ')
		b.WriteString(s.cfg.announceSentinelAddr(m.addr))
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(m.addr.port))
	}
}
