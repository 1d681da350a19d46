package mcproto

import (
	"strings"
	"testing"
)

// flags17 is the most flags mg, md and ma take (MaxMetaTokens); flags18 one
// more.
const (
	flags17 = "s v f t c h l k O1 u q T1 N1 R1 C1 D1 J1"
	flags18 = flags17 + " F1"
)

// metaCases are the meta commands: each flag as memcached 1.6.18 reads it
// and every refusal with its reply. The errors are also sent to the real
// memcached by TestMemcachedDifferential.
var metaCases = []commandCase{
	{"mg k\r\n", `mg key="k"`},
	{"mg k \r\n", `mg key="k"`},
	{"mg k v f s k t O123\r\n", `mg key="k" flags=[v f s k t O123] opaque=O123`},
	{"mg k c h l u q\r\n", `mg key="k" flags=[c h l u q]`},
	{"mg k T30 N15 R5\r\n", `mg key="k" flags=[T30 N15 R5] ttl=30 vivify=15 recache=5`},
	{"mg k T-1\r\n", `mg key="k" flags=[T-1] ttl=-1`},
	{"mg k T99999999999\r\n", `mg key="k" flags=[T99999999999] ttl=1215752191`}, // truncated to 32 bits as memcached does
	// The preparse accepts every flag any meta command knows.
	{"mg k I P L C5 D2 J3 F4 MS\r\n", `mg key="k" flags=[I P L C5 D2 J3 F4 MS] client-flags=4 compare-cas=5 initial=3 delta=2 mode=S`},
	{"mg a2V5 b v\r\n", `mg key="key" raw="a2V5" flags=[b v]`},
	{"mg a2V= b\r\n", `mg key="ke" raw="a2V=" flags=[b]`},
	{"mg =a2V b\r\n", `mg key="\x01\xad" raw="=a2V" flags=[b]`}, // the '=' counts as a pad
	{"mg YQ=a b\r\n", `mg key="a\x00" raw="YQ=a" flags=[b]`},
	{"mg k " + flags17 + "\r\n", `mg key="k" flags=[` + flags17 + `] ttl=1 vivify=1 recache=1 compare-cas=1 initial=1 delta=1 opaque=O1`},
	{"mg k O" + strings.Repeat("1", 31) + "\r\n", `mg key="k" flags=[O` + strings.Repeat("1", 31) + `] opaque=O` + strings.Repeat("1", 31)},
	{"mg\r\n", "error=ERROR"},
	{"mg " + longKey + " v\r\n", "error=CLIENT_ERROR bad command line format"},
	{"mg k " + flags18 + "\r\n", "error=CLIENT_ERROR options flags are too long"},
	{"mg k Z\r\n", "error=CLIENT_ERROR invalid flag"},
	{"mg k E5\r\n", "error=CLIENT_ERROR invalid flag"}, // not in 1.6.18
	{"mg k 5\r\n", "error=CLIENT_ERROR invalid flag"},
	{"mg k T 5\r\n", "error=CLIENT_ERROR invalid flag"},
	{"mg k v v\r\n", "error=CLIENT_ERROR duplicate flag"},
	{"mg k O1 O2\r\n", "error=CLIENT_ERROR duplicate flag"},
	{"mg k \x7f\r\n", "error=CLIENT_ERROR duplicate flag"},
	{"mg k \xff\r\n", "error=CLIENT_ERROR duplicate flag"},
	{"mg k Tx\r\n", "error=CLIENT_ERROR bad token in command line format"},
	{"mg k T\r\n", "error=CLIENT_ERROR bad token in command line format"},
	{"mg k Nx\r\n", "error=CLIENT_ERROR bad token in command line format"},
	{"mg k Rx\r\n", "error=CLIENT_ERROR bad token in command line format"},
	{"mg k Cx\r\n", "error=CLIENT_ERROR bad token in command line format"},
	{"mg k Fx\r\n", "error=CLIENT_ERROR bad command line format"},
	{"mg k F-1\r\n", "error=CLIENT_ERROR bad command line format"},
	{"mg k F4294967296\r\n", "error=CLIENT_ERROR bad command line format"}, // memcached: F0; refused here
	{"mg k Jx\r\n", "error=CLIENT_ERROR invalid numeric initial value"},
	{"mg k Dx\r\n", "error=CLIENT_ERROR invalid numeric delta value"},
	{"mg k M\r\n", "error=CLIENT_ERROR incorrect length for M token"},
	{"mg k MXY\r\n", "error=CLIENT_ERROR incorrect length for M token"},
	// A bad value does not stop the scan: the last message wins, but an
	// unknown or repeated flag stops it at once.
	{"mg k Fx Tx\r\n", "error=CLIENT_ERROR bad token in command line format"},
	{"mg k Tx Fx\r\n", "error=CLIENT_ERROR bad token in command line format"},
	{"mg k Tx Jx\r\n", "error=CLIENT_ERROR invalid numeric initial value"},
	{"mg k Jx Tx\r\n", "error=CLIENT_ERROR bad token in command line format"},
	{"mg k Jx Z\r\n", "error=CLIENT_ERROR invalid flag"},
	{"mg k Jx T1 T1\r\n", "error=CLIENT_ERROR duplicate flag"},
	{"mg k b\r\n", "error=CLIENT_ERROR error decoding key"},
	{"mg a2V b\r\n", "error=CLIENT_ERROR error decoding key"},
	{"mg a2V== b\r\n", "error=CLIENT_ERROR error decoding key"},
	{"mg a2V5=== b\r\n", "error=CLIENT_ERROR error decoding key"},
	{"mg ==== b\r\n", "error=CLIENT_ERROR error decoding key"},
	{"mg a2\x01V b\r\n", "error=CLIENT_ERROR error decoding key"},
	{"mg k O" + strings.Repeat("1", 32) + "\r\n", "error=CLIENT_ERROR opaque token too long"},
	{"mg k q Z\r\n", "error=CLIENT_ERROR invalid flag"}, // q never hides an error

	{"ms k 2\r\n", `ms key="k" bytes=2`},
	{"ms k 0 T-1 I c k O9 q\r\n", `ms key="k" bytes=0 flags=[T-1 I c k O9 q] ttl=-1 opaque=O9`},
	{"ms k 2 MS C7 F4294967295\r\n", `ms key="k" bytes=2 flags=[MS C7 F4294967295] client-flags=4294967295 compare-cas=7 mode=S`},
	{"ms k 1 ME\r\n", `ms key="k" bytes=1 flags=[ME] mode=E`},
	{"ms k 1 MA\r\n", `ms key="k" bytes=1 flags=[MA] mode=A`},
	{"ms k 1 MP\r\n", `ms key="k" bytes=1 flags=[MP] mode=P`},
	{"ms k 1 MR\r\n", `ms key="k" bytes=1 flags=[MR] mode=R`},
	{"ms a2V5 1 b\r\n", `ms key="key" bytes=1 raw="a2V5" flags=[b]`},
	{"ms k 1 " + flags17[:strings.LastIndexByte(flags17, ' ')] + "\r\n", `ms key="k" bytes=1 flags=[` + flags17[:strings.LastIndexByte(flags17, ' ')] + `] ttl=1 vivify=1 recache=1 compare-cas=1 delta=1 opaque=O1`},
	{"ms\r\n", "error=ERROR"},
	{"ms k\r\n", "error=CLIENT_ERROR bad command line format"},
	{"ms " + longKey + " 1\r\n", "error=CLIENT_ERROR bad command line format"},
	{"ms k x\r\n", "error=CLIENT_ERROR bad command line format"},
	{"ms k -1\r\n", "error=CLIENT_ERROR bad command line format"},
	{"ms k 2147483646\r\n", "error=CLIENT_ERROR bad command line format"},
	{"ms k 4294967297\r\n", "error=CLIENT_ERROR bad command line format"}, // memcached: 1 byte; refused here
	{"ms k 1 " + flags17 + "\r\n", "error=CLIENT_ERROR options flags too long"},
	// From here on the length was read: the data block is swallowed.
	{"ms k 2 Z\r\n", "error=CLIENT_ERROR invalid flag"},
	{"ms k 2 S1\r\n", "error=CLIENT_ERROR invalid flag"},
	{"ms k 2 T1 T1\r\n", "error=CLIENT_ERROR duplicate flag"},
	{"ms k 2 Tx\r\n", "error=CLIENT_ERROR bad token in command line format"},
	{"ms k 2 Fx\r\n", "error=CLIENT_ERROR bad command line format"},
	{"ms k 2 Cx\r\n", "error=CLIENT_ERROR bad token in command line format"},
	{"ms k 2 Jx\r\n", "error=CLIENT_ERROR invalid numeric initial value"},
	{"ms k 2 Dx\r\n", "error=CLIENT_ERROR invalid numeric delta value"},
	{"ms k 2 M\r\n", "error=CLIENT_ERROR incorrect length for M token"},
	{"ms k 2 MSS\r\n", "error=CLIENT_ERROR incorrect length for M token"},
	{"ms k 2 MZ\r\n", "error=CLIENT_ERROR invalid mode for ms M token"},
	{"ms k 2 Ms\r\n", "error=CLIENT_ERROR invalid mode for ms M token"},
	{"ms k 2 b\r\n", "error=CLIENT_ERROR error decoding key"},
	{"ms k 2 O" + strings.Repeat("1", 32) + "\r\n", "error=CLIENT_ERROR opaque token too long"},
	{"ms k 2 MZ O" + strings.Repeat("1", 32) + "\r\n", "error=CLIENT_ERROR invalid mode for ms M token"},
	{"ms k 2 q Z\r\n", "error=CLIENT_ERROR invalid flag"},

	{"md k\r\n", `md key="k"`},
	{"md k q C5 I T30 O1 k\r\n", `md key="k" flags=[q C5 I T30 O1 k] ttl=30 compare-cas=5 opaque=O1`},
	{"md k " + flags17 + "\r\n", `md key="k" flags=[` + flags17 + `] ttl=1 vivify=1 recache=1 compare-cas=1 initial=1 delta=1 opaque=O1`},
	{"md\r\n", "error=ERROR"},
	{"md " + longKey + "\r\n", "error=CLIENT_ERROR bad command line format"},
	{"md k " + flags18 + "\r\n", "error=CLIENT_ERROR options flags too long"},
	{"md k Z\r\n", "error=CLIENT_ERROR invalid or duplicate flag"},
	{"md k q q\r\n", "error=CLIENT_ERROR invalid or duplicate flag"},
	{"md k Tx\r\n", "error=CLIENT_ERROR invalid or duplicate flag"},
	{"md k b\r\n", "error=CLIENT_ERROR invalid or duplicate flag"},
	{"md k O" + strings.Repeat("1", 32) + "\r\n", "error=CLIENT_ERROR opaque token too long"},

	{"ma k\r\n", `ma key="k"`},
	{"ma k N0 J10 D5 MD T60 q t c v\r\n", `ma key="k" flags=[N0 J10 D5 MD T60 q t c v] ttl=60 initial=10 delta=5 mode=D`},
	{"ma k MI\r\n", `ma key="k" flags=[MI] mode=I`},
	{"ma k M+\r\n", `ma key="k" flags=[M+] mode=+`},
	{"ma k M-\r\n", `ma key="k" flags=[M-] mode=-`},
	{"ma\r\n", "error=ERROR"},
	{"ma " + longKey + "\r\n", "error=CLIENT_ERROR bad command line format"},
	{"ma k " + flags18 + "\r\n", "error=CLIENT_ERROR options flags too long"},
	{"ma k Mi\r\n", "error=CLIENT_ERROR invalid mode for ma M token"},
	{"ma k D1x\r\n", "error=CLIENT_ERROR invalid or duplicate flag"},
	{"ma k Z\r\n", "error=CLIENT_ERROR invalid or duplicate flag"},
	{"ma nokey O" + strings.Repeat("1", 32) + "\r\n", "error=CLIENT_ERROR opaque token too long"},

	{"mn\r\n", "mn"},
	{"mn x y\r\n", "mn"},
	{"me k\r\n", `me key="k"`},
	{"me k x b\r\n", `me key="k"`}, // b counts only right after the key
	{"me a2V5 b\r\n", `me key="key" raw="a2V5"`},
	{"me\r\n", "error=CLIENT_ERROR bad command line format"},
	{"me " + longKey + "\r\n", "error=CLIENT_ERROR bad command line format"},
	{"me k b\r\n", "error=CLIENT_ERROR bad command line format"},
	{"me a2= b\r\n", "error=CLIENT_ERROR bad command line format"},

	{"mz k\r\n", "error=ERROR"},
	{"m\r\n", "error=ERROR"},
}

