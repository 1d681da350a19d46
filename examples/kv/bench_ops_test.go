package main

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// BenchmarkTypeOps runs the heavy commands of issue 15 against kv and a
// redis-server 7.0 in one run, one request and its reply at a time over a
// connection of each: SINTER, SINTERCARD and SUNIONSTORE of two
// 10,000-member sets (half shared), ZUNIONSTORE and ZINTERSTORE of two
// 10,000-member sorted sets, SETBIT at spread offsets and BITCOUNT of a
// 1 MB string. Compare kv's ns/op with redis's on the same line pair:
//
//	go test -run '^$' -bench TypeOps ./examples/kv
func BenchmarkTypeOps(b *testing.B) {
	servers := []struct{ name, addr string }{
		{"kv", startServer(b, newTestServer(b))},
		{"redis", fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(b))},
	}
	ops := []struct {
		name string
		cmd  func(i int) []string
	}{
		{"SINTER", func(int) []string { return []string{"SINTER", "s1", "s2"} }},
		{"SINTERCARD", func(int) []string { return []string{"SINTERCARD", "2", "s1", "s2"} }},
		{"SUNIONSTORE", func(int) []string { return []string{"SUNIONSTORE", "sd", "s1", "s2"} }},
		{"ZUNIONSTORE", func(int) []string { return []string{"ZUNIONSTORE", "zd", "2", "z1", "z2"} }},
		{"ZINTERSTORE", func(int) []string { return []string{"ZINTERSTORE", "zd", "2", "z1", "z2", "AGGREGATE", "MAX"} }},
		{"SETBIT", func(i int) []string { return []string{"SETBIT", "bits", strconv.Itoa(i * 7919 % (8 << 20)), "1"} }},
		{"BITCOUNT", func(int) []string { return []string{"BITCOUNT", "bits"} }},
	}
	for _, srv := range servers {
		c := dialRaw(b, srv.addr)
		for _, key := range []string{"s1", "s2", "z1", "z2"} {
			var batch []byte
			n := 0
			for m := 0; m < 10000; m++ {
				member := "member:" + strconv.Itoa(m+map[string]int{"s1": 0, "s2": 5000, "z1": 0, "z2": 5000}[key])
				if key[0] == 's' {
					batch = resp.AppendCommand(batch, "SADD", key, member)
				} else {
					batch = resp.AppendCommand(batch, "ZADD", key, strconv.Itoa(m), member)
				}
				n++
			}
			c.send(string(batch))
			for ; n > 0; n-- {
				c.reply()
			}
		}
		c.do("SETRANGE", "bits", strconv.Itoa(1<<20-1), "x")
	}
	for _, op := range ops {
		for _, srv := range servers {
			c := dialRaw(b, srv.addr)
			b.Run(op.name+"/"+srv.name, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if r := c.do(op.cmd(i)...); r[0] == '-' {
						b.Fatalf("%s: %q", op.name, r)
					}
				}
			})
		}
	}
}
