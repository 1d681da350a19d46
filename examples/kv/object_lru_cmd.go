package main

// objectLRUCommands is a temporary OBJECT with only the subcommands of
// the LRU/LFU work, IDLETIME and FREQ, for their tests; the OBJECT of
// object.go (ENCODING, REFCOUNT, HELP) takes these two in when the
// branches merge, and this file goes.
var objectLRUCommands = []*command{
	{name: "object", arity: -2, subcommands: subcommandMap(
		&command{name: "object|idletime", arity: 3, flags: cmdReadonly, proc: objectIdletimeCommand, firstKey: 2, lastKey: 2, keyStep: 1},
		&command{name: "object|freq", arity: 3, flags: cmdReadonly, proc: objectFreqCommand, firstKey: 2, lastKey: 2, keyStep: 1},
	)},
}
