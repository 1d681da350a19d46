package anet_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/goae/goae/anet"
)

// TestResolve: IP literals come back normalized whether ipOnly or not
// ("::1" → "::1", "0:0::1" → "::1", IPv4-mapped kept as inet_ntop prints
// it, a zone dropped); "localhost" (from /etc/hosts, no DNS) resolves to
// a loopback IP; with ipOnly, "localhost" and garbage are errors naming
// the input.
func TestResolve(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"127.0.0.1", "127.0.0.1"},
		{"::1", "::1"},
		{"0:0::1", "::1"},
		{"2001:DB8::1", "2001:db8::1"},
		{"::ffff:127.0.0.1", "::ffff:127.0.0.1"},
		{"fe80::1%1", "fe80::1"},
	} {
		for _, ipOnly := range []bool{false, true} {
			got, err := anet.Resolve(c.in, ipOnly)
			if err != nil || got != c.want {
				t.Errorf("Resolve(%q, %v) = %q, %v; want %q", c.in, ipOnly, got, err, c.want)
			}
		}
	}

	got, err := anet.Resolve("localhost", false)
	if err != nil {
		t.Fatalf("Resolve(localhost): %v", err)
	}
	if ip, err := netip.ParseAddr(got); err != nil || !ip.IsLoopback() {
		t.Errorf("Resolve(localhost) = %q, want a loopback IP", got)
	}

	for _, host := range []string{"localhost", "not an address", "1.2.3.4.5"} {
		got, err := anet.Resolve(host, true)
		if err == nil || got != "" {
			t.Errorf("Resolve(%q, ipOnly) = %q, %v; want an error", host, got, err)
			continue
		}
		if !strings.Contains(err.Error(), host) {
			t.Errorf("Resolve(%q, ipOnly) error %q does not name the host", host, err)
		}
	}
}
