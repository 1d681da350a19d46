package resp

import (
	"math"
	"testing"
)

// The RESP3 encoders against the bytes redis-server 7.0.15 sent to a
// client after HELLO 3 (read from the socket: ZSCORE of 1.1 and of inf,
// HGETALL, SMEMBERS, GET of a missing key, a timed-out BLPOP, INFO), and
// the forms Redis's networking.c gives for the rest.
func TestAppendRESP3(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  []byte
		want string
	}{
		{"ZSCORE 1.1", AppendDouble(nil, 1.1), ",1.1000000000000001\r\n"},
		{"ZSCORE inf", AppendDouble(nil, math.Inf(1)), ",inf\r\n"},
		{"-inf", AppendDouble(nil, math.Inf(-1)), ",-inf\r\n"},
		{"integral double", AppendDouble(nil, 3), ",3\r\n"},
		{"tiny double", AppendDouble(nil, 1e-5), ",1.0000000000000001e-05\r\n"},
		{"HGETALL header", AppendMapLen(nil, 1), "%1\r\n"},
		{"SMEMBERS header", AppendSetLen(nil, 1), "~1\r\n"},
		{"GET nokey / BLPOP timeout", AppendNull3(nil), "_\r\n"},
		{"push", AppendPushLen(nil, 3), ">3\r\n"},
		{"attribute", AppendAttributeLen(nil, 2), "|2\r\n"},
		{"true", AppendBool(nil, true), "#t\r\n"},
		{"false", AppendBool(nil, false), "#f\r\n"},
		{"INFO keyspace", AppendVerbatim(nil, "# Keyspace\r\ndb0:keys=4,expires=0,avg_ttl=0\r\n", "txt"),
			"=48\r\ntxt:# Keyspace\r\ndb0:keys=4,expires=0,avg_ttl=0\r\n\r\n"},
		{"empty verbatim", AppendVerbatim(nil, "", "txt"), "=4\r\ntxt:\r\n"},
		{"big number", AppendBigNumber(nil, "3492890328409238509324850943850943825024385"), "(3492890328409238509324850943850943825024385\r\n"},
		{"human double", AppendDoubleText(nil, "10.5"), ",10.5\r\n"},
	} {
		if string(tc.got) != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

// ReadReply on RESP3 input: each type as redis-server 7.0.15 sends it,
// whole and cut at every byte (a cut reply must read as incomplete, never
// as an error or a shorter reply), and malformed headers refused.
func TestReadReplyRESP3(t *testing.T) {
	for _, tc := range []struct {
		in    string
		typ   byte
		elems int
	}{
		{"%1\r\n$1\r\nf\r\n$1\r\nv\r\n", '%', 2},
		{"~2\r\n$1\r\nx\r\n$1\r\ny\r\n", '~', 2},
		{">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n", '>', 2},
		{">2\r\n$10\r\ninvalidate\r\n_\r\n", '>', 2},
		{"_\r\n", '_', 0},
		{"#t\r\n", '#', 0},
		{",1.1000000000000001\r\n", ',', 0},
		{"(12345678901234567890\r\n", '(', 0},
		{"=8\r\ntxt:a\r\nb\r\n", '=', 0},
		{"!5\r\nERR x\r\n", '!', 0},
		{"|1\r\n+key-popularity\r\n%0\r\n:7\r\n", ':', 0},
	} {
		r, n, err := ReadReply([]byte(tc.in))
		if err != nil || n != len(tc.in) || r.Type != tc.typ || len(r.Array) != tc.elems {
			t.Errorf("%q: type %q, %d elements, n=%d, err %v", tc.in, r.Type, len(r.Array), n, err)
		}
		for cut := 0; cut < len(tc.in); cut++ {
			if _, n, err := ReadReply([]byte(tc.in[:cut])); n != 0 || err != nil {
				t.Errorf("%q cut at %d: n=%d err=%v, want incomplete", tc.in, cut, n, err)
			}
		}
	}
	for _, bad := range []string{"_x\r\n", "#x\r\n", ",\r\n", "%-1\r\n", "=-1\r\n", "~-1\r\n"} {
		if _, _, err := ReadReply([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if r, _, _ := ReadReply([]byte("#t\r\n")); r.Int != 1 {
		t.Errorf("#t read as %d", r.Int)
	}
}
