package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// truthOps is how many operations TestTruthUnderConcurrency runs: 50,000
// by default, 5,000 with -short, 1,000,000 with GOAE_LONG=1.
func truthOps() int {
	switch {
	case os.Getenv("GOAE_LONG") == "1":
		return 1_000_000
	case testing.Short():
		return 5_000
	}
	return 50_000
}

// privateKey is one key of the model: only its worker touches it, so the
// model knows every reply exactly.
type privateKey struct {
	val    string
	exists bool
	ttl    bool
}

// Input: 8 go-redis clients at once, each sending random pipelines of 1
// to 20 commands: SET/GET/INCR/DEL/EXPIRE/TTL on 20 private keys of its
// own, INCR on 4 shared counters, SET/GET/DEL on 4 shared registers.
// Expected: 0 mismatches: every reply on a private key is the model's
// (value, nil, integer, WRONGTYPE-free "not an integer" error, EXPIRE
// 1/0, TTL -1/-2/positive); the INCR replies of each shared counter are
// exactly 1..n, each once, and its final value n; every GET of a shared
// register returns nil or a value some client wrote to it. Then a fresh
// client is served.
func TestTruthUnderConcurrency(t *testing.T) {
	const workers, privateKeys, shared = 8, 20, 4
	total := truthOps()
	s := newTestServer(t)
	addr := startServer(t, s)
	ctx := context.Background()

	var (
		mismatches atomic.Int64
		opsDone    atomic.Int64
		mu         sync.Mutex
		incrSeen   [shared]map[int64]int
		written    [shared]map[string]bool
		regReads   [shared][]string
	)
	for i := range incrSeen {
		incrSeen[i], written[i] = map[int64]int{}, map[string]bool{}
	}
	fail := func(format string, a ...any) {
		if mismatches.Add(1) <= 10 {
			t.Errorf(format, a...)
		}
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdb := goRedis(t, addr, func(o *redis.Options) { o.PoolSize = 1; o.ReadTimeout = 30 * time.Second })
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			model := make([]privateKey, privateKeys)
			var myIncrs [shared][]int64
			var myWrites [shared][]string
			var myReads [shared][]string
			seq := 0
			for opsDone.Load() < int64(total) && mismatches.Load() == 0 {
				n := 1 + rng.IntN(20)
				opsDone.Add(int64(n))
				pipe := rdb.Pipeline()
				type check func(cmd redis.Cmder)
				cmds := make([]redis.Cmder, 0, n)
				checks := make([]check, 0, n)
				add := func(c redis.Cmder, f check) { cmds = append(cmds, c); checks = append(checks, f) }
				for i := 0; i < n; i++ {
					r := rng.IntN(100)
					switch {
					case r < 10: // shared counter
						k := rng.IntN(shared)
						add(pipe.Incr(ctx, fmt.Sprintf("truth:ctr:%d", k)), func(c redis.Cmder) {
							v, err := c.(*redis.IntCmd).Result()
							if err != nil {
								fail("INCR shared counter: %v", err)
							}
							myIncrs[k] = append(myIncrs[k], v)
						})
					case r < 20: // shared register
						k := rng.IntN(shared)
						key := fmt.Sprintf("truth:reg:%d", k)
						switch rng.IntN(3) {
						case 0:
							seq++
							v := fmt.Sprintf("w%d:%d", w, seq)
							myWrites[k] = append(myWrites[k], v)
							add(pipe.Set(ctx, key, v, 0), func(c redis.Cmder) {
								if err := c.Err(); err != nil {
									fail("SET shared register: %v", err)
								}
							})
						case 1:
							add(pipe.Get(ctx, key), func(c redis.Cmder) {
								v, err := c.(*redis.StringCmd).Result()
								if err == redis.Nil {
									return
								}
								if err != nil {
									fail("GET shared register: %v", err)
								}
								myReads[k] = append(myReads[k], v)
							})
						default:
							add(pipe.Del(ctx, key), func(c redis.Cmder) {
								if v, err := c.(*redis.IntCmd).Result(); err != nil || v > 1 {
									fail("DEL shared register: %v, %v", v, err)
								}
							})
						}
					default: // private key, checked against the model
						k := rng.IntN(privateKeys)
						key := fmt.Sprintf("truth:w%d:%d", w, k)
						m := &model[k]
						switch op := rng.IntN(6); op {
						case 0:
							v := strconv.Itoa(rng.IntN(1000))
							if rng.IntN(4) == 0 {
								v = "x" + v
							}
							*m = privateKey{val: v, exists: true}
							add(pipe.Set(ctx, key, v, 0), func(c redis.Cmder) {
								if err := c.Err(); err != nil {
									fail("SET %s: %v", key, err)
								}
							})
						case 1:
							want, exists := m.val, m.exists
							add(pipe.Get(ctx, key), func(c redis.Cmder) {
								v, err := c.(*redis.StringCmd).Result()
								if exists && (err != nil || v != want) || !exists && err != redis.Nil {
									fail("GET %s = %q, %v; model %q exists=%v", key, v, err, want, exists)
								}
							})
						case 2:
							cur, isInt := int64(0), true
							if m.exists {
								var err error
								cur, err = strconv.ParseInt(m.val, 10, 64)
								isInt = err == nil
							}
							if isInt {
								m.val, m.exists = strconv.FormatInt(cur+1, 10), true
							}
							add(pipe.Incr(ctx, key), func(c redis.Cmder) {
								v, err := c.(*redis.IntCmd).Result()
								if isInt && (err != nil || v != cur+1) {
									fail("INCR %s = %d, %v; model %d", key, v, err, cur+1)
								}
								if !isInt && (err == nil || err.Error() != "ERR value is not an integer or out of range") {
									fail("INCR %s of a non-integer: %d, %v", key, v, err)
								}
							})
						case 3:
							existed := m.exists
							*m = privateKey{}
							add(pipe.Del(ctx, key), func(c redis.Cmder) {
								if v, err := c.(*redis.IntCmd).Result(); err != nil || (v == 1) != existed {
									fail("DEL %s = %d, %v; model existed=%v", key, v, err, existed)
								}
							})
						case 4:
							existed := m.exists
							m.ttl = m.ttl || existed
							add(pipe.Expire(ctx, key, 1000*time.Second), func(c redis.Cmder) {
								if v, err := c.(*redis.BoolCmd).Result(); err != nil || v != existed {
									fail("EXPIRE %s = %v, %v; model existed=%v", key, v, err, existed)
								}
							})
						default:
							exists, ttl := m.exists, m.ttl
							add(pipe.TTL(ctx, key), func(c redis.Cmder) {
								d, err := c.(*redis.DurationCmd).Result()
								ok := err == nil && (!exists && d == -2 || exists && !ttl && d == -1 ||
									exists && ttl && d > 900*time.Second && d <= 1000*time.Second)
								if !ok {
									fail("TTL %s = %v, %v; model exists=%v ttl=%v", key, d, err, exists, ttl)
								}
							})
						}
					}
				}
				_, err := pipe.Exec(ctx)
				var rerr redis.Error
				if err != nil && err != redis.Nil && !errors.As(err, &rerr) {
					fail("pipeline: %v", err)
					return
				}
				for i, c := range cmds {
					checks[i](c)
				}
			}
			mu.Lock()
			for k := 0; k < shared; k++ {
				for _, v := range myIncrs[k] {
					incrSeen[k][v]++
				}
				for _, v := range myWrites[k] {
					written[k][v] = true
				}
				regReads[k] = append(regReads[k], myReads[k]...)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	rdb := goRedis(t, addr)
	for k := 0; k < shared; k++ {
		n := int64(len(incrSeen[k]))
		for v, times := range incrSeen[k] {
			if times != 1 || v < 1 || v > n {
				fail("shared counter %d: INCR reply %d seen %d times (of %d INCRs)", k, v, times, n)
			}
		}
		final, err := rdb.Get(ctx, fmt.Sprintf("truth:ctr:%d", k)).Int64()
		if n > 0 && (err != nil || final != n) {
			fail("shared counter %d = %d, %v; %d INCRs", k, final, err, n)
		}
		for _, v := range regReads[k] {
			if !written[k][v] {
				fail("shared register %d: GET returned %q, which nobody wrote", k, v)
			}
		}
	}
	t.Logf("%d operations by %d clients, %d mismatches", opsDone.Load(), workers, mismatches.Load())
	if !strings.HasPrefix(rdb.Ping(ctx).Val(), "PONG") {
		t.Fatal("fresh client not served")
	}
}
