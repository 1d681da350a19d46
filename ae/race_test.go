//go:build race

package ae

const raceEnabled = true
