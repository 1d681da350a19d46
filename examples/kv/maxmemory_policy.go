package main

// maxmemoryPolicy is maxmemory-policy (server.h's MAXMEMORY_* values, in
// config.c's maxmemory_policy_enum order).
type maxmemoryPolicy int

const (
	policyVolatileLRU maxmemoryPolicy = iota
	policyVolatileLFU
	policyVolatileRandom
	policyVolatileTTL
	policyAllkeysLRU
	policyAllkeysLFU
	policyAllkeysRandom
	policyNoEviction
	numMaxmemoryPolicies
)

var maxmemoryPolicyNames = [numMaxmemoryPolicies]string{
	"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
	"allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction",
}

// String is the policy's name as CONFIG GET replies it.
func (p maxmemoryPolicy) String() string { return maxmemoryPolicyNames[p] }
