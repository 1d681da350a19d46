package resp

// Complete replies that servers send again and again, Redis's shared
// objects (createSharedObjects in server.c). They are constants rather than
// byte slices so that no caller can change them; append one to an output
// buffer with append(out, resp.OK...), which copies without allocating.
const (
	CRLF       = "\r\n"        // shared.crlf
	OK         = "+OK\r\n"     // shared.ok
	Pong       = "+PONG\r\n"   // shared.pong
	Queued     = "+QUEUED\r\n" // shared.queued
	Zero       = ":0\r\n"      // shared.czero
	One        = ":1\r\n"      // shared.cone
	EmptyBulk  = "$0\r\n\r\n"  // shared.emptybulk
	NullBulk   = "$-1\r\n"     // shared.null[2]: a missing value in RESP2
	NullArray  = "*-1\r\n"     // shared.nullarray[2]: a missing array in RESP2
	EmptyArray = "*0\r\n"      // shared.emptyarray

	WrongTypeErr  = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n" // shared.wrongtypeerr
	SyntaxErr     = "-ERR syntax error\r\n"                                                  // shared.syntaxerr
	NoKeyErr      = "-ERR no such key\r\n"                                                   // shared.nokeyerr
	OutOfRangeErr = "-ERR index out of range\r\n"                                            // shared.outofrangeerr
	NoAuthErr     = "-NOAUTH Authentication required.\r\n"                                   // shared.noautherr
)
