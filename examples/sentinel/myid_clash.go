package main

// Two sentinels sharing a myid (redis#4652), found and reported: better
// than Redis 7.0, which never says. A sentinel config file copied with
// its "sentinel myid" line makes two sentinels one identity: each drops
// the other's hellos as its own (they contain its myid), so neither ever
// counts the other, and every other sentinel sees one runid at two
// addresses and flaps between them with +sentinel-address-switch for
// ever. Nothing on the wire changes here: the report is a warning in the
// log, at most one per minute per pair of addresses.

import (
	"strconv"
	"strings"
)

// myidClashState is what the two detections keep: the addresses our own
// hellos announced (normally one), and per runid the last address switch
// seen, to tell a flap (A to B, then back to A) from a sentinel that moved.
type myidClashState struct {
	announced map[string]struct{}
	switches  map[string]addrSwitch
	warned    map[string]int64 // pair of addresses -> when last reported
}

type addrSwitch struct {
	from, to string
	at       int64
}

// myidClashWindow is how soon a switch back counts as a flap, and how
// often one pair is reported.
const myidClashWindow = 60_000

// noteAnnounced records the address a hello of ours is about to carry.
func (s *sentinelState) noteAnnounced(ip string, port int) {
	c := &s.myidClash
	if c.announced == nil {
		c.announced = map[string]struct{}{}
	}
	if len(c.announced) < 64 { // a few local addresses at most; bounded anyway
		c.announced[ip+":"+strconv.Itoa(port)] = struct{}{}
	}
}

// checkOwnMyidHello takes a hello that contains our myid, which Redis
// (and this sentinel) drop as our own. If its myid field is ours but its
// address is none we announced, another sentinel carries our myid.
func (s *sentinelState) checkOwnMyidHello(hello string) {
	token := strings.Split(hello, ",")
	if len(token) != 8 || token[2] != s.cfg.myid {
		return
	}
	addr := token[0] + ":" + token[1]
	if _, ours := s.myidClash.announced[addr]; ours {
		return
	}
	if !s.myidClashReport(addr, "") {
		return
	}
	s.log(llWarning, "WARNING: the sentinel at "+addr+" has this sentinel's myid "+s.cfg.myid+
		" (a copied config file?): the two never count each other and other sentinels flap between them"+
		" (redis#4652). Stop one, delete its 'sentinel myid' line, start it again.")
}

// noteAddressSwitch is called on +sentinel-address-switch: runid moved
// from one address to another. A move straight back within the window is
// two sentinels with one myid.
func (s *sentinelState) noteAddressSwitch(runid, from, to string) {
	c := &s.myidClash
	if c.switches == nil {
		c.switches = map[string]addrSwitch{}
	}
	now := s.mstime()
	last, seen := c.switches[runid]
	if len(c.switches) < 1024 || seen {
		c.switches[runid] = addrSwitch{from: from, to: to, at: now}
	}
	if !seen || last.from != to || last.to != from || now-last.at > myidClashWindow {
		return
	}
	if !s.myidClashReport(from, to) {
		return
	}
	s.log(llWarning, "WARNING: the sentinels at "+from+" and "+to+" share the myid "+runid+
		" (a copied config file?): they flap here with +sentinel-address-switch (redis#4652)."+
		" Stop one, delete its 'sentinel myid' line, start it again.")
}

// myidClashReport says whether a pair is due a report, and notes it.
func (s *sentinelState) myidClashReport(a, b string) bool {
	c := &s.myidClash
	if b < a {
		a, b = b, a
	}
	key := a + " " + b
	now := s.mstime()
	if at, ok := c.warned[key]; ok && now-at < myidClashWindow {
		return false
	}
	if c.warned == nil {
		c.warned = map[string]int64{}
	}
	if len(c.warned) >= 1024 {
		clear(c.warned)
	}
	c.warned[key] = now
	return true
}
