package respserver

import (
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"github.com/goae/goae/connection"
	"golang.org/x/sys/unix"
)

// Input: a client sends PING; the server replies, then, from a time event
// outside any command, appends a message to that client and calls
// QueueWrite. Expected: both the reply and the message arrive (without
// QueueWrite the message would wait for the client's next command).
func TestQueueWriteOutsideCommand(t *testing.T) {
	el, err := ae.New(1024)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var s *Server
	s = New(el, Config{Log: log}, Handler{Command: func(c *Client) {
		c.AddReply("+PONG\r\n")
		el.CreateTimeEvent(10, func(*ae.EventLoop, int64, any) int {
			c.AddReply("+LATER\r\n")
			s.QueueWrite(c)
			return ae.NoMore
		}, nil, nil)
	}})
	lfd, err := anet.TCPServer(0, "127.0.0.1", 511)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := connection.NewListener(el, lfd, connection.ListenConfig{Log: log}, s.AcceptTCP); err != nil {
		t.Fatal(err)
	}
	el.SetBeforeSleepProc(func(*ae.EventLoop) { s.BeforeSleep() })
	done := make(chan struct{})
	go func() { el.Main(); s.Close(); unix.Close(lfd); el.Close(); close(done) }()
	defer func() { el.Post(func(el *ae.EventLoop) { el.Stop() }); <-done }()
	_, port, _ := anet.FdToString(lfd, anet.SockName)
	conn, err := net.Dial("tcp", anet.FormatAddr("127.0.0.1", port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("PING\r\n"))
	if got := readAll(t, conn, len("+PONG\r\n+LATER\r\n")); got != "+PONG\r\n+LATER\r\n" {
		t.Fatalf("got %q", got)
	}
}
