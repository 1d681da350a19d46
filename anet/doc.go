// Package anet is a Go port of Redis's anet.c, the small socket helpers
// under Redis's ae event loop: create listening sockets, accept, connect
// without blocking, set socket options, and turn addresses into text.
//
// It follows src/anet.c of Redis 7.0.15, plus the 6.2 and 7.2 functions
// listed below. Sockets are plain file descriptors made with
// golang.org/x/sys/unix, not net.Conn: they are meant to be registered
// with an epoll/kqueue event loop such as package ae. The net package is
// used only to resolve names.
//
// # Redis names
//
//	anet.h (C)                            Go
//	anetTcpServer                         TCPServer
//	anetTcp6Server                        TCP6Server
//	anetUnixServer                        UnixServer
//	anetTcpAccept                         TCPAccept
//	anetUnixAccept                        UnixAccept
//	anetNonBlock                          NonBlock
//	anetBlock                             Block
//	anetCloexec                           Cloexec
//	anetEnableTcpNoDelay                  EnableTCPNoDelay
//	anetDisableTcpNoDelay                 DisableTCPNoDelay
//	anetKeepAlive                         KeepAlive
//	anetSendTimeout                       SendTimeout
//	anetRecvTimeout                       RecvTimeout
//	anetTcpNonBlockConnect                TCPNonBlockConnect
//	anetTcpNonBlockBestEffortBindConnect  TCPNonBlockBestEffortBindConnect
//	anetTcpNonBlockBindConnect (6.2)      TCPNonBlockBindConnect
//	anetUnixNonBlockConnect (6.2)         UnixNonBlockConnect
//	anetGetError (7.2)                    GetError
//	anetResolve                           Resolve
//	anetFdToString                        FdToString
//	anetFormatAddr                        FormatAddr
//	anetFormatFdAddr                      FormatFdAddr
//	anetPipe                              Pipe
//	anetSetSockMarkId                     SetSockMarkID
//	FD_TO_PEER_NAME, FD_TO_SOCK_NAME      PeerName, SockName
//	ANET_IP_ONLY                          Resolve's ipOnly argument
//
// The functions marked 6.2 were removed in Redis 7.0 and those marked 7.2
// added after it; they are here because ports of Redis code use them.
// anetFormatFdAddr was removed in 7.2. The static helpers of anet.c
// (anetSetReuseAddr, anetCreateSocket, anetListen, anetV6Only,
// anetGenericAccept) are unexported and keep their behaviour: in
// particular SO_REUSEADDR is set on every socket the package creates.
//
// # Differences from the C code
//
// Errors are Go errors instead of a char err[ANET_ERR_LEN] buffer and an
// ANET_ERR return. They read as Redis's messages ("bind: address already
// in use", "setsockopt TCP_NODELAY: bad file descriptor", "unix socket
// path too long (120), must be under 108") and wrap the errno, so
// errors.Is(err, unix.EADDRINUSE) and friends work; without the trailing
// newline Redis leaves on its TCP_KEEP* messages. Resolver errors come
// from the net package and name the host that was looked up, where Redis
// returns gai_strerror's bare text.
//
// File descriptors are ints owned by the caller, who closes them with
// unix.Close. Every function that fails closes what it opened.
//
// Sockets and pipe ends the package creates are close-on-exec from birth
// (atomically where the system allows it), because any goroutine of a Go
// program may start a child process at any time; Redis sets the flag later
// with anetCloexec, which is still there as Cloexec. Accepted sockets are
// non-blocking and close-on-exec as in Redis 7.0; listening sockets are
// returned in blocking mode, as in Redis, and callers make them
// non-blocking with NonBlock before adding them to an event loop.
//
// A few inputs Redis mishandles are errors here: ports outside 0-65535
// (Redis truncates them), negative timeouts, a unix socket path too long
// for UnixNonBlockConnect (Redis truncates it), and a failed chmod in
// UnixServer (Redis ignores it). When every address of a TCP connect
// fails, the error names the call that failed ("connect: ..."), where
// Redis always says "creating socket".
//
// Linux is the reference platform. On macOS and the BSDs the package
// builds and follows what Redis does there: accept plus fcntl where
// accept4 is missing, TCP_KEEPALIVE instead of TCP_KEEPIDLE on macOS.
package anet
