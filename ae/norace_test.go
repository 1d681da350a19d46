//go:build !race

package ae

const raceEnabled = false
