// Command netresp is the server a Go programmer writes instead of goae: a
// goroutine per connection on net, a bufio.Reader and bufio.Writer per
// connection, one global map under a sync.RWMutex. It parses and writes with
// goae's own internal/resp, so a comparison with examples/kv measures the
// I/O model, not the protocol code. bench/kv.sh and bench/conns.sh run it
// beside kv and redis-server.
//
// It serves what redis-benchmark needs: PING, ECHO, SET (plain), GET, INCR,
// DECR, INCRBY, DEL, EXISTS, MSET, MGET, DBSIZE, FLUSHDB, FLUSHALL, CONFIG
// GET (redis-benchmark asks for "save" and "appendonly" at startup),
// COMMAND and QUIT.
//
//	go run ./bench/netresp --port 7001
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"strconv"
	"sync"

	"github.com/goae/goae/internal/resp"
)

var (
	mu sync.RWMutex
	kv = make(map[string][]byte)
)

func main() {
	port := flag.Int("port", 6379, "TCP port")
	bind := flag.String("bind", "127.0.0.1", "address to listen on")
	flag.Parse()
	ln, err := net.Listen("tcp", net.JoinHostPort(*bind, strconv.Itoa(*port)))
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("netresp listening on %s", ln.Addr())
	for {
		c, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			log.Printf("accept: %v", err)
			continue
		}
		go serve(c)
	}
}

// bufSize is bufio's default: what a Go user gets from bufio.NewReader.
const bufSize = 4096

// serve runs one connection. Commands are parsed in place in the
// bufio.Reader's buffer (Peek/Discard); a command longer than that buffer
// moves to a growable slice until the input is drained. Replies go to the
// bufio.Writer, flushed whenever there is no more buffered input, so a
// pipeline gets one write.
func serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReaderSize(c, bufSize)
	w := bufio.NewWriterSize(c, bufSize)
	var p resp.Parser
	var argv [][]byte // the argument vector, reused by each command
	pending := 0      // bytes at the front of r that hold a partial command
	var big []byte
	for {
		if big != nil {
			// Slow path: a command that does not fit r's buffer.
			if len(big) == cap(big) {
				big = append(big, make([]byte, len(big))...)[:len(big)]
			}
			n, err := r.Read(big[len(big):cap(big)])
			if err != nil {
				return
			}
			big = big[:len(big)+n]
			off, quit, err := run(&p, &argv, big, w)
			if err != nil || quit {
				w.Flush()
				return
			}
			big = big[:copy(big, big[off:])]
			if len(big) == 0 {
				big = nil
				if err := w.Flush(); err != nil {
					return
				}
			}
			continue
		}
		if r.Buffered() <= pending && w.Buffered() > 0 {
			if err := w.Flush(); err != nil {
				return
			}
		}
		if _, err := r.Peek(pending + 1); err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				b, _ := r.Peek(r.Buffered())
				big = append(make([]byte, 0, 4*bufSize), b...)
				r.Discard(len(b))
				pending = 0
				continue
			}
			return
		}
		b, _ := r.Peek(r.Buffered())
		off, quit, err := run(&p, &argv, b, w)
		if err != nil || quit {
			w.Flush()
			return
		}
		r.Discard(off)
		pending = len(b) - off
	}
}

// run executes every complete command at the start of b and returns the
// bytes consumed. *argvp is the connection's argument vector, reused.
func run(p *resp.Parser, argvp *[][]byte, b []byte, w *bufio.Writer) (off int, quit bool, err error) {
	for off < len(b) {
		argv, n, err := p.Parse(b[off:], *argvp, nil)
		*argvp = argv
		if err != nil {
			var pe *resp.ProtocolError
			if errors.As(err, &pe) {
				w.Write(resp.AppendError(w.AvailableBuffer(), pe.Msg))
			}
			return off, false, err
		}
		if n == 0 {
			break
		}
		off += n
		if len(argv) == 0 {
			continue
		}
		if exec(argv, w) {
			return off, true, nil
		}
	}
	return off, false, nil
}