// TestMetaFlagsOrder checks that a meta command's flags come back in
// request order, with Has and Quiet answering for each letter.
func TestMetaFlagsOrder(t *testing.T) {
	var p Parser
	req, _, err := p.Parse([]byte("mg k v f s k t O123 q\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	var letters []byte
	for _, f := range req.Meta.Flags {
		letters = append(letters, f.Letter)
	}
	if string(letters) != "vfsktOq" {
		t.Errorf("flags in order %q, want vfsktOq", letters)
	}
	for _, c := range []byte("vfsktOq") {
		if !req.Meta.Has(c) {
			t.Errorf("Has(%c) = false", c)
		}
	}
	for _, c := range []byte("bcThNV0") {
		if req.Meta.Has(c) {
			t.Errorf("Has(%c) = true", c)
		}
	}
	if !req.Meta.Quiet() {
		t.Error("Quiet() = false with q")
	}
	// The next request starts from a clean slate.
	req, _, _ = p.Parse([]byte("mg k\r\n"))
	if len(req.Meta.Flags) != 0 || req.Meta.Has('v') || req.Meta.Opaque != nil {
		t.Errorf("flags left over from the previous request: %s", summary(req, nil))
	}
}

// TestBase64Decode checks the key decoder against the inputs tried on
// memcached's (see metaCases for what the binary said).
func TestBase64Decode(t *testing.T) {
	cases := []struct{ in, out string }{
		{"a2V5", "key"}, {"a2V=", "ke"}, {"YQ==", "a"}, {"YQ=a", "a\x00"},
		{"a2V5a2V5", "keykey"}, {"a2\nV5", "key"}, // bytes outside the alphabet are skipped
		{"a2V5YQ==a2V5", "keya"}, // decoding stops after the padded group
		{"", ""}, {"a2V", ""}, {"a2V==", ""}, {"a2V5===", ""}, {"====", ""}, {"A===", ""},
	}
	for _, c := range cases {
		var buf [KeyMaxLength]byte
		n := base64Decode(buf[:], []byte(c.in))
		if string(buf[:n]) != c.out {
			t.Errorf("base64Decode(%q) = %q, want %q", c.in, buf[:n], c.out)
		}
	}
}
