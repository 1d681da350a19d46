package hashkit

import "fmt"

// Distribution is a pool's "distribution:" (dist_type_t in nc_hashkit.h).
type Distribution int

// The three distributions, in nutcracker's DIST_CODEC order.
const (
	// Ketama is consistent hashing over a ring of MD5 points (nc_ketama.c).
	Ketama Distribution = iota
	// Modula is the hash modulo the total weight (nc_modula.c).
	Modula
	// Random is a random live server for every request (nc_random.c).
	Random
)

// DefaultDistribution is the distribution of a pool whose configuration has
// no "distribution" key (CONF_DEFAULT_DIST).
const DefaultDistribution = Ketama

var distNames = [...]string{Ketama: "ketama", Modula: "modula", Random: "random"}

// String returns the configuration name of d: ketama, modula or random.
func (d Distribution) String() string {
	if d < 0 || int(d) >= len(distNames) {
		return fmt.Sprintf("Distribution(%d)", int(d))
	}
	return distNames[d]
}

// ParseDistribution returns the distribution a pool's "distribution:" key
// names, as conf_set_distribution looks it up (exact, lower case).
func ParseDistribution(name string) (Distribution, error) {
	for d, n := range distNames {
		if n == name {
			return Distribution(d), nil
		}
	}
	return 0, fmt.Errorf("hashkit: unknown distribution %q", name)
}

// Server is one server of a pool as placement sees it (the fields of
// nutcracker's struct server that the *_update functions read).
type Server struct {
	// Name is what ketama hashes and what orders the pool: the server
	// line's name if it has one, else the address as ServerName derives it.
	Name string
	// Weight is the server line's weight, at least 1.
	Weight uint32
	// Ejected leaves the server out of the continuum, as nutcracker does
	// with auto_eject_hosts for a server whose retry time has not come.
	// It keeps its index: Dispatch never returns it.
	Ejected bool
}

// point is one entry of a continuum (struct continuum): the server's index
// in the pool and, for ketama, the point's place on the ring.
type point struct {
	index int
	value uint32
}

// Continuum is a pool's server continuum as nutcracker builds it on every
// (re)distribution: ketama's sorted ring, modula's weight slots or random's
// one entry per live server. Build it with New (or NewKetama, NewModula,
// NewRandom) over the pool's servers in their sorted order (SortServers);
// Dispatch answers indexes into that same slice. A Continuum is not
// changed after it is built and may be shared by goroutines.
type Continuum struct {
	dist    Distribution
	nserver int // every server of the pool, live or ejected
	nlive   int
	points  []point
}

// New builds the continuum of distribution d over servers, as
// server_pool_run calls ketama_update, modula_update or random_update.
func New(d Distribution, servers []Server) *Continuum {
	switch d {
	case Modula:
		return NewModula(servers)
	case Random:
		return NewRandom(servers)
	default:
		return NewKetama(servers)
	}
}

// Distribution returns the distribution c was built for.
func (c *Continuum) Distribution() Distribution { return c.dist }

// Servers returns the number of servers c was built over, ejected ones
// included (array_n(&pool->server)).
func (c *Continuum) Servers() int { return c.nserver }

// Live returns the number of servers that are not ejected
// (pool->nlive_server). When it is 0 there is nowhere to send a request:
// nutcracker fails it with ECONNREFUSED.
func (c *Continuum) Live() int { return c.nlive }

// Dispatch returns the index of the server that hash selects, the
// distribution's *_dispatch function; for Random the hash is ignored. It
// returns -1 when no server is live.
func (c *Continuum) Dispatch(hash uint32) int {
	if len(c.points) == 0 {
		return -1
	}
	switch c.dist {
	case Modula:
		return modulaDispatch(c.points, hash)
	case Random:
		return randomDispatch(c.points)
	default:
		return ketamaDispatch(c.points, hash)
	}
}

// liveServers counts the servers that are not ejected and their total
// weight, the first loop of every *_update function.
func liveServers(servers []Server) (n int, total uint32) {
	for _, s := range servers {
		if !s.Ejected {
			n++
			total += s.Weight
		}
	}
	return n, total
}
