// Command msgs drives a Redis-protocol server with the message-passing
// workloads of bench/kvmsg.sh and prints one line of results:
//
//	publish: S subscribers SUBSCRIBE to one channel, one publisher sends
//	M PUBLISH commands in pipelined batches of --batch, each subscriber
//	reads all M messages; "delivered" is M*S.
//	blpop:   a ping-pong on one list: a consumer waits in BLPOP q 0, a
//	producer LPUSHes one element, the consumer gets it and blocks again,
//	and only then does the producer push the next; M rounds.
//
//	go run ./bench/msgs --addr 127.0.0.1:6379 --mode publish --subs 100 --n 20000
//
// The server's CPU is measured by the caller (bench/kvmsg.sh reads
// /proc/PID/stat around the run); this program reports the wall time and
// counts. It checks every reply it reads, so a server that answers wrongly
// fails the run instead of looking fast.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "server address")
	mode := flag.String("mode", "publish", "publish or blpop")
	subs := flag.Int("subs", 1, "subscribers (publish)")
	n := flag.Int("n", 10000, "messages (publish) or rounds (blpop)")
	batch := flag.Int("batch", 16, "PUBLISH commands per pipelined batch")
	payload := flag.Int("payload", 16, "message size in bytes")
	flag.Parse()
	log.SetFlags(0)

	start := time.Now()
	var delivered int
	switch *mode {
	case "publish":
		delivered = publish(*addr, *subs, *n, *batch, *payload)
	case "blpop":
		delivered = blpop(*addr, *n)
	default:
		log.Fatalf("unknown --mode %q", *mode)
	}
	el := time.Since(start)
	fmt.Printf("mode=%s subs=%d n=%d delivered=%d seconds=%.3f per_sec=%.0f\n",
		*mode, *subs, *n, delivered, el.Seconds(), float64(delivered)/el.Seconds())
}

func dial(addr string) (net.Conn, *bufio.Reader) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		log.Fatalf("dial %s: %v", addr, err)
	}
	return c, bufio.NewReaderSize(c, 64<<10)
}

func command(args ...string) []byte {
	b := fmt.Appendf(nil, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b
}

// expect reads exactly want from r.
func expect(r *bufio.Reader, want []byte, what string) {
	got := make([]byte, len(want))
	if _, err := io.ReadFull(r, got); err != nil {
		log.Fatalf("%s: %v", what, err)
	}
	if !bytes.Equal(got, want) {
		log.Fatalf("%s: got %q, want %q", what, got, want)
	}
}

func publish(addr string, nsubs, n, batch, size int) int {
	const channel = "bench-channel"
	msg := bytes.Repeat([]byte("m"), size)
	one := fmt.Appendf(nil, "*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(channel), channel, size, msg)
	subReply := fmt.Appendf(nil, "*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:1\r\n", len(channel), channel)
	var wg sync.WaitGroup
	ready := make(chan struct{}, nsubs)
	for i := 0; i < nsubs; i++ {
		c, r := dial(addr)
		if _, err := c.Write(command("SUBSCRIBE", channel)); err != nil {
			log.Fatal(err)
		}
		expect(r, subReply, "SUBSCRIBE")
		ready <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			buf := make([]byte, len(one)*256)
			for left := n; left > 0; {
				k := min(left, 256)
				b := buf[:k*len(one)]
				if _, err := io.ReadFull(r, b); err != nil {
					log.Fatalf("subscriber: %v", err)
				}
				for j := 0; j < k; j++ {
					if !bytes.Equal(b[j*len(one):(j+1)*len(one)], one) {
						log.Fatalf("subscriber: bad message %q", b[j*len(one):(j+1)*len(one)])
					}
				}
				left -= k
			}
		}()
	}
	for i := 0; i < nsubs; i++ {
		<-ready
	}
	p, r := dial(addr)
	defer p.Close()
	req := command("PUBLISH", channel, string(msg))
	want := fmt.Appendf(nil, ":%d\r\n", nsubs)
	var out []byte
	for left := n; left > 0; {
		k := min(left, batch)
		out = out[:0]
		for j := 0; j < k; j++ {
			out = append(out, req...)
		}
		if _, err := p.Write(out); err != nil {
			log.Fatal(err)
		}
		for j := 0; j < k; j++ {
			expect(r, want, "PUBLISH")
		}
		left -= k
	}
	wg.Wait()
	return n * nsubs
}

// blpop plays ping-pong between two clients over two lists, so that every
// pop really blocks and is woken by a push: A pushes to q2 and blocks on
// q1 in one write, B (blocked on q2) wakes, pushes to q1 and blocks on q2
// again in one write, which wakes A. A client's push and its BLPOP are
// read together, so its BLPOP is waiting before the other client can even
// see the element. Each round is two wakes; it returns the wakes.
func blpop(addr string, rounds int) int {
	a, ar := dial(addr)
	defer a.Close()
	b, br := dial(addr)
	defer b.Close()
	if _, err := a.Write(command("DEL", "bench-q1", "bench-q2")); err != nil {
		log.Fatal(err)
	}
	if _, err := ar.ReadString('\n'); err != nil {
		log.Fatal(err)
	}
	if _, err := b.Write(command("BLPOP", "bench-q2", "0")); err != nil {
		log.Fatal(err)
	}
	// B's first BLPOP must be waiting before A's first push.
	for {
		if _, err := a.Write(command("INFO", "clients")); err != nil {
			log.Fatal(err)
		}
		info := readBulk(ar)
		if bytes.Contains(info, []byte("blocked_clients:1\r\n")) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	aStep := append(command("LPUSH", "bench-q2", "x"), command("BLPOP", "bench-q1", "0")...)
	bStep := append(command("LPUSH", "bench-q1", "x"), command("BLPOP", "bench-q2", "0")...)
	gotQ1 := []byte("*2\r\n$8\r\nbench-q1\r\n$1\r\nx\r\n")
	gotQ2 := []byte("*2\r\n$8\r\nbench-q2\r\n$1\r\nx\r\n")
	for i := 0; i < rounds; i++ {
		if _, err := a.Write(aStep); err != nil {
			log.Fatal(err)
		}
		expect(ar, []byte(":1\r\n"), "A's LPUSH")
		expect(br, gotQ2, "B's BLPOP")
		if _, err := b.Write(bStep); err != nil {
			log.Fatal(err)
		}
		expect(br, []byte(":1\r\n"), "B's LPUSH")
		expect(ar, gotQ1, "A's BLPOP")
	}
	// Let B's last BLPOP go.
	if _, err := a.Write(command("LPUSH", "bench-q2", "x")); err != nil {
		log.Fatal(err)
	}
	expect(ar, []byte(":1\r\n"), "last LPUSH")
	expect(br, gotQ2, "B's last BLPOP")
	return 2 * rounds
}

// readBulk reads one bulk string reply.
func readBulk(r *bufio.Reader) []byte {
	line, err := r.ReadString('\n')
	if err != nil || len(line) < 3 || line[0] != '$' {
		log.Fatalf("want a bulk string, got %q (%v)", line, err)
	}
	var n int
	if _, err := fmt.Sscanf(line, "$%d\r\n", &n); err != nil {
		log.Fatalf("bad bulk header %q", line)
	}
	b := make([]byte, n+2)
	if _, err := io.ReadFull(r, b); err != nil {
		log.Fatal(err)
	}
	return b[:n]
}
