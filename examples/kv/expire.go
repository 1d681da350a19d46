package main

import (
	"math/rand/v2"
	"time"
)

// Active expiry, as Redis 7.0's expire.c: a slow cycle from serverCron
// and a fast one from beforeSleep sample the keys with a TTL through a
// cursor and delete the expired ones, repeating while more than an
// acceptable share of a sample was stale.
//
// The cursor. Redis walks db->expires with dictScan, so that over
// successive cycles every key is visited. A Go map has no cursor, so the
// keys with a TTL live in a dense slice (db.expires), each key's index in
// it kept in db.expirePos by slot (4 bytes a key in a side slice rather
// than a field that would move an embstr from the 96- to the 112-byte size
// class), and removal is by swap with the last. The cursor walks
// downward, from the end to 0, and then starts again at the end:
//   - [cursor, len) is the part visited in this round, [0, cursor) the
//     part still to visit;
//   - a swap-remove moves only the last element, which is in the visited
//     part (or, right after a round restarts with nothing visited, in the
//     unvisited part, to a lower index of it): an element may be visited
//     twice in a round, never skipped;
//   - a key given a TTL lands in the visited part and waits for the next
//     round.
// So every key that has a TTL for a whole round is visited in it, which is
// what dictScan guarantees. Each entry also holds the expire time, so that
// sampling reads the slice alone and touches an object only to delete it.
//
// A plain append would order the slice by when keys got their TTL, and
// with the common pattern of one fixed TTL that is the order in which they
// expire: the cursor would sample the newest keys, find none stale, stop
// after one sample a cycle and leave the older, expired ones for a whole
// round. Redis's hash order has no such correlation. So a new entry is
// swapped with a random one of the visited part (itself included), which
// keeps the guarantee above and breaks the ordering.
//
// The databases are walked as expire.c walks them: CRON_DBS_PER_CALL (16,
// at most the number of databases; all of them after a cycle that hit its
// time limit) a call, from the one after where the last call stopped, the
// time limit and the 16-iteration clock check counting across them.
//
// Differences from expire.c that kv's shape makes: a dense slice
// has no empty buckets, so the "less than 1% of slots filled" early exit
// and the max_buckets bound on a sample have nothing to act on and each
// sample is exactly min(keys with a TTL, keys per loop) keys.

// expireEntry is one key with a TTL: its object and o.expire.
type expireEntry struct {
	o    *robj
	when int64 // unix ms, == o.expire
}

// expire.c's tuning (ACTIVE_EXPIRE_CYCLE_*), at active-expire-effort 1.
const (
	activeExpireCycleKeysPerLoop     = 20   // keys for each db loop
	activeExpireCycleFastDuration    = 1000 // microseconds
	activeExpireCycleSlowTimePerc    = 25   // max % of CPU to use
	activeExpireCycleAcceptableStale = 10   // % of stale keys after which we do extra efforts
)

// The two kinds of cycle (ACTIVE_EXPIRE_CYCLE_SLOW, _FAST).
const (
	activeExpireCycleSlow = iota
	activeExpireCycleFast
)

// expireCycleState is what activeExpireCycle keeps from one call to the
// next (its static variables in expire.c).
type expireCycleState struct {
	timelimitExit bool  // the previous cycle stopped at its time limit
	lastFastCycle int64 // when the last fast cycle started, monotonic us
	currentDB     int   // the next database to visit (current_db)
}

// expireTuning is expire.c's parameters scaled by active-expire-effort
// (1..10), as activeExpireCycle computes them.
type expireTuning struct {
	keysPerLoop     int
	fastDuration    int64 // us
	slowTimePerc    int64
	acceptableStale int64 // %
}

func activeExpireTuning(effort int) expireTuning {
	e := effort - 1 // rescaled to 0..9
	return expireTuning{
		keysPerLoop:     activeExpireCycleKeysPerLoop + activeExpireCycleKeysPerLoop/4*e,
		fastDuration:    activeExpireCycleFastDuration + activeExpireCycleFastDuration/4*int64(e),
		slowTimePerc:    activeExpireCycleSlowTimePerc + 2*int64(e),
		acceptableStale: activeExpireCycleAcceptableStale - int64(e),
	}
}

