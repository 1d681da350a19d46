package respserver

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"github.com/goae/goae/connection"
	"github.com/goae/goae/internal/resp"
)

const (
	// protoIOBufLen is the size of one read (PROTO_IOBUF_LEN).
	protoIOBufLen = 16 * 1024
	// protoMbulkBigArg: past this, a read may take more of a big
	// argument at once (PROTO_MBULK_BIG_ARG).
	protoMbulkBigArg = 32 * 1024
	// maxBigArgRead bounds such a read, so that an announced length is
	// never allocated before its bytes arrive.
	maxBigArgRead = 1 << 20
	// idleBufCap is the buffer capacity a drained client keeps; a burst
	// that grew it beyond gives it back.
	idleBufCap = 16 * 1024
	// idleQueryMs: a client idle this long gives back its query buffer
	// (clientsCronResizeQueryBuffer).
	idleQueryMs = 2000
)

// Config holds the limits of a Server. Zero values take Redis's defaults.
type Config struct {
	// MaxClients is maxclients: the next client gets Redis's error and is
	// closed. Default 10000.
	MaxClients int
	// Timeout closes clients idle for more than this many seconds; 0
	// never does.
	Timeout int
	// TCPKeepAlive is tcp-keepalive in seconds (0: off).
	TCPKeepAlive int
	// ProtoMaxBulkLen is proto-max-bulk-len. Default 512 MiB.
	ProtoMaxBulkLen int64
	// QueryBufferLimit is client-query-buffer-limit. Default 1 GiB.
	QueryBufferLimit int64
	// OutputBufferLimit is client-output-buffer-limit for the normal
	// class. Zero fields take goae's defaults (hard 256 MiB, soft 64 MiB
	// for 60 s), NOT Redis's (no limit for normal clients): a client that
	// pipelines commands and never reads must not take the server's
	// memory. A negative Hard or Soft disables that limit; see
	// NoOutputBufferLimit for Redis's default.
	OutputBufferLimit OutputBufferLimit
	// PubSubOutputBufferLimit is the pubsub class, for clients with the
	// PubSub flag (subscribed to a channel or pattern). Zero fields take
	// Redis's defaults (hard 32 MiB, soft 8 MiB for 60 s).
	PubSubOutputBufferLimit OutputBufferLimit
	// UnixSocket is the unix socket path, for the Addr of its clients.
	UnixSocket string
	// Log receives connection events; nil means slog.Default().
	Log *slog.Logger
}

// OutputBufferLimit is one class of client-output-buffer-limit: a client
// whose pending output exceeds Hard bytes is closed at once; one that
// stays over Soft bytes for more than SoftSeconds seconds is closed too
// (checkClientOutputBufferLimits). In a Config, 0 means the default and a
// negative value no limit. SoftSeconds takes its default (60) only with
// the default Soft; with a Soft set, 0 is Redis's 0 (close at the next
// check over the limit). Time is counted in milliseconds, where Redis
// counts whole seconds of its clock.
//
// The limits apply to connected clients (and to in-memory ones given
// LimitOutput). They are checked on every reply appended with the
// AddReply methods (one comparison while under the smallest limit), after
// each command (for replies appended to Out directly), and from Cron
// (for the soft limit's time). Past a limit the client is scheduled to
// close (FreeClientAsync), its pending replies are released at once,
// later replies are dropped and the rest of its pipeline does not run.
type OutputBufferLimit struct {
	Hard, Soft  int64
	SoftSeconds int
}

// Default output buffer limits for normal clients (goae's choice; Redis
// has none for them).
const (
	DefaultOutputBufferHard        = 256 << 20
	DefaultOutputBufferSoft        = 64 << 20
	DefaultOutputBufferSoftSeconds = 60
)

// NoOutputBufferLimit is Redis's default for normal clients
// ("normal 0 0 0"): output grows without bound.
var NoOutputBufferLimit = OutputBufferLimit{Hard: -1, Soft: -1, SoftSeconds: -1}

// Redis's pubsub class defaults ("pubsub 32mb 8mb 60").
const (
	DefaultPubSubOutputBufferHard        = 32 << 20
	DefaultPubSubOutputBufferSoft        = 8 << 20
	DefaultPubSubOutputBufferSoftSeconds = 60
)

