package main

// The "user" directive: the part of acl.c a sentinel.conf needs. Redis
// checks each "user NAME RULES..." line when it reads it
// (ACLAppendUserForLoading), creates the users after the whole file
// (ACLLoadConfiguredUsers, which resets a user the file names, "default"
// included), and the rewrite writes every user back as ACLDescribeUser
// describes it, one line each in name order.
//
// Supported rules: on, off, nopass, resetpass, >pass, <pass, #hash, !hash,
// ~pattern (and %R~ / %W~ / %RW~ forms, kept as written), allkeys,
// resetkeys, &pattern, allchannels, resetchannels, +@all / allcommands,
// -@all / nocommands, reset, and +name / -name for commands and @categories,
// which are kept as rules without a command table to check them against.
// Selectors ("(...)") and subcommand bitmaps are not modelled.

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
)

// aclUser is one ACL user as far as its description goes.
type aclUser struct {
	name            string
	enabled         bool
	nopass          bool
	skipSanitize    bool     // skip-sanitize-payload
	sanitizePayload bool     // sanitize-payload, which "reset" sets
	passwords       []string // SHA-256 hex
	allKeys         bool
	keys            []string // patterns with their ~ / %R~ prefix
	allChannels     bool
	channels        []string // without the &
	allCommands     bool     // the command rules start from +@all, else -@all
	rules           []string // "+name" / "-name" after that base
}

// newDefaultUser is ACLInitDefaultUser: "default on nopass ~* &* +@all".
func newDefaultUser() *aclUser {
	return &aclUser{name: "default", enabled: true, nopass: true, allKeys: true, allChannels: true, allCommands: true}
}

// newACLUser is ACLCreateUser's user: off, no passwords, no keys, no
// channels (acl-pubsub-default is resetchannels in 7.0), -@all.
func newACLUser(name string) *aclUser { return &aclUser{name: name} }

// defaultUser returns the default user.
func (c *sentinelConfig) defaultUser() *aclUser {
	for _, u := range c.users {
		if u.name == "default" {
			return u
		}
	}
	u := newDefaultUser()
	c.users = append(c.users, u)
	return u
}

// setPassword is ACLUpdateDefaultUserPassword, what requirepass does: the
// password becomes the only one, or the user nopass when it is empty.
func (u *aclUser) setPassword(pass string) {
	u.passwords = nil
	u.nopass = pass == ""
	if pass != "" {
		u.passwords = []string{hashPassword(pass)}
	}
}

func hashPassword(pass string) string {
	h := sha256.Sum256([]byte(pass))
	return hex.EncodeToString(h[:])
}

// appendUserForLoading mirrors ACLAppendUserForLoading: argv is "user NAME
// RULES...", checked rule by rule and queued for loadConfiguredUsers. A bad
// rule is reported as Redis 7.0 reports it, naming the argument two places
// before the bad rule (argv[argc_err] where argc_err counts from the
// rules), which for the first rule is "user".
func (c *sentinelConfig) appendUserForLoading(argv []string) string {
	u := newACLUser(argv[1])
	for j := 2; j < len(argv); j++ {
		if !u.setRule(argv[j]) {
			return "Error in user declaration '" + argv[j-2] + "': Syntax error"
		}
	}
	c.usersToLoad = append(c.usersToLoad, argv[1:])
	return ""
}

// loadConfiguredUsers mirrors ACLLoadConfiguredUsers, run once the whole
// config is read (after requirepass has set the default user's password):
// each queued user is created, or, if it exists (the default user), reset
// first, and its rules applied.
func (c *sentinelConfig) loadConfiguredUsers() {
	for _, spec := range c.usersToLoad {
		u := newACLUser(spec[0])
		for i, old := range c.users {
			if old.name == u.name {
				u.setRule("reset")
				c.users[i] = u
				u = nil
				break
			}
		}
		if u == nil {
			u = c.users[indexOfUser(c.users, spec[0])]
		} else {
			c.users = append(c.users, u)
		}
		for _, r := range spec[1:] {
			u.setRule(r)
		}
	}
	c.usersToLoad = nil
}

func indexOfUser(us []*aclUser, name string) int {
	for i, u := range us {
		if u.name == name {
			return i
		}
	}
	return -1
}