// activeExpireCycle deletes expired keys by sampling those with a TTL
// (activeExpireCycle). The slow cycle, from serverCron, may use
// slowTimePerc percent of the cron period; the fast one, from beforeSleep,
// fastDuration microseconds, and runs only when the previous cycle stopped
// at its time limit, and not again within twice its duration of the last
// one's start. Either repeats its sample while more than acceptableStale
// percent of the keys sampled had expired, checking the time every 16
// samples.
func (s *server) activeExpireCycle(typ int) {
	if s.checkClientPauseTimeout() {
		return // the dataset stays as it is while clients are paused
	}
	tn := activeExpireTuning(s.cfg.activeExpireEffort)
	st := &s.expireCycle

	if typ == activeExpireCycleFast {
		// expire.c compares the stale estimate, a fraction (0 to 1), with
		// a percentage (1 to 10): the estimate is never "too high" by this
		// test, and the fast cycle in fact runs only after a cycle that hit
		// its time limit. Kept as Redis 7.0 has it. Tested before reading
		// the clock, which Redis reads first: the same decision, without a
		// clock read in every beforeSleep.
		if !st.timelimitExit && s.stats.expiredStalePerc < float64(tn.acceptableStale) {
			return
		}
	}
	start := monotonicMicros()
	if typ == activeExpireCycleFast {
		if start < st.lastFastCycle+tn.fastDuration*2 {
			return
		}
		st.lastFastCycle = start
	}

	// Databases to visit: CRON_DBS_PER_CALL, all of them if the last
	// cycle ran out of time (there is work left somewhere).
	dbsPerCall := cronDBsPerCall
	if dbsPerCall > len(s.dbs) || st.timelimitExit {
		dbsPerCall = len(s.dbs)
	}

	// The most this call may take, in microseconds.
	timelimit := tn.slowTimePerc * 1000000 / int64(s.cfg.hz) / 100
	st.timelimitExit = false
	if timelimit <= 0 {
		timelimit = 1
	}
	if typ == activeExpireCycleFast {
		timelimit = tn.fastDuration
	}

	var totalSampled, totalExpired int64
	iteration := 0
	for j := 0; j < dbsPerCall && !st.timelimitExit; j++ {
		d := s.dbs[st.currentDB%len(s.dbs)]
		// Moved on first, so that running out of time here starts the
		// next call at the next database.
		st.currentDB++
		for {
			iteration++
			num := len(d.expires)
			if num == 0 {
				d.avgTTL = 0
				break
			}
			now := time.Now().UnixMilli()
			num = min(num, tn.keysPerLoop)
			var sampled, expired, ttlSum, ttlSamples int64
			// Each step removes at most the key it visits, so fewer than
			// num steps leave at least one key behind: the slice is never
			// empty here.
			for sampled < int64(num) {
				e := d.expires[d.expiresNext()]
				ttl := e.when - now
				if now > e.when { // activeExpireCycleTryExpire
					s.deleteExpired(d, e.o)
					expired++
				}
				if ttl > 0 {
					// The average TTL of the keys not yet expired.
					ttlSum += ttl
					ttlSamples++
				}
				sampled++
			}
			totalExpired += expired
			totalSampled += sampled
			if ttlSamples > 0 {
				d.avgTTL = runningAvgTTL(d.avgTTL, ttlSum/ttlSamples)
			}
			if iteration&0xf == 0 { // check the time once every 16 iterations
				if monotonicMicros()-start > timelimit {
					st.timelimitExit = true
					s.stats.expiredTimeCapReachedCount++
					break
				}
			}
			// Stop at an acceptable share of stale keys (sampled is > 0:
			// the slice was not empty).
			if expired*100/sampled <= tn.acceptableStale {
				break
			}
		}
	}

	s.stats.expireCycleTimeUsed += monotonicMicros() - start

	// The running estimate of the share of keys with a TTL that are
	// logically expired but still present, this sample weighing 5%.
	var perc float64
	if totalSampled > 0 {
		perc = float64(totalExpired) / float64(totalSampled)
	}
	s.stats.expiredStalePerc = perc*0.05 + s.stats.expiredStalePerc*0.95
}

// runningAvgTTL folds a sample's average TTL into db->avg_ttl with weight
// 2%, in integers as Redis does; the first sample starts it.
func runningAvgTTL(avg, sample int64) int64 {
	if avg == 0 {
		avg = sample
	}
	return (avg/50)*49 + sample/50
}

// expiresNext moves the cursor to the next entry to sample and returns
// its index: one lower, or the last entry once a round has ended at 0.
// expires must not be empty.
func (d *db) expiresNext() int {
	if d.expiresCursor == 0 {
		d.expiresCursor = len(d.expires) // a new round
	}
	d.expiresCursor--
	return d.expiresCursor
}

// linkExpire files o, whose TTL becomes when, in expires: appended, then
// swapped with a random entry of the part the cursor has visited in this
// round (see the top of this file).
func (d *db) linkExpire(o *robj, when int64) {
	i := len(d.expires)
	d.expires = append(d.expires, expireEntry{o: o, when: when})
	d.expirePos[o.slot] = int32(i)
	if n := i + 1 - d.expiresCursor; n > 1 {
		j := d.expiresCursor + rand.IntN(n)
		if j != i {
			other := d.expires[j]
			d.expires[j], d.expires[i] = d.expires[i], other
			d.expirePos[o.slot], d.expirePos[other.o.slot] = int32(j), int32(i)
		}
	}
}

// unlinkExpire takes o out of expires, moving the last entry into its
// place.
func (d *db) unlinkExpire(o *robj) {
	i := d.expirePos[o.slot]
	last := len(d.expires) - 1
	if int(i) != last {
		moved := d.expires[last]
		d.expires[i] = moved
		d.expirePos[moved.o.slot] = i
	}
	d.expires[last] = expireEntry{} // let the object go
	d.expires = d.expires[:last]
	if d.expiresCursor > last {
		d.expiresCursor = last
	}
}

// shrinkExpires gives back the memory of expires once less than a tenth
// of it is used, as Redis resizes a dict under HASHTABLE_MIN_FILL
// (tryResizeHashTables, from databasesCron); the order, and so the cursor,
// is kept.
func (d *db) shrinkExpires() {
	const minCap = 1024
	if n := len(d.expires); cap(d.expires) > minCap && n*10 < cap(d.expires) {
		d.expires = append(make([]expireEntry, 0, max(2*n, minCap)), d.expires...)
	}
}
