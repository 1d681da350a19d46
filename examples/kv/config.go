package main

import (
	"math"
	"strconv"
	"strings"

	"github.com/goae/goae/internal/redisconf"
	"github.com/goae/goae/internal/resp"
)

// This file is config.c's machinery: the types of parameter (bool,
// string, enum, numeric, special), how each parses a value and prints
// it, and the lookup by name or alias. The table itself is in
// config_table.go, the special parameters in config_special.go.

// configFlags are a parameter's flags (config.c's *_CONFIG flags).
type configFlags uint16

const (
	modifiableConfig configFlags = 0
	immutableConfig  configFlags = 1 << iota // IMMUTABLE_CONFIG: CONFIG SET refuses it
	sensitiveConfig                          // SENSITIVE_CONFIG: a password
	hiddenConfig                             // HIDDEN_CONFIG: CONFIG GET patterns skip it
	protectedConfig                          // PROTECTED_CONFIG: needs enable-protected-configs
	multiArgConfig                           // MULTI_ARG_CONFIG: the value is split at spaces
)

// configKind is how a parameter's value is typed.
type configKind uint8

const (
	boolKind configKind = iota
	stringKind
	enumKind
	numericKind
	specialKind
)

// numericFlags say how a numeric value is written (INTEGER_CONFIG is 0).
type numericFlags uint8

const (
	memoryConfig  numericFlags = 1 << iota // MEMORY_CONFIG: 1gb, 100mb, 10k
	percentConfig                          // PERCENT_CONFIG: 5%, kept negative
	octalConfig                            // OCTAL_CONFIG: 0700
)

// configEnum is one name of an enum parameter.
type configEnum struct {
	name string
	val  int64
}

// numHome is where a numeric, bool or enum value lives: a config field,
// or kv's kept values for parameters that change nothing here.
type numHome struct {
	get func(*config) int64
	set func(*config, int64)
}

// strHome is where a string value lives; null is EMPTY_STRING_IS_NULL's
// NULL (not set at all).
type strHome struct {
	get func(*config) (v string, null bool)
	set func(c *config, v string, null bool)
}

// standardConfig is one parameter (config.c's standardConfig).
type standardConfig struct {
	name, alias string
	flags       configFlags
	kind        configKind

	// numeric: how it is stored and printed, its bounds and default.
	unsigned     bool // UINT, SIZE_T, ULONG_LONG: bounds compared as unsigned
	nflags       numericFlags
	lower, upper int64
	def          int64 // numeric, bool and enum default
	enum         []configEnum
	bitflags     bool // an enum whose names combine (shutdown-on-sigint)
	num          *numHome

	// string
	defStr      string
	defNull     bool // the default is NULL
	emptyIsNull bool // EMPTY_STRING_IS_NULL
	isValid     func(v string) string
	str         *strHome

	// special: get (CONFIG GET's value), set (on the split arguments:
	// "" or Redis's error) and rewrite.
	get     func(s *server) string
	set     func(c *config, argv []string) string
	rewrite func(s *server, st *redisconf.Rewrite, name string)

	// view, when set, replaces the value CONFIG GET replies with (port,
	// when kv picked a free one).
	view func(s *server) string
}

// configByName holds every name and alias, lowercase, as config.c's
// configs dict (whose keys compare case-insensitively).
var configByName = func() map[string]*standardConfig {
	m := make(map[string]*standardConfig, 2*len(configTable))
	for _, sc := range configTable {
		m[sc.name] = sc
		if sc.alias != "" {
			m[sc.alias] = sc
		}
	}
	return m
}()

// configNames are the names CONFIG GET's patterns are matched against:
// the names and the aliases, hidden ones left out.
var configNames = func() []string {
	var out []string
	for _, sc := range configTable {
		if sc.flags&hiddenConfig != 0 {
			continue
		}
		out = append(out, sc.name)
		if sc.alias != "" {
			out = append(out, sc.alias)
		}
	}
	return out
}()

