package hashkit

// NewModula builds modula's slots over the live servers, as modula_update
// does: each live server, in pool order, owns Weight consecutive slots.
func NewModula(servers []Server) *Continuum {
	c := &Continuum{dist: Modula, nserver: len(servers)}
	nlive, total := liveServers(servers)
	c.nlive = nlive
	if nlive == 0 {
		return c
	}
	c.points = make([]point, 0, total)
	for idx, s := range servers {
		if s.Ejected {
			continue
		}
		for range s.Weight {
			c.points = append(c.points, point{index: idx})
		}
	}
	return c
}

// modulaDispatch returns the server owning slot hash mod the number of
// slots (modula_dispatch).
func modulaDispatch(points []point, hash uint32) int {
	return points[hash%uint32(len(points))].index
}
