// Package respserver is the client side of a Redis-protocol server on an
// ae loop, as Redis's networking.c is: it is what goae's examples (kv, the
// cluster bus node's client port, and those to come) share, so that each
// of them only supplies its commands.
//
// A Server owns the connected clients of one loop. Listeners (see package
// listener) hand it accepted fds with AcceptTCP or AcceptUnix. For each
// client it reads once per readable event into a query buffer, splits the
// input into commands with package resp, and calls Handler.Command for
// each; the command replies with the Client's AddReply methods. Replies
// are written by BeforeSleep, which the server calls from its loop's
// before-sleep hook (handleClientsWithPendingWrites): most go out with one
// write and no writable handler; a client left with output gets one until
// it drains. Cron, called from the server's cron, closes idle clients and
// gives back idle buffers (clientsCron).
//
// Redis's names and the Go ones:
//
//	client                                  Client
//	acceptCommonHandler, createClient       Server.AcceptTCP, Server.AcceptUnix
//	readQueryFromClient                     the read handler
//	processInputBuffer                      Server.Feed (also for tests)
//	addReply, addReplyBulk, ...             Client.AddReply, AddReplyBulk, ...
//	handleClientsWithPendingWrites          Server.BeforeSleep
//	writeToClient, sendReplyToClient        the write path and writable handler
//	freeClient, freeClientAsync             Server.FreeClient, FreeClientAsync
//	clientsCron                             Server.Cron
//	checkClientOutputBufferLimits           Config.OutputBufferLimit, Server.SetOutputBufferLimit
//	CLIENT_CLOSE_AFTER_REPLY, ...           CloseAfterReply, ...
//	CLIENT_BLOCKED (input held)             Blocked; Feed(c, nil) resumes
//	clientCommand's LIST, INFO, KILL        Server.ClientListCommand, ClientInfoCommand, ClientKillCommand
//	catClientInfoString                     Server.AppendClientInfo (the server's part: ClientHost)
//
// A client whose pending output passes Config.OutputBufferLimit (Redis's
// client-output-buffer-limit for the normal class, but by default hard
// 256 MiB, soft 64 MiB for 60 s where Redis has no limit) is scheduled to
// close and its output released (checkClientOutputBufferLimits,
// closeClientOnOutputBufferLimitReached).
//
// Everything runs on the loop's goroutine.
package respserver
