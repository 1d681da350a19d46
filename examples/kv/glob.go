package main

import "github.com/goae/goae/internal/glob"

// stringMatch is Redis's stringmatchlen (internal/glob.Match): KEYS, SCAN
// MATCH, COMMAND LIST FILTERBY PATTERN and CONFIG GET match with it. A lone
// "*" does not match the empty key; KEYS and SCAN treat it as "everything"
// before calling, as Redis does.
func stringMatch(pattern []byte, s string, nocase bool) bool { return glob.Match(pattern, s, nocase) }
