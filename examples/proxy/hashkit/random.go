package hashkit

import "math/rand/v2"

// NewRandom builds random's continuum, as random_update does: one entry per
// live server, weights ignored.
func NewRandom(servers []Server) *Continuum {
	c := &Continuum{dist: Random, nserver: len(servers)}
	for idx, s := range servers {
		if !s.Ejected {
			c.points = append(c.points, point{index: idx})
		}
	}
	c.nlive = len(c.points)
	return c
}

// randomDispatch returns a live server chosen uniformly at random
// (random_dispatch, which uses random() seeded from the clock).
func randomDispatch(points []point) int {
	return points[rand.IntN(len(points))].index
}
