package resp

import (
	"math"
	"testing"
)

// TestAppend encodes each kind of reply after some existing bytes and
// expects the exact RESP2 bytes Redis sends for it, the prefix kept.
func TestAppend(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"simple string", AppendSimpleString(nil, "OK"), "+OK\r\n"},
		{"simple string with CRLF", AppendSimpleString(nil, "a\r\nb"), "+a  b\r\n"},
		{"error gets -ERR", AppendError(nil, "Protocol error: invalid bulk length"), "-ERR Protocol error: invalid bulk length\r\n"},
		{"error with its own code", AppendError(nil, "-WRONGTYPE bad"), "-WRONGTYPE bad\r\n"},
		{"error CR LF inside become spaces", AppendError(nil, "bad\r\nthing\rhere\n"), "-ERR bad  thing here\r\n"},
		{"error CR LF at the ends are trimmed", AppendError(nil, "\r\n-CODE x\r\n"), "-CODE x\r\n"},
		{"empty error", AppendError(nil, ""), "-ERR \r\n"},
		{"integer", AppendInt(nil, 42), ":42\r\n"},
		{"negative integer", AppendInt(nil, math.MinInt64), ":-9223372036854775808\r\n"},
		{"zero is shared.czero", AppendInt(nil, 0), Zero},
		{"one is shared.cone", AppendInt(nil, 1), One},
		{"bulk", AppendBulk(nil, []byte("hello")), "$5\r\nhello\r\n"},
		{"bulk binary", AppendBulk(nil, []byte("a\r\n\x00")), "$4\r\na\r\n\x00\r\n"},
		{"empty bulk", AppendBulk(nil, nil), EmptyBulk},
		{"bulk string", AppendBulkString(nil, "hi"), "$2\r\nhi\r\n"},
		{"bulk int", AppendBulkInt(nil, -12), "$3\r\n-12\r\n"},
		{"null bulk", AppendNullBulk(nil), "$-1\r\n"},
		{"array header", AppendArrayLen(nil, 3), "*3\r\n"},
		{"empty array", AppendArrayLen(nil, 0), EmptyArray},
		{"null array", AppendNullArray(nil), "*-1\r\n"},
		{"command", AppendCommand(nil, "SET", "k", ""), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"},
		{"appends after existing bytes", AppendInt([]byte("+OK\r\n"), 7), "+OK\r\n:7\r\n"},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// TestAppendBulkDouble formats doubles and expects C's "%.17g" as bulk
// strings (the expected texts come from printf), and inf/-inf/nan.
func TestAppendBulkDouble(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{1.1, "1.1000000000000001"},
		{0.1, "0.10000000000000001"},
		{1e300, "1.0000000000000001e+300"},
		{1e-5, "1.0000000000000001e-05"},
		{0.0001, "0.0001"},
		{1e17, "1e+17"},
		{1e16, "10000000000000000"},
		{123456789012345678, "1.2345678901234568e+17"},
		{5e-324, "4.9406564584124654e-324"},
		{-2.5, "-2.5"},
		{0, "0"},
		{math.Copysign(0, -1), "-0"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{3, "3"},
		{100, "100"},
		{1.0 / 3, "0.33333333333333331"},
		{2.5e-5, "2.5000000000000001e-05"},
		{12345.678, "12345.678"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
		{math.NaN(), "nan"},
	}
	for _, tt := range tests {
		got := string(AppendBulkDouble(nil, tt.f))
		if want := string(AppendBulkString(nil, tt.want)); got != want {
			t.Errorf("AppendBulkDouble(%v) = %q, want %q", tt.f, got, want)
		}
	}
}

// TestAppendAllocs writes a mix of replies into a buffer with enough
// capacity and expects no allocation.
func TestAppendAllocs(t *testing.T) {
	buf := make([]byte, 0, 4096)
	if allocs := testing.AllocsPerRun(100, func() { buf = appendMix(buf[:0]) }); allocs != 0 {
		t.Errorf("writing replies allocated %v times per run, want 0", allocs)
	}
}

var benchValue = []byte("value-0123456789")

// appendMix writes one of each common reply.
func appendMix(b []byte) []byte {
	b = append(b, OK...)
	b = AppendSimpleString(b, "PONG")
	b = AppendError(b, "Protocol error: invalid bulk length")
	b = AppendInt(b, 1234567)
	b = AppendBulk(b, benchValue)
	b = AppendBulkString(b, "value")
	b = AppendBulkInt(b, -42)
	b = AppendBulkDouble(b, 3.14)
	b = AppendNullBulk(b)
	b = AppendArrayLen(b, 2)
	b = AppendNullArray(b)
	return b
}
