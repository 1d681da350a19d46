package main

import "math/rand/v2"

// The LRU clock and the LFU counter of evict.c and object.c. Every object
// has Redis's 24-bit lru field (robj.lru). Under an LRU (or random, TTL,
// noeviction) policy it holds the LRU clock of the last access: seconds,
// modulo 2^24. Under an LFU policy Redis splits the same 24 bits:
//
//	    16 bits      8 bits
//	+----------------+--------+
//	| Last decr time | LOG_C  |
//	+----------------+--------+
//
// the time in minutes (modulo 2^16) the counter was last decremented, and
// a logarithmic access counter that starts at lfuInitVal, grows with
// probability 1/((counter-lfuInitVal)*lfu-log-factor+1) per access and
// loses one per lfu-decay-time minutes without access.
const (
	lruBits            = 24
	lruClockMax        = 1<<lruBits - 1 // LRU_CLOCK_MAX
	lruClockResolution = 1000           // LRU_CLOCK_RESOLUTION, ms
	lfuInitVal         = 5              // LFU_INIT_VAL
)

// isLFU reports whether the policy keeps frequencies (MAXMEMORY_FLAG_LFU).
func (p maxmemoryPolicy) isLFU() bool {
	return p == policyVolatileLFU || p == policyAllkeysLFU
}

// isLRU reports whether the policy ranks by idle time (MAXMEMORY_FLAG_LRU).
func (p maxmemoryPolicy) isLRU() bool {
	return p == policyVolatileLRU || p == policyAllkeysLRU
}

// isAllkeys reports whether the policy evicts among all keys rather than
// those with a TTL (MAXMEMORY_FLAG_ALLKEYS).
func (p maxmemoryPolicy) isAllkeys() bool {
	return p == policyAllkeysLRU || p == policyAllkeysLFU || p == policyAllkeysRandom
}

// getLRU and setLRU read and write the 24-bit field.
func (o *robj) getLRU() uint32 {
	return uint32(o.lru[0]) | uint32(o.lru[1])<<8 | uint32(o.lru[2])<<16
}

func (o *robj) setLRU(v uint32) {
	o.lru[0], o.lru[1], o.lru[2] = byte(v), byte(v>>8), byte(v>>16)
}

// lruClockAt is getLRUClock for a time in unix ms.
func lruClockAt(ms int64) uint32 {
	return uint32(ms/lruClockResolution) & lruClockMax
}

// lruClock is LRU_CLOCK: the clock serverCron caches (hz is at least 1,
// so 1000/hz never exceeds the resolution and Redis always uses the cached
// value). Zero before the first cron, as in tests that build a server
// without starting it: then it is computed from the cached time.
func (s *server) lruClock() uint32 {
	if s.lruclock == 0 {
		return lruClockAt(s.mstime)
	}
	return s.lruclock
}

// estimateObjectIdleTime is the least time in ms since o was accessed, by
// the LRU clock, which wraps every 194 days.
func (s *server) estimateObjectIdleTime(o *robj) int64 {
	now, lru := int64(s.lruClock()), int64(o.getLRU())
	if now >= lru {
		return (now - lru) * lruClockResolution
	}
	return (now + (lruClockMax - lru)) * lruClockResolution
}

// lfuTimeInMinutes is LFUGetTimeInMinutes: unix minutes modulo 2^16.
func (s *server) lfuTimeInMinutes() uint32 {
	return uint32(s.mstime/1000/60) & 65535
}

// lfuTimeElapsed is LFUTimeElapsed: minutes since ldt, wrapping once.
func (s *server) lfuTimeElapsed(ldt uint32) uint32 {
	now := s.lfuTimeInMinutes()
	if now >= ldt {
		return now - ldt
	}
	return 65535 - ldt + now
}

// lfuLogIncrP is the probability that LFULogIncr increments counter.
func lfuLogIncrP(counter uint8, logFactor int) float64 {
	baseval := float64(counter) - lfuInitVal
	if baseval < 0 {
		baseval = 0
	}
	return 1.0 / (baseval*float64(logFactor) + 1)
}

// lfuLogIncr is LFULogIncr: a logarithmic increment of counter, r being a
// uniform draw in [0, 1) (rand()/RAND_MAX); saturates at 255.
func lfuLogIncr(counter uint8, logFactor int, r float64) uint8 {
	if counter == 255 {
		return 255
	}
	if r < lfuLogIncrP(counter, logFactor) {
		counter++
	}
	return counter
}

// lfuDecrAndReturn is LFUDecrAndReturn: o's counter less one per
// lfu-decay-time minutes since its last decrement time, without storing
// it (the stored fields change on access only).
func (s *server) lfuDecrAndReturn(o *robj) uint32 {
	lru := o.getLRU()
	ldt, counter := lru>>8, lru&255
	var periods uint32
	if s.cfg.lfuDecayTime > 0 {
		periods = s.lfuTimeElapsed(ldt) / uint32(s.cfg.lfuDecayTime)
	}
	if periods > 0 {
		if periods > counter {
			counter = 0
		} else {
			counter -= periods
		}
	}
	return counter
}

// updateLFU is updateLFU: decay, then a logarithmic increment, stamped
// with the current minute.
func (s *server) updateLFU(o *robj) {
	counter := s.lfuDecrAndReturn(o)
	c := lfuLogIncr(uint8(counter), int(s.cfg.lfuLogFactor), rand.Float64())
	o.setLRU(s.lfuTimeInMinutes()<<8 | uint32(c))
}

// touch is lookupKey's update of an accessed object: its frequency under
// an LFU policy, else its access time.
func (s *server) touch(o *robj) {
	if s.cfg.maxmemoryPolicy.isLFU() {
		s.updateLFU(o)
		return
	}
	o.setLRU(s.lruClock())
}

// initLRU is createObject's lru: LFU_INIT_VAL at this minute, or now.
func (s *server) initLRU(o *robj) {
	if s.cfg.maxmemoryPolicy.isLFU() {
		o.setLRU(s.lfuTimeInMinutes()<<8 | lfuInitVal)
		return
	}
	o.setLRU(s.lruClock())
}

// objectSetLRUOrLFU is object.c's objectSetLRUOrLFU as RESTORE calls it
// (lru_clock LRU_CLOCK(), lru_multiplier 1000): under an LFU policy it
// sets the counter to lfuFreq (0 to 255) when that is not negative; under
// another it sets the access time to lruIdle seconds ago when that is not
// negative. It reports whether it set anything.
func objectSetLRUOrLFU(s *server, o *robj, lfuFreq, lruIdle int64) bool {
	if s.cfg.maxmemoryPolicy.isLFU() {
		if lfuFreq >= 0 {
			o.setLRU(s.lfuTimeInMinutes()<<8 | uint32(min(lfuFreq, 255)))
			return true
		}
		return false
	}
	if lruIdle < 0 {
		return false
	}
	clock := int64(s.lruClock())
	lruIdle = lruIdle * 1000 / lruClockResolution
	abs := clock - lruIdle
	if abs < 0 {
		// The clock wraps: the best that can be done is an access
		// half-way in the future, which reads as a long idle time.
		abs = (clock + lruClockMax/2) % lruClockMax
	}
	o.setLRU(uint32(abs))
	return true
}
