package redisconf

import (
	"reflect"
	"strings"
	"testing"
)

// TestRename: rename-command lines checked and applied in order, as
// Redis's config loader deletes the old name and then adds the new one.
// Expected: Redis's two errors; a command renamed to itself, to a name an
// earlier rename freed, or removed ("").
func TestRename(t *testing.T) {
	table := map[string]int{"ping": 1, "info": 2, "get": 3}
	var renames [][2]string
	for _, c := range []struct{ from, to, err string }{
		{"nosuch", "x", "No such command in rename-command"},
		{"PING", "info", "Target command name already exists"},
		{"ping", "PING", ""},
		{"INFO", "foo", ""},
		{"info", "bar", "No such command in rename-command"},
		{"get", "info", ""},
		{"foo", "", ""},
	} {
		if got := CheckRename(table, renames, c.from, c.to); got != c.err {
			t.Fatalf("CheckRename(%q, %q) = %q, want %q", c.from, c.to, got, c.err)
		}
		if c.err == "" {
			renames = append(renames, [2]string{strings.ToLower(c.from), strings.ToLower(c.to)})
		}
	}
	ApplyRenames(table, renames)
	if want := map[string]int{"ping": 1, "info": 3}; !reflect.DeepEqual(table, want) {
		t.Errorf("table %v, want %v", table, want)
	}
}