// lookupConfig finds a parameter by name or alias, case-insensitively.
func lookupConfig(name string) *standardConfig { return configByName[strings.ToLower(name)] }

// value is the parameter's value as CONFIG GET replies it.
func (sc *standardConfig) value(s *server) string {
	if sc.view != nil {
		return sc.view(s)
	}
	return sc.format(&s.cfg, s)
}

// format is the value as config.c's get interface makes it.
func (sc *standardConfig) format(c *config, s *server) string {
	switch sc.kind {
	case boolKind:
		if sc.num.get(c) != 0 {
			return "yes"
		}
		return "no"
	case stringKind:
		v, _ := sc.str.get(c)
		return v
	case enumKind:
		return sc.enumName(sc.num.get(c))
	case numericKind:
		return sc.formatNumber(sc.num.get(c))
	}
	return sc.get(s)
}

// formatNumber is getNumericConfig's text.
func (sc *standardConfig) formatNumber(v int64) string {
	switch {
	case sc.nflags&percentConfig != 0 && v < 0:
		return strconv.FormatInt(-v, 10) + "%"
	case sc.nflags&memoryConfig != 0:
		return strconv.FormatUint(uint64(v), 10)
	case sc.nflags&octalConfig != 0:
		return strconv.FormatUint(uint64(v), 8)
	}
	return strconv.FormatInt(v, 10)
}

// enumName is configEnumGetName: the first name with the value, or for
// bit flags the names whose bits make it up.
func (sc *standardConfig) enumName(v int64) string {
	var names []string
	unmatched := v
	for _, e := range sc.enum {
		if e.val == v {
			return e.name
		}
		if sc.bitflags && e.val != 0 && e.val == unmatched&e.val {
			names = append(names, e.name)
			unmatched &^= e.val
		}
	}
	if len(names) == 0 || unmatched != 0 {
		return "unknown"
	}
	return strings.Join(names, " ")
}

// setValue sets the parameter from a CONFIG SET value or from a config
// file's arguments (argv: one for single-value parameters, the split
// value for multi-argument ones). It returns "" or Redis's error text.
func (sc *standardConfig) setValue(c *config, argv []string) string {
	switch sc.kind {
	case boolKind:
		switch strings.ToLower(argv[0]) {
		case "yes":
			if sc.isValid != nil {
				if err := sc.isValid("yes"); err != "" {
					return err
				}
			}
			sc.num.set(c, 1)
		case "no":
			sc.num.set(c, 0)
		default:
			return "argument must be 'yes' or 'no'"
		}
	case stringKind:
		if sc.isValid != nil {
			if err := sc.isValid(argv[0]); err != "" {
				return err
			}
		}
		sc.str.set(c, argv[0], sc.emptyIsNull && argv[0] == "")
	case enumKind:
		v, ok := sc.enumValue(argv)
		if !ok {
			names := make([]string, len(sc.enum))
			for i, e := range sc.enum {
				names[i] = e.name
			}
			return "argument(s) must be one of the following: " + strings.Join(names, ", ")
		}
		sc.num.set(c, v)
	case numericKind:
		v, err := sc.parseNumber(argv[0])
		if err != "" {
			return err
		}
		if err := sc.checkBounds(v); err != "" {
			return err
		}
		sc.num.set(c, v)
	case specialKind:
		return sc.set(c, argv)
	}
	return ""
}

// enumValue is configEnumGetValue.
func (sc *standardConfig) enumValue(argv []string) (int64, bool) {
	if len(argv) == 0 || (!sc.bitflags && len(argv) != 1) {
		return 0, false
	}
	var v int64
	for _, a := range argv {
		matched := false
		for _, e := range sc.enum {
			if strings.EqualFold(a, e.name) {
				v |= e.val
				matched = true
			}
		}
		if !matched {
			return 0, false
		}
	}
	return v, true
}

