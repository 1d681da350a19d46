package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/goae/goae/internal/redisconf"
)

// Input: kv's configTable and internal/redisconf's Parameters (the names,
// aliases and value kinds of config.c's static_configs, which the sentinel
// accepts its server directives by). Expected: the same parameters in the
// same order, each of the same kind: the two say the same thing about
// Redis 7.0.15, one with what kv does with each parameter, one for a
// server that only keeps them.
func TestConfigTableMatchesRedisconf(t *testing.T) {
	kind := func(sc *standardConfig) redisconf.Kind {
		multi := sc.flags&multiArgConfig != 0
		switch sc.kind {
		case boolKind:
			return redisconf.Bool
		case stringKind:
			if sc.emptyIsNull {
				return redisconf.NullString
			}
			return redisconf.String
		case enumKind:
			if multi { // shutdown-on-sigint/sigterm take several names
				return redisconf.MultiArg
			}
			return redisconf.Enum
		case numericKind:
			return redisconf.Number
		}
		if multi {
			return redisconf.MultiArg
		}
		return redisconf.Special
	}
	line := func(name, alias string, k redisconf.Kind) string {
		if alias != "" {
			name += "|" + alias
		}
		return fmt.Sprintf("%s %c", name, k)
	}
	var ours, shared []string
	for _, sc := range configTable {
		ours = append(ours, line(sc.name, sc.alias, kind(sc)))
	}
	for _, p := range redisconf.Parameters {
		shared = append(shared, line(p.Name, p.Alias, p.Kind))
		if got := redisconf.LookupParameter(p.Name); got == nil || got.Name != p.Name {
			t.Errorf("LookupParameter(%q) = %v", p.Name, got)
		}
		if p.Alias != "" {
			if got := redisconf.LookupParameter(p.Alias); got == nil || got.Name != p.Name {
				t.Errorf("LookupParameter(%q) = %v", p.Alias, got)
			}
		}
	}
	if len(ours) < 170 {
		t.Fatalf("configTable has %d parameters", len(ours))
	}
	if a, b := strings.Join(ours, "\n"), strings.Join(shared, "\n"); a != b {
		for i := 0; i < max(len(ours), len(shared)); i++ {
			var o, s string
			if i < len(ours) {
				o = ours[i]
			}
			if i < len(shared) {
				s = shared[i]
			}
			if o != s {
				t.Errorf("parameter %d: kv %q, redisconf %q", i, o, s)
				break
			}
		}
	}
	if redisconf.LookupParameter("no-such-parameter") != nil {
		t.Error("LookupParameter found an unknown name")
	}
}