// normalize fills in the normal class's defaults and spells "no limit"
// -1, so that Config() hands back a value that means the same when passed
// to New.
func (l OutputBufferLimit) normalize() OutputBufferLimit {
	return l.normalizeWith(DefaultOutputBufferHard, DefaultOutputBufferSoft, DefaultOutputBufferSoftSeconds)
}

// normalizePubSub is normalize with the pubsub class's defaults.
func (l OutputBufferLimit) normalizePubSub() OutputBufferLimit {
	return l.normalizeWith(DefaultPubSubOutputBufferHard, DefaultPubSubOutputBufferSoft, DefaultPubSubOutputBufferSoftSeconds)
}

func (l OutputBufferLimit) normalizeWith(hard, soft int64, softSeconds int) OutputBufferLimit {
	if l.Hard == 0 {
		l.Hard = hard
	}
	if l.Soft == 0 {
		l.Soft = soft
		if l.SoftSeconds == 0 {
			l.SoftSeconds = softSeconds
		}
	}
	l.Hard = max(l.Hard, -1)
	if l.Soft < 0 {
		l.Soft, l.SoftSeconds = -1, -1
	} else {
		l.SoftSeconds = max(l.SoftSeconds, 0)
	}
	return l
}

// threshold is one less than the smallest set limit (Redis's limits are
// reached at used >= limit): pending output at or under it needs no
// check.
func (l OutputBufferLimit) threshold() int64 {
	t := int64(math.MaxInt64)
	if l.Hard > 0 {
		t = l.Hard - 1
	}
	if l.Soft > 0 && l.Soft-1 < t {
		t = l.Soft - 1
	}
	return t
}

// Handler is what a server built on a Server supplies.
type Handler struct {
	// Command runs the command in c.Argv and replies to it.
	Command func(c *Client)
	// AuthRequired, if set, tells whether c has still to authenticate;
	// the parser then applies Redis's tighter limits for such clients.
	AuthRequired func(c *Client) bool
	// Connected, if set, runs for each new client (to set c.Data).
	Connected func(c *Client)
	// Freed, if set, runs when a client is freed.
	Freed func(c *Client)
}

// Stats are the counters INFO reports.
type Stats struct {
	Connections    int64 // total_connections_received
	Rejected       int64 // rejected_connections
	NetInputBytes  int64 // total_net_input_bytes
	NetOutputBytes int64 // total_net_output_bytes
	ProtocolErrors int64
	// OutputBufferLimitClosed counts clients closed for overcoming the
	// output buffer limits (client_output_buffer_limit_disconnections).
	OutputBufferLimitClosed int64
	// ReadsProcessed counts client reads (total_reads_processed: each
	// readQueryFromClient), WritesProcessed the times a client's replies
	// were handed to its socket (total_writes_processed: each
	// writeToClient from handleClientsWithPendingWrites; the connection
	// layer's later writes of what the socket did not take are not
	// counted).
	ReadsProcessed, WritesProcessed int64
}

// Server owns the clients of one loop.
type Server struct {
	el  *ae.EventLoop
	cfg Config
	h   Handler

	clients    []*Client // by fd
	numClients int
	nextID     int64
	// Clients with output to write before the loop sleeps
	// (clients_pending_write), and clients to free there
	// (clients_to_close).
	pendingWrite []*Client
	toClose      []*Client
	cronPos      int
	// obufThreshold is the pending output past which a client's output
	// buffer limits are checked (the smallest limit set).
	obufThreshold int64
	// obufThresholdPubSub is obufThreshold for the pubsub class.
	obufThresholdPubSub int64

	// Now is the cached unix time in ms (server.mstime); the server
	// sets it once per loop iteration (kv in its after-sleep hook).
	Now   int64
	Stats Stats

	onRead connection.Handler // stored once: no method value per client

	// wq writes the clients' replies before the loop sleeps; BeforeSleep
	// hands it each client's reply buffer (connection.Conn.Send).
	wq *connection.WriteQueue

	// readBuf is the one query buffer shared by every client that has no
	// partial command pending (Redis 7.4's reusable query buffer): an
	// idle client then owns no read buffer at all.
	readBuf []byte

	// limits are the parser's, one copy for every client.
	limits resp.Limits
}