// exec runs one command and appends its reply; it reports QUIT.
func exec(argv [][]byte, w *bufio.Writer) (quit bool) {
	var name [16]byte
	cmd := argv[0]
	if len(cmd) > len(name) {
		unknown(argv, w)
		return false
	}
	for i, ch := range cmd {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		name[i] = ch
	}
	out := w.AvailableBuffer()
	switch string(name[:len(cmd)]) {
	case "ping":
		switch len(argv) {
		case 1:
			out = append(out, resp.Pong...)
		case 2:
			out = resp.AppendBulk(out, argv[1])
		default:
			out = arity(out, "ping")
		}
	case "echo":
		if len(argv) != 2 {
			out = arity(out, "echo")
			break
		}
		out = resp.AppendBulk(out, argv[1])
	case "get":
		if len(argv) != 2 {
			out = arity(out, "get")
			break
		}
		mu.RLock()
		v, ok := kv[string(argv[1])]
		if ok {
			out = resp.AppendBulk(out, v)
		}
		mu.RUnlock()
		if !ok {
			out = append(out, resp.NullBulk...)
		}
	case "set":
		if len(argv) != 3 {
			if len(argv) < 3 {
				out = arity(out, "set")
			} else {
				out = append(out, resp.SyntaxErr...)
			}
			break
		}
		set(argv[1], argv[2])
		out = append(out, resp.OK...)
	case "incr", "decr", "incrby", "decrby":
		var by int64 = 1
		want := 2
		if name[len(cmd)-1] == 'y' {
			want = 3
		}
		if len(argv) != want {
			out = arity(out, string(name[:len(cmd)]))
			break
		}
		if want == 3 {
			v, err := strconv.ParseInt(string(argv[2]), 10, 64)
			if err != nil {
				out = append(out, "-ERR value is not an integer or out of range\r\n"...)
				break
			}
			by = v
		}
		if name[0] == 'd' {
			by = -by
		}
		n, ok := incr(argv[1], by)
		if !ok {
			out = append(out, "-ERR value is not an integer or out of range\r\n"...)
			break
		}
		out = resp.AppendInt(out, n)
	case "del", "exists":
		if len(argv) < 2 {
			out = arity(out, string(name[:len(cmd)]))
			break
		}
		n := 0
		if name[0] == 'd' {
			mu.Lock()
			for _, k := range argv[1:] {
				if _, ok := kv[string(k)]; ok {
					delete(kv, string(k))
					n++
				}
			}
			mu.Unlock()
		} else {
			mu.RLock()
			for _, k := range argv[1:] {
				if _, ok := kv[string(k)]; ok {
					n++
				}
			}
			mu.RUnlock()
		}
		out = resp.AppendInt(out, int64(n))
	case "mset":
		if len(argv) < 3 || len(argv)%2 == 0 {
			out = arity(out, "mset")
			break
		}
		for i := 1; i < len(argv); i += 2 {
			set(argv[i], argv[i+1])
		}
		out = append(out, resp.OK...)
	case "mget":
		if len(argv) < 2 {
			out = arity(out, "mget")
			break
		}
		out = resp.AppendArrayLen(out, len(argv)-1)
		mu.RLock()
		for _, k := range argv[1:] {
			if v, ok := kv[string(k)]; ok {
				out = resp.AppendBulk(out, v)
			} else {
				out = append(out, resp.NullBulk...)
			}
		}
		mu.RUnlock()
	case "dbsize":
		mu.RLock()
		n := len(kv)
		mu.RUnlock()
		out = resp.AppendInt(out, int64(n))
	case "flushdb", "flushall":
		mu.Lock()
		clear(kv)
		mu.Unlock()
		out = append(out, resp.OK...)
	case "config":
		// redis-benchmark asks CONFIG GET save and CONFIG GET appendonly.
		if len(argv) == 3 && bytes.EqualFold(argv[1], []byte("get")) {
			switch string(bytes.ToLower(argv[2])) {
			case "save":
				out = resp.AppendArrayLen(out, 2)
				out = resp.AppendBulkString(out, "save")
				out = resp.AppendBulkString(out, "")
			case "appendonly":
				out = resp.AppendArrayLen(out, 2)
				out = resp.AppendBulkString(out, "appendonly")
				out = resp.AppendBulkString(out, "no")
			default:
				out = append(out, resp.EmptyArray...)
			}
			break
		}
		out = resp.AppendError(out, "unsupported CONFIG subcommand")
	case "command":
		out = append(out, resp.EmptyArray...)
	case "quit":
		out = append(out, resp.OK...)
		w.Write(out)
		return true
	default:
		unknown(argv, w)
		return false
	}
	w.Write(out)
	return false
}

func set(k, v []byte) {
	mu.Lock()
	if old, ok := kv[string(k)]; ok && len(old) == len(v) {
		copy(old, v) // readers copy under RLock, so this is safe
	} else {
		kv[string(k)] = bytes.Clone(v)
	}
	mu.Unlock()
}

func incr(k []byte, by int64) (int64, bool) {
	mu.Lock()
	defer mu.Unlock()
	var n int64
	if old, ok := kv[string(k)]; ok {
		v, err := strconv.ParseInt(string(old), 10, 64)
		if err != nil {
			return 0, false
		}
		n = v
	}
	if (by > 0 && n > (1<<63-1)-by) || (by < 0 && n < (-1<<63)-by) {
		return 0, false
	}
	n += by
	kv[string(k)] = strconv.AppendInt(nil, n, 10)
	return n, true
}

func arity(out []byte, name string) []byte {
	return resp.AppendError(out, fmt.Sprintf("wrong number of arguments for '%s' command", name))
}

func unknown(argv [][]byte, w *bufio.Writer) {
	msg := fmt.Sprintf("unknown command '%.128s'", argv[0])
	w.Write(resp.AppendError(w.AvailableBuffer(), msg))
}
