// Command conns opens many idle client connections to a Redis-protocol
// server, for bench/conns.sh: each connection sends one PING and reads the
// +PONG, then stays open and silent (with --proto memcache, for
// bench/memcache.sh: one "version" and its VERSION line). Once every connection is up it prints
// "ready N" on stdout and holds them until stdin is closed or it is
// signalled, then closes them and exits.
//
//	go run ./bench/conns --addr 127.0.0.1:6379 --n 10000 <fifo
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/goae/goae/internal/rlimit"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "server address")
	n := flag.Int("n", 10000, "connections")
	par := flag.Int("parallel", 64, "connections opened at once (keep under the server's listen backlog)")
	timeout := flag.Duration("timeout", 60*time.Second, "give up if the connections are not all up by then")
	proto := flag.String("proto", "redis", "redis (PING, +PONG) or memcache (version, VERSION ...)")
	flag.Parse()
	req, prefix := "*1\r\n$4\r\nPING\r\n", "+PONG\r\n"
	switch *proto {
	case "redis":
	case "memcache":
		req, prefix = "version\r\n", "VERSION "
	default:
		log.Fatalf("unknown --proto %q", *proto)
	}

	// Raise the soft fd limit to the hard one.
	if cur, hard, err := rlimit.NoFile(); err == nil && cur < hard {
		rlimit.SetNoFile(hard, hard)
	}

	conns := make([]net.Conn, *n)
	var next, failed atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(*timeout)
	var wg sync.WaitGroup
	for w := 0; w < *par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, len(prefix))
			for {
				i := int(next.Add(1)) - 1
				if i >= *n {
					return
				}
				c, err := net.DialTimeout("tcp", *addr, time.Until(deadline))
				if err == nil {
					c.SetDeadline(deadline)
					if _, err = io.WriteString(c, req); err == nil {
						_, err = io.ReadFull(c, buf)
					}
					if err == nil && string(buf) != prefix {
						err = fmt.Errorf("reply %q", buf)
					}
					if err == nil && *proto == "memcache" {
						// The rest of the VERSION line.
						_, err = bufio.NewReaderSize(c, 16).ReadString('\n')
					}
					c.SetDeadline(time.Time{})
				}
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					if c != nil {
						c.Close()
					}
					continue
				}
				conns[i] = c
			}
		}()
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		log.Fatalf("%d of %d connections failed; first: %v", f, *n, firstErr.Load())
	}
	fmt.Printf("ready %d\n", *n)

	done := make(chan struct{})
	go func() {
		io.Copy(io.Discard, bufio.NewReader(os.Stdin))
		close(done)
	}()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-done:
	case <-sigs:
	}
	for _, c := range conns {
		c.Close()
	}
}
