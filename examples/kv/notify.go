package main

import "strconv"

// Keyspace notifications (Redis 7.0's notify.c): with
// notify-keyspace-events set, each change a command makes to a key is
// published as a pub/sub message, on __keyspace@<db>__:<key> with the
// event as the message, and on __keyevent@<db>__:<event> with the key,
// as the K and E letters ask, for the classes of events the other letters
// select. The commands call notifyKeyspaceEvent where Redis's do, in the
// same order; with the setting empty (the default) a call is one load and
// a branch.

// Event classes (NOTIFY_*), the letters of notify-keyspace-events.
const (
	notifyKeyspace = 1 << iota // K: __keyspace@<db>__ channels
	notifyKeyevent             // E: __keyevent@<db>__ channels
	notifyGeneric              // g: DEL, EXPIRE, RENAME, ...
	notifyString               // $
	notifyList                 // l
	notifySet                  // s
	notifyHash                 // h
	notifyZset                 // z
	notifyExpired              // x
	notifyEvicted              // e
	notifyStream               // t
	notifyKeyMiss              // m: a read of a missing key
	notifyLoaded               // (modules only)
	notifyModule               // d
	notifyNew                  // n: a key created
	// notifyAll is "A": every class but m and n.
	notifyAll = notifyGeneric | notifyString | notifyList | notifySet | notifyHash | notifyZset |
		notifyExpired | notifyEvicted | notifyStream | notifyModule
)

// notifyClassErr is CONFIG SET's refusal of an unknown letter.
const notifyClassErr = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."

// keyspaceEventsStringToFlags parses notify-keyspace-events; ok is false
// for a letter it does not know.
func keyspaceEventsStringToFlags(s string) (flags int, ok bool) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'A':
			flags |= notifyAll
		case 'g':
			flags |= notifyGeneric
		case '$':
			flags |= notifyString
		case 'l':
			flags |= notifyList
		case 's':
			flags |= notifySet
		case 'h':
			flags |= notifyHash
		case 'z':
			flags |= notifyZset
		case 'x':
			flags |= notifyExpired
		case 'e':
			flags |= notifyEvicted
		case 'K':
			flags |= notifyKeyspace
		case 'E':
			flags |= notifyKeyevent
		case 't':
			flags |= notifyStream
		case 'm':
			flags |= notifyKeyMiss
		case 'd':
			flags |= notifyModule
		case 'n':
			flags |= notifyNew
		default:
			return 0, false
		}
	}
	return flags, true
}

// keyspaceEventsFlagsToString is CONFIG GET's form: "A" for all the
// classes it covers (then n is not shown, as in Redis), else each letter,
// then K, E and m.
func keyspaceEventsFlagsToString(flags int) string {
	var b []byte
	if flags&notifyAll == notifyAll {
		b = append(b, 'A')
	} else {
		for _, f := range []struct {
			flag int
			c    byte
		}{
			{notifyGeneric, 'g'}, {notifyString, '$'}, {notifyList, 'l'}, {notifySet, 's'}, {notifyHash, 'h'},
			{notifyZset, 'z'}, {notifyExpired, 'x'}, {notifyEvicted, 'e'}, {notifyStream, 't'}, {notifyModule, 'd'},
			{notifyNew, 'n'},
		} {
			if flags&f.flag != 0 {
				b = append(b, f.c)
			}
		}
	}
	if flags&notifyKeyspace != 0 {
		b = append(b, 'K')
	}
	if flags&notifyKeyevent != 0 {
		b = append(b, 'E')
	}
	if flags&notifyKeyMiss != 0 {
		b = append(b, 'm')
	}
	return string(b)
}

// notify is notifyKeyspaceEvent in the client's database.
func (s *server) notify(typ int, event string, key []byte) {
	if s.notifyFlags&typ != 0 {
		s.notifyKeyspaceEvent(typ, event, key, s.db.id)
	}
}

// notifyKeyspaceEvent publishes event about key in database dbid, if the
// class typ is enabled (notifyKeyspaceEvent).
func (s *server) notifyKeyspaceEvent(typ int, event string, key []byte, dbid int) {
	if s.notifyFlags&typ == 0 {
		return
	}
	db := strconv.Itoa(dbid)
	if s.notifyFlags&notifyKeyspace != 0 {
		ch := make([]byte, 0, 16+len(key))
		ch = append(append(append(append(ch, "__keyspace@"...), db...), "__:"...), key...)
		s.pubsubPublishMessage(ch, []byte(event), pubsubGlobal)
	}
	if s.notifyFlags&notifyKeyevent != 0 {
		ch := make([]byte, 0, 16+len(event))
		ch = append(append(append(append(ch, "__keyevent@"...), db...), "__:"...), event...)
		s.pubsubPublishMessage(ch, key, pubsubGlobal)
	}
}
