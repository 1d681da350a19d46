//go:build !race

package main

// raceEnabled is true under the race detector, which makes the
// large-scale tests many times slower: they scale themselves down.
const raceEnabled = false