// parseNumber is numericParseString: a memory value, a percentage, an
// octal number or a plain integer, as the parameter's flags allow.
func (sc *standardConfig) parseNumber(s string) (int64, string) {
	if sc.nflags&memoryConfig != 0 {
		if v, ok := memtoull(s); ok {
			return int64(v), ""
		}
	}
	if sc.nflags&percentConfig != 0 && len(s) > 1 && s[len(s)-1] == '%' {
		if v, ok := resp.ParseInt([]byte(s[:len(s)-1])); ok && v >= 0 {
			return -v, ""
		}
	}
	if sc.nflags&octalConfig != 0 {
		if v, err := strconv.ParseInt(s, 8, 64); err == nil {
			return v, ""
		}
	}
	if sc.nflags == 0 {
		if v, ok := resp.ParseInt([]byte(s)); ok {
			return v, ""
		}
	}
	switch {
	case sc.nflags&memoryConfig != 0 && sc.nflags&percentConfig != 0:
		return 0, "argument must be a memory or percent value"
	case sc.nflags&memoryConfig != 0:
		return 0, "argument must be a memory value"
	case sc.nflags&octalConfig != 0:
		return 0, "argument couldn't be parsed as an octal number"
	}
	return 0, "argument couldn't be parsed into an integer"
}

// checkBounds is numericBoundaryCheck, with its texts.
func (sc *standardConfig) checkBounds(v int64) string {
	if sc.unsigned {
		u, lo, hi := uint64(v), uint64(sc.lower), uint64(sc.upper)
		if u > hi || u < lo {
			if sc.nflags&octalConfig != 0 {
				return "argument must be between " + strconv.FormatUint(lo, 8) + " and " + strconv.FormatUint(hi, 8) + " inclusive"
			}
			return "argument must be between " + strconv.FormatUint(lo, 10) + " and " + strconv.FormatUint(hi, 10) + " inclusive"
		}
		return ""
	}
	if sc.nflags&percentConfig != 0 && v < 0 {
		if v < sc.lower {
			return "percentage argument must be less or equal to " + strconv.FormatInt(-sc.lower, 10)
		}
		return ""
	}
	if v > sc.upper || v < sc.lower {
		return "argument must be between " + strconv.FormatInt(sc.lower, 10) + " and " + strconv.FormatInt(sc.upper, 10) + " inclusive"
	}
	return ""
}

// isDefault tells whether the value is the default (rewrite's "force").
func (sc *standardConfig) isDefault(c *config) bool {
	switch sc.kind {
	case stringKind:
		v, null := sc.str.get(c)
		return null == sc.defNull && (null || v == sc.defStr)
	case specialKind:
		return false
	}
	return sc.num.get(c) == sc.def
}

