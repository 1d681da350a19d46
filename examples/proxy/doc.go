// Command proxy is twemproxy (nutcracker 0.5.0) on goae: a drop-in that
// reads nutcracker's YAML and command line, places every key where
// nutcracker places it, and answers clients byte for byte as nutcracker
// does, on one ae loop.
//
// # Beyond nutcracker
//
// A few extensions that twemproxy's users ask for are built in. Each is
// off unless a new YAML key or command-line option turns it on, so a
// plain nutcracker configuration and command line behave exactly as
// nutcracker's. nutcracker refuses a YAML key it does not know, so a file
// that uses one of the new keys is no longer a nutcracker configuration
// (the proxy still refuses every other unknown key as nutcracker does).
//
// reply_errors (pool key, true or false; default false): where
// nutcracker closes the client without a word (a command it does not
// support, a wrong number of arguments, an inline command, a key over the
// mbuf limit), the pool answers with the error the backend itself would
// give, in its turn among the replies, and keeps the connection
// (twemproxy #113, #600). Redis pools use Redis 7.0's texts ("-ERR unknown
// command 'keys', with args beginning with: '*' ", "-ERR wrong number of
// arguments for 'incr' command"); broken framing gets Redis's "-ERR
// Protocol error: ..." and then the close, as from Redis. memcache pools
// answer as memcached 1.6 does ("ERROR", "CLIENT_ERROR bad command line
// format", "CLIENT_ERROR bad data chunk"). The texts are in replyerr.go.
//
// --threads N (command line, 1 to 1024; default one loop): N loops, each
// on its own OS thread with its own pools, server connections and
// buffers, accepting on the same listen ports through SO_REUSEPORT, since
// one core is a nutcracker's ceiling (twemproxy #435, #465). Each loop
// connects to every server on its own (a server sees up to N x
// server_connections connections) and ejects servers on its own failure
// counts; a unix socket listener is served by the first loop only; the
// stats document is the sum over the loops, in nutcracker's layout.
// Details in threads.go. The extension options are matched only when
// spelled out in full, so "--t" still means --test-conf.
//
// --reload (command line): SIGHUP, after reopening the log as nutcracker
// does, re-reads the configuration file and applies it without dropping
// a client connection (twemproxy #6, #215). A file that fails validation
// keeps the running configuration, and the reason is logged. Pools are
// matched by listen address (they keep their listener, clients and
// counters and take the new directives and servers), servers by name (one
// whose address changed, or that is gone, has its connections retired:
// they deliver the replies owed, then close); new pools bind before
// anything changes, so a bind failure applies nothing; a removed pool
// stops listening and its clients are served by its old servers until
// they leave. Every loop of --threads applies the file. Details in
// reload.go.
//
// sentinels (pool key, a sequence of "host:port"; redis pools only): the
// pool's servers are the masters a set of Redis Sentinels monitors, and
// the proxy follows their failovers (twemproxy #67, #297, #443). Each
// server line must be named with its master's name at the sentinels
// ("127.0.0.1:6379:1 master-one"); the name is what ketama hashes, so a
// failover moves no key. On a link to one sentinel at a time
// (internal/redisasync on the loop), the proxy asks SENTINEL
// get-master-addr-by-name for every name and subscribes to
// +switch-master; a server whose master moves has its connections
// retired (owed replies delivered) and the next request goes to the new
// address; no other server is touched and no client connection is
// closed. The addresses in the file are used until a sentinel answers.
// When the link fails the proxy moves to the next sentinel of the list.
// Details in sentinel.go.
package main
