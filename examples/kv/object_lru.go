package main

// The error texts of OBJECT IDLETIME and OBJECT FREQ under a policy that
// does not keep what they ask (object.c).
const (
	errIdletimeUnderLFU = "An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errFreqWithoutLFU   = "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
)

// objectCommandLookup is object.c's objectCommandLookup: the key, without
// touching its access time or frequency and without a keymiss event
// (LOOKUP_NOTOUCH|LOOKUP_NONOTIFY); hits and misses are counted. A
// missing key gets a null reply and nil.
func (s *server) objectCommandLookup(c *client, key []byte) *robj {
	o := s.lookupNoTouch(key)
	if o == nil {
		s.stats.keyspaceMisses++
		c.AddReplyNull()
		return nil
	}
	s.stats.keyspaceHits++
	return o
}

// objectIdletimeCommand is OBJECT IDLETIME key: seconds since the last
// access, by the LRU clock; an error under an LFU policy.
func objectIdletimeCommand(s *server, c *client) {
	o := s.objectCommandLookup(c, c.Argv[2])
	if o == nil {
		return
	}
	if s.cfg.maxmemoryPolicy.isLFU() {
		c.AddReplyError(errIdletimeUnderLFU)
		return
	}
	c.AddReplyInt(s.estimateObjectIdleTime(o) / 1000)
}

// objectFreqCommand is OBJECT FREQ key: the logarithmic access counter,
// decayed to now (the stored one changes only on access); an error unless
// the policy is an LFU one.
func objectFreqCommand(s *server, c *client) {
	o := s.objectCommandLookup(c, c.Argv[2])
	if o == nil {
		return
	}
	if !s.cfg.maxmemoryPolicy.isLFU() {
		c.AddReplyError(errFreqWithoutLFU)
		return
	}
	c.AddReplyInt(int64(s.lfuDecrAndReturn(o)))
}