// memtoull is util.c's memtoull: digits and an optional unit (b, k, kb,
// m, mb, g, gb, any case). As in Redis, no digits is 0, the digits
// saturate at 2^64-1 (strtoull), and the multiplication wraps.
func memtoull(s string) (uint64, bool) {
	if strings.HasPrefix(s, "-") {
		return 0, false
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	var mul uint64
	switch strings.ToLower(s[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if i >= 128 { // the size of memtoull's digit buffer
		return 0, false
	}
	var v uint64
	if i > 0 {
		n, err := strconv.ParseUint(s[:i], 10, 64)
		if err != nil {
			n = math.MaxUint64 // strtoull's ERANGE, which Redis does not check
		}
		v = n
	}
	return v * mul, true
}

// Constructors, one per config.c create*Config macro. A nil home keeps
// the value in config.kept: the parameter is stored and reported only.

func boolConfig(name, alias string, flags configFlags, def bool, home *numHome) *standardConfig {
	d := int64(0)
	if def {
		d = 1
	}
	return &standardConfig{name: name, alias: alias, flags: flags, kind: boolKind, def: d, num: numOrKept(name, d, home)}
}

func enumConfig(name, alias string, flags configFlags, enum []configEnum, def int64, home *numHome) *standardConfig {
	return &standardConfig{name: name, alias: alias, flags: flags, kind: enumKind, enum: enum, def: def, num: numOrKept(name, def, home)}
}

// numConfig is createIntConfig and its kin: unsigned says the bounds
// compare as unsigned (UINT, SIZE_T, ULONG_LONG).
func numConfig(name, alias string, flags configFlags, unsigned bool, lower, upper, def int64, nflags numericFlags, home *numHome) *standardConfig {
	return &standardConfig{name: name, alias: alias, flags: flags, kind: numericKind, unsigned: unsigned,
		lower: lower, upper: upper, def: def, nflags: nflags, num: numOrKept(name, def, home)}
}

// stringConfig is createStringConfig/createSDSConfig; def "" with
// emptyIsNull is a NULL default.
func stringConfig(name, alias string, flags configFlags, emptyIsNull bool, def string, isValid func(string) string, home *strHome) *standardConfig {
	sc := &standardConfig{name: name, alias: alias, flags: flags, kind: stringKind, emptyIsNull: emptyIsNull,
		defStr: def, defNull: emptyIsNull && def == "", isValid: isValid, str: home}
	if home == nil {
		sc.str = keptString(name, def, sc.defNull)
	}
	return sc
}

func specialConfig(name, alias string, flags configFlags, set func(*config, []string) string, get func(*server) string, rewrite func(*server, *redisconf.Rewrite, string)) *standardConfig {
	return &standardConfig{name: name, alias: alias, flags: flags, kind: specialKind, set: set, get: get, rewrite: rewrite}
}

func numOrKept(name string, def int64, home *numHome) *numHome {
	if home != nil {
		return home
	}
	return &numHome{
		get: func(c *config) int64 {
			if v, ok := c.kept[name]; ok {
				return v.(int64)
			}
			return def
		},
		set: func(c *config, v int64) { c.keep(name, v) },
	}
}

// keptStringValue is a kept string parameter's value.
type keptStringValue struct {
	v    string
	null bool
}

func keptString(name, def string, defNull bool) *strHome {
	return &strHome{
		get: func(c *config) (string, bool) {
			if v, ok := c.kept[name]; ok {
				k := v.(keptStringValue)
				return k.v, k.null
			}
			return def, defNull
		},
		set: func(c *config, v string, null bool) { c.keep(name, keptStringValue{v, null}) },
	}
}

// keep stores a value of a parameter that has no field of its own.
func (c *config) keep(name string, v any) {
	if c.kept == nil {
		c.kept = map[string]any{}
	}
	c.kept[name] = v
}

// Homes in config fields.

func intField(f func(*config) *int) *numHome {
	return &numHome{get: func(c *config) int64 { return int64(*f(c)) }, set: func(c *config, v int64) { *f(c) = int(v) }}
}

func int64Field(f func(*config) *int64) *numHome {
	return &numHome{get: func(c *config) int64 { return *f(c) }, set: func(c *config, v int64) { *f(c) = v }}
}

func stringField(f func(*config) *string) *strHome {
	return &strHome{get: func(c *config) (string, bool) { return *f(c), *f(c) == "" },
		set: func(c *config, v string, _ bool) { *f(c) = v }}
}

// setParam sets one parameter as a config file line "name value" does
// (no immutability check), returning Redis's error text as an error.
func (c *config) setParam(name, value string) error {
	sc := lookupConfig(name)
	if sc == nil {
		return &configFileError{err: "Bad directive or wrong number of arguments"}
	}
	args := []string{value}
	if sc.flags&multiArgConfig != 0 {
		args = sc.splitValue(value)
	}
	if msg := sc.setValue(c, args); msg != "" {
		return &configFileError{err: msg}
	}
	return nil
}