// New makes a Server for the clients of el.
func New(el *ae.EventLoop, cfg Config, h Handler) *Server {
	if cfg.MaxClients <= 0 {
		cfg.MaxClients = 10000
	}
	if cfg.ProtoMaxBulkLen <= 0 {
		cfg.ProtoMaxBulkLen = resp.DefaultProtoMaxBulkLen
	}
	if cfg.QueryBufferLimit <= 0 {
		cfg.QueryBufferLimit = 1 << 30
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	cfg.OutputBufferLimit = cfg.OutputBufferLimit.normalize()
	cfg.PubSubOutputBufferLimit = cfg.PubSubOutputBufferLimit.normalizePubSub()
	s := &Server{el: el, cfg: cfg, h: h, nextID: 1, clients: make([]*Client, el.SetSize())}
	s.obufThreshold = cfg.OutputBufferLimit.threshold()
	s.obufThresholdPubSub = cfg.PubSubOutputBufferLimit.threshold()
	s.limits.ProtoMaxBulkLen = cfg.ProtoMaxBulkLen
	s.onRead = s.readQueryFromClient
	s.wq = connection.NewWriteQueue(el)
	s.wq.OnWriteError = func(cn *connection.Conn, err error) {
		c := cn.PrivateData().(*Client)
		s.cfg.Log.Debug("Error writing to client", "addr", c.Addr, "err", err)
		s.FreeClientAsync(c)
	}
	s.wq.OnDrain = func(cn *connection.Conn) {
		if c := cn.PrivateData().(*Client); c.Flags&CloseAfterReply != 0 && len(c.Out) == 0 {
			s.FreeClientAsync(c)
		}
	}
	return s
}

// Config returns the current limits.
func (s *Server) Config() Config { return s.cfg }

// SetTimeout changes the idle timeout (CONFIG SET timeout).
func (s *Server) SetTimeout(seconds int) { s.cfg.Timeout = seconds }

// SetOutputBufferLimit changes the normal class's output buffer limits
// (CONFIG SET client-output-buffer-limit); 0 means the default and a
// negative value no limit, as in Config.
func (s *Server) SetOutputBufferLimit(l OutputBufferLimit) {
	s.cfg.OutputBufferLimit = l.normalize()
	s.obufThreshold = s.cfg.OutputBufferLimit.threshold()
	s.relimit()
}

// SetPubSubOutputBufferLimit changes the pubsub class's limits (CONFIG
// SET client-output-buffer-limit "pubsub ..."), for every client.
func (s *Server) SetPubSubOutputBufferLimit(l OutputBufferLimit) {
	s.cfg.PubSubOutputBufferLimit = l.normalizePubSub()
	s.obufThresholdPubSub = s.cfg.PubSubOutputBufferLimit.threshold()
	s.relimit()
}

// SetPubSub moves c into the pubsub class of output limits or out of it
// (Redis's getClientType looks at CLIENT_PUBSUB each time it checks).
func (s *Server) SetPubSub(c *Client, on bool) {
	if on == (c.Flags&PubSub != 0) {
		return
	}
	if on {
		c.Flags |= PubSub
	} else {
		c.Flags &^= PubSub
	}
	c.obufSoftLimitReachedTime = 0
	s.setObufMax(c)
}

// limitOf is the class of limits that applies to c, and its threshold.
func (s *Server) limitOf(c *Client) (*OutputBufferLimit, int64) {
	if c.Flags&PubSub != 0 {
		return &s.cfg.PubSubOutputBufferLimit, s.obufThresholdPubSub
	}
	return &s.cfg.OutputBufferLimit, s.obufThreshold
}

// relimit recomputes every limited client's threshold.
func (s *Server) relimit() {
	for _, c := range s.clients {
		if c != nil && c.Flags&OutputLimited != 0 {
			s.LimitOutput(c)
		}
	}
}

// LimitOutput applies the output buffer limits to c. Connected clients
// have them from the start; an in-memory client (NewClient) has none
// until this is called (then, past a limit, it is scheduled to close as a
// connected one would be: it takes no more commands and its replies are
// dropped).
func (s *Server) LimitOutput(c *Client) {
	c.Flags |= OutputLimited
	s.setObufMax(c)
}

// setObufMax sets how long Out may grow before an append checks the
// limits: the smallest limit less what the connection still holds, so
// that the one comparison in checkOutput sees all the pending output.
func (s *Server) setObufMax(c *Client) {
	if c.Flags&OutputLimited == 0 || c.Flags&(CloseASAP|Freed) != 0 {
		return
	}
	_, t := s.limitOf(c)
	if c.Conn != nil {
		t -= int64(c.Conn.Pending())
	}
	c.obufMax = int(min(max(t, 0), math.MaxInt))
}

// SetTCPKeepAlive changes the keepalive of clients accepted from now on.
func (s *Server) SetTCPKeepAlive(seconds int) { s.cfg.TCPKeepAlive = seconds }

// SetMaxClients changes maxclients (CONFIG SET maxclients): clients past
// it are refused from now on, those connected stay. The caller grows the
// loop first (ae's ResizeSetSize, as Redis's updateMaxclients calls
// aeResizeSetSize) when the new figure needs more fd slots; the table of
// clients by fd follows the loop's set size.
func (s *Server) SetMaxClients(n int) {
	if n > 0 {
		s.cfg.MaxClients = n
	}
	if size := s.el.SetSize(); size > len(s.clients) {
		s.clients = append(s.clients, make([]*Client, size-len(s.clients))...)
	}
}

// SetProtoMaxBulkLen changes proto-max-bulk-len for the requests parsed
// from now on.
func (s *Server) SetProtoMaxBulkLen(n int64) {
	if n > 0 {
		s.cfg.ProtoMaxBulkLen = n
		s.limits.ProtoMaxBulkLen = n
	}
}

// SetQueryBufferLimit changes client-query-buffer-limit, checked at each
// read from now on.
func (s *Server) SetQueryBufferLimit(n int64) {
	if n > 0 {
		s.cfg.QueryBufferLimit = n
	}
}

// NumClients is the number of connected clients.
func (s *Server) NumClients() int { return s.numClients }

// Clients returns the clients indexed by fd, with nil where there is
// none. The slice is the Server's: do not keep it across iterations.
func (s *Server) Clients() []*Client { return s.clients }

// NewClient makes a client that is not connected to any socket (FD -1),
// for running commands in memory with Feed: tests, scripts, replication
// streams. It is not counted in NumClients.
func (s *Server) NewClient() *Client {
	c := &Client{ID: s.nextID, fd: -1, Addr: "", Ctime: s.Now, LastInteraction: s.Now, srv: s, obufMax: math.MaxInt}
	s.nextID++
	if s.h.Connected != nil {
		s.h.Connected(c)
	}
	return c
}

// AcceptTCP takes a TCP connection from a listener (a
// connection.AcceptHandler).
func (s *Server) AcceptTCP(cn *connection.Conn, ip string, port int) {
	s.accept(cn, anet.FormatAddr(ip, port), 0)
}

// AcceptUnix takes a unix-socket connection from a listener.
func (s *Server) AcceptUnix(cn *connection.Conn, _ string, _ int) {
	s.accept(cn, s.cfg.UnixSocket+":0", UnixSocket)
}

// accept refuses the client past MaxClients, else creates it
// (acceptCommonHandler, createClient).
func (s *Server) accept(cn *connection.Conn, addr string, flags int32) {
	fd := cn.FD()
	if s.numClients >= s.cfg.MaxClients {
		// Best effort: the socket is new, its buffer is empty.
		cn.Write([]byte("-ERR max number of clients reached\r\n"))
		s.Stats.Rejected++
		cn.Close()
		return
	}
	if fd >= len(s.clients) {
		s.cfg.Log.Warn("Error registering fd event for the new client", "err", "fd out of range", "fd", fd)
		cn.Close()
		return
	}
	if flags&UnixSocket == 0 {
		cn.EnableTCPNoDelay()
		if s.cfg.TCPKeepAlive > 0 {
			cn.KeepAlive(s.cfg.TCPKeepAlive)
		}
	}
	c := &Client{ID: s.nextID, fd: int32(fd), Conn: cn, Flags: flags, Addr: addr, Ctime: s.Now, LastInteraction: s.Now, srv: s}
	s.LimitOutput(c)
	cn.SetPrivateData(c)
	cn.SetWriteQueue(s.wq)
	if err := cn.SetReadHandler(s.onRead); err != nil {
		s.cfg.Log.Warn("Error registering fd event for the new client", "err", err)
		cn.Close()
		return
	}
	if cn.Accept(nil) != nil {
		return
	}
	s.nextID++
	s.clients[fd] = c
	s.numClients++
	s.Stats.Connections++
	if s.h.Connected != nil {
		s.h.Connected(c)
	}
	s.cfg.Log.Debug("Accepted", "addr", addr)
}

// readQueryFromClient reads once per readable event and runs the commands
// that arrived complete.
func (s *Server) readQueryFromClient(cn *connection.Conn) {
	c := cn.PrivateData().(*Client)
	readlen := protoIOBufLen
	if need := c.Parser.Need(); need >= protoMbulkBigArg {
		// A big argument is on its way: read more of it at once, but
		// only as much as can arrive soon.
		readlen = min(need, maxBigArgRead)
	}
	// With nothing pending, read into the shared buffer; a client keeps
	// bytes of its own only for a command that has partly arrived.
	shared := c.qbpos == len(c.querybuf) && readlen <= protoIOBufLen
	var dst []byte
	if shared {
		if s.readBuf == nil {
			s.readBuf = make([]byte, protoIOBufLen)
		}
		dst = s.readBuf[:readlen]
	} else {
		c.reserveQuery(readlen)
		dst = c.querybuf[len(c.querybuf) : len(c.querybuf)+readlen]
	}
	s.Stats.ReadsProcessed++
	n, err := cn.Read(dst)
	switch {
	case err == connection.ErrWouldBlock:
		return
	case err == io.EOF:
		s.cfg.Log.Debug("Client closed connection", "addr", c.Addr)
		s.FreeClient(c)
		return
	case err != nil:
		s.cfg.Log.Debug("Reading from client", "addr", c.Addr, "err", err)
		s.FreeClient(c)
		return
	}
	own := c.querybuf
	if shared {
		c.querybuf, c.qbpos = s.readBuf[:n], 0
	} else {
		c.querybuf = c.querybuf[:len(c.querybuf)+n]
	}
	c.LastInteraction = s.Now
	s.Stats.NetInputBytes += int64(n)
	if int64(len(c.querybuf)) > s.cfg.QueryBufferLimit {
		s.cfg.Log.Warn("Closing client that reached max query buffer length", "addr", c.Addr, "qbuf", len(c.querybuf))
		s.FreeClient(c)
		return
	}
	s.processInputBuffer(c)
	if shared && c.Flags&Freed == 0 {
		// Give the shared buffer back: keep what is left of a partial
		// command in the client's own buffer (reused if it has one).
		rest := c.querybuf[c.qbpos:]
		if len(rest) == 0 {
			c.querybuf, c.qbpos = own[:0], 0
		} else {
			c.querybuf, c.qbpos = append(own[:0], rest...), 0
		}
	}
}

// reserveQuery makes room for n more bytes at the end of querybuf, first
// by sliding the unparsed bytes to the front, then by growing.
func (c *Client) reserveQuery(n int) {
	if cap(c.querybuf)-len(c.querybuf) >= n {
		return
	}
	if c.qbpos > 0 {
		c.querybuf = c.querybuf[:copy(c.querybuf, c.querybuf[c.qbpos:])]
		c.qbpos = 0
		if cap(c.querybuf)-len(c.querybuf) >= n {
			return
		}
	}
	grown := make([]byte, len(c.querybuf), max(2*cap(c.querybuf), len(c.querybuf)+n))
	copy(grown, c.querybuf)
	c.querybuf = grown
}

// Feed runs data through c as if it had been read from its socket: the
// complete commands in it run and their replies are queued. Servers use
// it for in-memory clients (NewClient) and tests.
func (s *Server) Feed(c *Client, data []byte) {
	c.reserveQuery(len(data))
	c.querybuf = append(c.querybuf, data...)
	s.processInputBuffer(c)
}

// processInputBuffer parses and runs every complete command in the query
// buffer (processInputBuffer).
func (s *Server) processInputBuffer(c *Client) {
	for c.qbpos < len(c.querybuf) && c.Flags&(CloseAfterReply|CloseASAP|Blocked) == 0 {
		c.Parser.Unauthenticated = s.h.AuthRequired != nil && s.h.AuthRequired(c)
		argv, n, err := c.Parser.Parse(c.querybuf[c.qbpos:], c.Argv, &s.limits)
		if err != nil {
			var pe *resp.ProtocolError
			if errors.As(err, &pe) {
				s.Stats.ProtocolErrors++
				s.cfg.Log.Debug("Protocol error from client", "addr", c.Addr, "err", pe.Msg)
				c.AddReplyError(pe.Msg)
			}
			// As Redis's setProtocolError: reply, then close; the rest of
			// the input is dropped.
			c.Flags |= CloseAfterReply
			c.querybuf, c.qbpos = c.querybuf[:0], 0
			break
		}
		if n == 0 {
			break
		}
		c.qbpos += n
		if len(argv) == 0 {
			continue
		}
		c.Argv = argv
		s.h.Command(c)
		c.Argv = c.Argv[:0]
		if c.Flags&Freed != 0 {
			return
		}
		if _, t := s.limitOf(c); int64(c.PendingOutput()) > t {
			// Past a limit the client is scheduled to close and the loop
			// stops at its flag: the rest of its pipeline does not run.
			s.closeClientOnOutputBufferLimitReached(c)
		}
	}
	if c.qbpos == len(c.querybuf) {
		c.querybuf, c.qbpos = c.querybuf[:0], 0
	}
	if c.fd >= 0 && (c.PendingOutput() > 0 || c.Flags&CloseAfterReply != 0) {
		s.queueWrite(c)
	}
}

// queueWrite puts c on the list written before the loop sleeps
// (putClientInPendingWriteQueue).
func (s *Server) queueWrite(c *Client) {
	if c.Flags&PendingWrite == 0 {
		c.Flags |= PendingWrite
		s.pendingWrite = append(s.pendingWrite, c)
	}
}

// QueueWrite schedules the replies added to c outside its own commands
// (a pub/sub message published to it, say) to be written before the loop
// sleeps, as addReply's putClientInPendingWriteQueue does. A client in
// memory, freed or closing is left alone.
func (s *Server) QueueWrite(c *Client) {
	if c.fd >= 0 && c.Flags&(Freed|CloseASAP) == 0 && c.PendingOutput() > 0 {
		s.queueWrite(c)
	}
}

// BeforeSleep writes the queued replies and frees the clients scheduled
// to close; call it from the loop's before-sleep hook
// (handleClientsWithPendingWrites, freeClientsInAsyncFreeQueue). Each
// client's reply buffer goes to its connection, which writes what the
// socket takes at once and keeps the rest; the connection layer's write
// queue then installs the writable handler on those left with output.
func (s *Server) BeforeSleep() {
	for i, c := range s.pendingWrite {
		s.pendingWrite[i] = nil
		c.Flags &^= PendingWrite
		if c.Flags&(Freed|CloseASAP) != 0 {
			continue
		}
		before := s.wq.BytesWritten
		s.Stats.WritesProcessed++
		kept, ok := c.Conn.Send(c.Out)
		s.Stats.NetOutputBytes += s.wq.BytesWritten - before
		if kept || cap(c.Out) > idleBufCap {
			c.Out = nil // the connection owns it now, or a burst grew it
		} else {
			c.Out = c.Out[:0]
		}
		if !ok {
			continue
		}
		s.setObufMax(c)
		if c.Conn.Pending() == 0 {
			c.obufSoftLimitReachedTime = 0
			if c.Flags&CloseAfterReply != 0 {
				s.FreeClientAsync(c)
			}
		}
	}
	s.pendingWrite = s.pendingWrite[:0]
	before := s.wq.BytesWritten
	s.wq.BeforeSleep()
	s.Stats.NetOutputBytes += s.wq.BytesWritten - before
	for i, c := range s.toClose {
		s.toClose[i] = nil
		s.FreeClient(c)
	}
	s.toClose = s.toClose[:0]
}

// WriteQueue returns the connection layer's write queue of the clients.
func (s *Server) WriteQueue() *connection.WriteQueue { return s.wq }

// FreeClientAsync schedules c to be freed before the loop sleeps, for code
// that may still hold it up the stack (freeClientAsync).
func (s *Server) FreeClientAsync(c *Client) {
	if c.Flags&(Freed|CloseASAP) != 0 {
		return
	}
	c.Flags |= CloseASAP
	s.toClose = append(s.toClose, c)
}

// FreeClient closes c at once (freeClient). Lists that still hold it see
// Freed and skip it.
func (s *Server) FreeClient(c *Client) {
	if c.Flags&Freed != 0 {
		return
	}
	c.Flags |= Freed
	if c.Conn != nil {
		c.Conn.Close()
		// The connection layer may have closed the fd already (a failed
		// write) and a new client may have its number now.
		if s.clients[c.fd] == c {
			s.clients[c.fd] = nil
		}
		s.numClients--
	}
	if s.h.Freed != nil {
		s.h.Freed(c)
	}
	c.fd = -1
	c.querybuf, c.Out, c.Argv = nil, nil, nil
}

// Close frees every client.
func (s *Server) Close() {
	for _, c := range s.clients {
		if c != nil {
			s.FreeClient(c)
		}
	}
}

// Cron visits a slice of the clients each call, so that at hz calls a
// second every client is seen about once a second (clientsCron): it closes
// those idle past Timeout and gives back the query buffer of idle ones.
func (s *Server) Cron(hz int) {
	numclients := len(s.clients)
	iterations := numclients / max(hz, 1)
	if iterations < 5 {
		iterations = min(numclients, 5)
	}
	for ; iterations > 0; iterations-- {
		s.cronPos = (s.cronPos + 1) % numclients
		c := s.clients[s.cronPos]
		if c == nil {
			continue
		}
		idle := s.Now - c.LastInteraction
		if s.cfg.Timeout > 0 && idle/1000 > int64(s.cfg.Timeout) && c.Flags&Blocked == 0 {
			s.cfg.Log.Debug("Closing idle client", "addr", c.Addr)
			s.FreeClient(c)
			continue
		}
		if s.closeClientOnOutputBufferLimitReached(c) {
			continue
		}
		if c.qbpos == len(c.querybuf) && idle > idleQueryMs {
			c.querybuf, c.qbpos = nil, 0
			// More than Redis, whose client keeps its 16 KB reply
			// buffer: an idle client also gives back its drained reply
			// buffer and the parser's argument storage, so that it
			// costs little more than its struct.
			if len(c.Out) == 0 {
				c.Out = nil
			}
			if c.Conn != nil {
				c.Conn.ReleaseOutput()
			}
			if c.Parser.Release() {
				c.Argv = nil
			}
		}
	}
}

// checkOutputBufferLimits tells whether c is past its output buffer limits
// (checkClientOutputBufferLimits): over the hard limit, or over the soft
// one continuously for more than its seconds. It starts and resets the
// soft limit's clock.
func (s *Server) checkOutputBufferLimits(c *Client) bool {
	l, _ := s.limitOf(c)
	used := int64(c.PendingOutput())
	hard := l.Hard > 0 && used >= l.Hard
	soft := l.Soft > 0 && used >= l.Soft
	if soft {
		if c.obufSoftLimitReachedTime == 0 {
			c.obufSoftLimitReachedTime = max(s.Now, 1)
			soft = false // the first time: start the clock
		} else if s.Now-c.obufSoftLimitReachedTime <= int64(l.SoftSeconds)*1000 {
			soft = false
		}
	} else {
		c.obufSoftLimitReachedTime = 0
	}
	return hard || soft
}

// closeClientOnOutputBufferLimitReached schedules c to close when it is
// past its output buffer limits, and reports whether it did
// (closeClientOnOutputBufferLimitReached with async set). In-memory
// clients (NewClient) are not limited unless LimitOutput says so.
func (s *Server) closeClientOnOutputBufferLimitReached(c *Client) bool {
	if c.Flags&OutputLimited == 0 || c.PendingOutput() == 0 || c.Flags&(CloseASAP|Freed) != 0 {
		return false
	}
	if !s.checkOutputBufferLimits(c) {
		return false
	}
	s.Stats.OutputBufferLimitClosed++
	s.cfg.Log.Warn(fmt.Sprintf("Client %s scheduled to be closed ASAP for overcoming of output buffer limits.", c.info()),
		"omem", c.PendingOutput())
	// Its replies will never be sent: give their memory back now, and
	// drop those still to come.
	c.Out, c.obufMax = nil, 0
	if c.Conn != nil {
		c.Conn.DiscardOutput()
	}
	s.FreeClientAsync(c)
	return true
}

// info is the part of CLIENT LIST's line the server knows about c.
func (c *Client) info() string {
	return fmt.Sprintf("id=%d addr=%s fd=%d name=%s", c.ID, c.Addr, c.fd, c.Name)
}
