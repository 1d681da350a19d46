package anet

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// lookup returns the addresses of host in family af (AF_INET, AF_INET6 or
// AF_UNSPEC), first one first, like getaddrinfo(3) with that ai_family.
// numericOnly is AI_NUMERICHOST: host must be an IP address literal,
// possibly with a zone ("fe80::1%eth0").
//
// Literals never reach the resolver. Names go to net.DefaultResolver,
// which reads /etc/hosts and asks DNS as the C library would.
func lookup(host string, af int, numericOnly bool) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		if (af == unix.AF_INET && !ip.Is4()) || (af == unix.AF_INET6 && !ip.Is6()) {
			return nil, &net.AddrError{Err: "no suitable address found", Addr: host}
		}
		return []netip.Addr{ip}, nil
	}
	if numericOnly {
		return nil, &net.ParseError{Type: "IP address", Text: host}
	}
	network := "ip"
	switch af {
	case unix.AF_INET:
		network = "ip4"
	case unix.AF_INET6:
		network = "ip6"
	}
	ips, err := net.DefaultResolver.LookupIP(context.Background(), network, host)
	if err != nil {
		// *net.DNSError and *net.AddrError both name host.
		return nil, err
	}
	addrs := make([]netip.Addr, 0, len(ips))
	for _, ip := range ips {
		// The resolver may hand IPv4 addresses in their 16-byte form;
		// getaddrinfo would return them as AF_INET. (An IPv6-only
		// lookup has none, and IPv4-mapped answers stay IPv6.)
		if ip4 := ip.To4(); ip4 != nil && af != unix.AF_INET6 {
			ip = ip4
		}
		if a, ok := netip.AddrFromSlice(ip); ok {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		return nil, &net.AddrError{Err: "no suitable address found", Addr: host}
	}
	return addrs, nil
}

// family returns the address family of ip, for socket(2).
func family(ip netip.Addr) int {
	if ip.Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

// checkPort rejects ports that do not fit in 16 bits. (Redis formats the
// port into a 6-byte buffer for getaddrinfo, which silently truncates
// larger numbers.)
func checkPort(port int) error {
	if port < 0 || port > 65535 {
		return &net.AddrError{Err: "invalid port", Addr: strconv.Itoa(port)}
	}
	return nil
}

// sockaddr builds the socket address for ip and port. An IPv6 zone, given
// by interface name or number, becomes the scope id.
func sockaddr(ip netip.Addr, port int) (unix.Sockaddr, error) {
	if ip.Is4() {
		return &unix.SockaddrInet4{Port: port, Addr: ip.As4()}, nil
	}
	sa := &unix.SockaddrInet6{Port: port, Addr: ip.As16()}
	if zone := ip.Zone(); zone != "" {
		if n, err := strconv.ParseUint(zone, 10, 32); err == nil {
			sa.ZoneId = uint32(n)
		} else if ifi, err := net.InterfaceByName(zone); err == nil {
			sa.ZoneId = uint32(ifi.Index)
		} else {
			return nil, &net.AddrError{Err: "unknown zone", Addr: ip.String()}
		}
	}
	return sa, nil
}

// sockaddrIPPort turns a socket address into the text form Redis uses:
// inet_ntop(3) for IPv4 and IPv6 (no zone, and IPv4-mapped addresses as
// "::ffff:a.b.c.d"), "/unixsocket" with port 0 for unix sockets.
func sockaddrIPPort(sa unix.Sockaddr) (ip string, port int, ok bool) {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrFrom4(sa.Addr).String(), sa.Port, true
	case *unix.SockaddrInet6:
		return netip.AddrFrom16(sa.Addr).String(), sa.Port, true
	case *unix.SockaddrUnix:
		return "/unixsocket", 0, true
	}
	return "?", 0, false
}

// Resolve returns the first address of host as text, "127.0.0.1" or
// "::1" (anetResolve). IPv4 and IPv6 are both looked up (AF_UNSPEC).
//
// With ipOnly (ANET_IP_ONLY), host must already be an IP address: a name
// is an error and nothing is looked up, which turns Resolve into a
// validating and normalizing function ("0:0::1" gives "::1").
//
// Errors name host: "lookup nosuch.example: no such host", or
// "invalid IP address: localhost" with ipOnly.
func Resolve(host string, ipOnly bool) (string, error) {
	addrs, err := lookup(host, unix.AF_UNSPEC, ipOnly)
	if err != nil {
		return "", err
	}
	// inet_ntop does not print the zone.
	return addrs[0].WithZone("").String(), nil
}

// FdToString returns the address of one end of socket fd (anetFdToString):
// the peer's with kind PeerName, the local one with SockName (any other
// kind counts as SockName, as in Redis). IPv4 and IPv6 addresses come as
// text without brackets; a unix socket gives "/unixsocket" and port 0.
//
// On failure ip is "?" and port 0, ready to print, and err says why, for
// example "getpeername: transport endpoint is not connected".
func FdToString(fd, kind int) (ip string, port int, err error) {
	var sa unix.Sockaddr
	call := "getsockname"
	if kind == PeerName {
		call = "getpeername"
		sa, err = unix.Getpeername(fd)
	} else {
		sa, err = unix.Getsockname(fd)
	}
	if err != nil {
		return "?", 0, wrapSyscallError(call, err)
	}
	ip, port, ok := sockaddrIPPort(sa)
	if !ok {
		return "?", 0, wrapSyscallError(call, unix.EAFNOSUPPORT)
	}
	return ip, port, nil
}

// FormatAddr joins ip and port the way Redis displays addresses
// (anetFormatAddr): "[::1]:6379" when ip contains a colon (IPv6),
// "127.0.0.1:6379" otherwise.
func FormatAddr(ip string, port int) string {
	if strings.Contains(ip, ":") {
		return "[" + ip + "]:" + strconv.Itoa(port)
	}
	return ip + ":" + strconv.Itoa(port)
}

// FormatFdAddr is FdToString followed by FormatAddr (anetFormatFdAddr,
// removed in Redis 7.2). On failure it returns "?:0", as Redis prints, and
// the error.
func FormatFdAddr(fd, kind int) (string, error) {
	ip, port, err := FdToString(fd, kind)
	return FormatAddr(ip, port), err
}
