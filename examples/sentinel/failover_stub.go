package main

// The places where the failover code (failover.go, still to come) plugs
// into the timer and the INFO processing. Until it lands this sentinel
// monitors, votes and follows the failovers other sentinels carry out, but
// starts none itself: delete this file when failover.go arrives.

// sentinelStartFailoverIfNeeded is sentinel.c's; it never starts one yet.
func (s *sentinelState) sentinelStartFailoverIfNeeded(master *sentinelRedisInstance) bool {
	return false
}

// sentinelFailoverStateMachine is sentinel.c's; no failover runs yet.
func (s *sentinelState) sentinelFailoverStateMachine(master *sentinelRedisInstance) {}

// sentinelFailoverSwitchToPromotedSlave is sentinel.c's; unreachable
// until failovers run.
func (s *sentinelState) sentinelFailoverSwitchToPromotedSlave(master *sentinelRedisInstance) {}

// sentinelRefreshInstanceRole is the acting half of
// sentinelRefreshInstanceInfo (promotion seen, +convert-to-slave,
// +fix-slave-config, the reconfiguration steps), which needs
// sentinelSendSlaveOf from the failover code.
func (s *sentinelState) sentinelRefreshInstanceRole(ri *sentinelRedisInstance, role int) {}

// sentinelFailover is SENTINEL FAILOVER's action: it reports whether a
// failover was started; without the failover code it refuses with the
// error it returns.
func (s *sentinelState) sentinelFailover(master *sentinelRedisInstance) string {
	return "-ERR Failover not supported by this sentinel yet"
}
