package main

import (
	"math"
	"sync/atomic"
)

// The server clock, as memcached keeps it (memcached.c): current_time is a
// rel_time_t, the seconds since process_started, refreshed once a second by
// clock_handler; items store their times (last access, exptime) in it.
// process_started is set ITEM_UPDATE_INTERVAL+2 seconds in the past so that
// current_time starts above the bump interval and "now - 60" never wraps.

// relTime is memcached's rel_time_t: seconds since processStarted.
type relTime = uint32

const (
	// itemUpdateInterval is ITEM_UPDATE_INTERVAL: an item's last-access
	// time is refreshed at most this often (do_item_update).
	itemUpdateInterval = 60

	// realtimeMaxDelta is REALTIME_MAXDELTA: an exptime up to 30 days is
	// relative to now, a larger one is an absolute unix time.
	realtimeMaxDelta = 60 * 60 * 24 * 30
)

// clock holds current_time and process_started. current is read by every
// worker on every request and written by the one goroutine that ticks it,
// so it is an atomic; processStarted is fixed at start (tests may set it
// before any worker runs).
type clock struct {
	current        atomic.Uint32
	processStarted int64 // unix seconds
}

// start sets process_started from the unix time now, as memcached's main
// does: process_started = time(0) - ITEM_UPDATE_INTERVAL - 2.
func (c *clock) start(now int64) {
	c.processStarted = now - itemUpdateInterval - 2
	c.tick(now)
}

// tick is clock_handler's update: current_time = now - process_started.
func (c *clock) tick(now int64) {
	d := now - c.processStarted
	if d < 0 {
		d = 0
	}
	if d > math.MaxUint32 {
		d = math.MaxUint32
	}
	c.current.Store(uint32(d))
}

// now is current_time.
func (c *clock) now() relTime { return c.current.Load() }

// set puts current_time at rel (tests).
func (c *clock) set(rel relTime) { c.current.Store(rel) }

// realtime converts a client's exptime to a rel_time_t (memcached.c
// realtime): 0 stays 0 (never expires); a negative exptime, or an absolute
// time at or before the server's start, gives 1, which is already past;
// up to 30 days is relative to now; beyond, an absolute unix time.
func (c *clock) realtime(exptime int64) relTime {
	if exptime == 0 {
		return 0
	}
	if exptime < 0 {
		return 1
	}
	var r int64
	if exptime > realtimeMaxDelta {
		if exptime <= c.processStarted {
			return 1
		}
		r = exptime - c.processStarted
	} else {
		r = exptime + int64(c.now())
	}
	if r > math.MaxUint32 {
		r = math.MaxUint32
	}
	return relTime(r)
}