// setRule is ACLSetUser for one rule, on the rules listed in the file
// comment. It reports false for a rule it does not know.
func (u *aclUser) setRule(op string) bool {
	lop := strings.ToLower(op)
	switch lop {
	case "on":
		u.enabled = true
		return true
	case "off":
		u.enabled = false
		return true
	case "nopass":
		u.nopass = true
		u.passwords = nil
		return true
	case "resetpass":
		u.nopass = false
		u.passwords = nil
		return true
	case "allkeys", "~*":
		u.allKeys = true
		u.keys = nil
		return true
	case "resetkeys":
		u.allKeys = false
		u.keys = nil
		return true
	case "allchannels", "&*":
		u.allChannels = true
		u.channels = nil
		return true
	case "resetchannels":
		u.allChannels = false
		u.channels = nil
		return true
	case "allcommands", "+@all":
		u.allCommands = true
		u.rules = nil
		return true
	case "nocommands", "-@all":
		u.allCommands = false
		u.rules = nil
		return true
	case "reset":
		*u = aclUser{name: u.name, sanitizePayload: true}
		return true
	case "sanitize-payload":
		u.sanitizePayload, u.skipSanitize = true, false
		return true
	case "skip-sanitize-payload":
		u.sanitizePayload, u.skipSanitize = false, true
		return true
	}
	if op == "" {
		return false
	}
	switch op[0] {
	case '>':
		u.addPassword(hashPassword(op[1:]))
	case '#':
		h := op[1:]
		if len(h) != 64 || strings.ToLower(h) != h {
			return false
		}
		if _, err := hex.DecodeString(h); err != nil {
			return false
		}
		u.addPassword(h)
	case '<':
		u.removePassword(hashPassword(op[1:]))
	case '!':
		u.removePassword(op[1:])
	case '~', '%':
		if op[0] == '%' && !strings.Contains(op, "~") {
			return false
		}
		if u.allKeys {
			return false
		}
		if !contains(u.keys, op) {
			u.keys = append(u.keys, op)
		}
	case '&':
		if u.allChannels {
			return false
		}
		if !contains(u.channels, op[1:]) {
			u.channels = append(u.channels, op[1:])
		}
	case '+', '-':
		if len(op) == 1 {
			return false
		}
		u.addCommandRule(lop)
	default:
		return false
	}
	return true
}

func (u *aclUser) addPassword(h string) {
	u.nopass = false
	if !contains(u.passwords, h) {
		u.passwords = append(u.passwords, h)
	}
}

func (u *aclUser) removePassword(h string) {
	for i, p := range u.passwords {
		if p == h {
			u.passwords = append(u.passwords[:i], u.passwords[i+1:]...)
			return
		}
	}
}

// addCommandRule keeps the command rules as ACLDescribeSelectorCommandRules
// writes them: a later rule for the same name replaces the earlier one, and
// a command rule that only restates the base (-cmd after -@all, +cmd after
// +@all, with no category in between) is dropped.
func (u *aclUser) addCommandRule(rule string) {
	name := rule[1:]
	kept := u.rules[:0]
	for _, r := range u.rules {
		if r[1:] != name {
			kept = append(kept, r)
		}
	}
	u.rules = kept
	if !strings.HasPrefix(name, "@") && (rule[0] == '+') == u.allCommands {
		hasCategory := false
		for _, r := range u.rules {
			if strings.HasPrefix(r[1:], "@") {
				hasCategory = true
			}
		}
		if !hasCategory {
			return
		}
	}
	u.rules = append(u.rules, rule)
}

// describe is ACLDescribeUser: flags, passwords, keys, channels, commands.
func (u *aclUser) describe() string {
	var parts []string
	if u.enabled {
		parts = append(parts, "on")
	} else {
		parts = append(parts, "off")
	}
	if u.nopass {
		parts = append(parts, "nopass")
	}
	if u.skipSanitize {
		parts = append(parts, "skip-sanitize-payload")
	}
	if u.sanitizePayload {
		parts = append(parts, "sanitize-payload")
	}
	for _, p := range u.passwords {
		parts = append(parts, "#"+p)
	}
	if u.allKeys {
		parts = append(parts, "~*")
	} else {
		parts = append(parts, u.keys...)
	}
	if u.allChannels {
		parts = append(parts, "&*")
	} else {
		parts = append(parts, "resetchannels")
		for _, ch := range u.channels {
			parts = append(parts, "&"+ch)
		}
	}
	if u.allCommands {
		parts = append(parts, "+@all")
	} else {
		parts = append(parts, "-@all")
	}
	parts = append(parts, u.rules...)
	return strings.Join(parts, " ")
}

// sortedUsers returns the users in the order of Redis's Users rax: by
// name, bytewise.
func (c *sentinelConfig) sortedUsers() []*aclUser {
	us := append([]*aclUser{}, c.users...)
	sort.Slice(us, func(i, j int) bool { return us[i].name < us[j].name })
	return us
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
