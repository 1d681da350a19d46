package hashkit

import (
	"crypto/md5"
	"math"
	"slices"
	"strconv"
)

const (
	// ketamaPointsPerServer is the number of points of a server of
	// average weight (KETAMA_POINTS_PER_SERVER).
	ketamaPointsPerServer = 160
	// ketamaPointsPerHash is the number of points cut from one MD5 digest.
	ketamaPointsPerHash = 4
	// ketamaMaxHostlen is the size of the buffer nutcracker 0.5.0 formats
	// "name-i" into (KETAMA_MAX_HOSTLEN; 86 in older twemproxy), measured
	// against the binary: a point key is cut to 272 bytes.
	ketamaMaxHostlen = 273
)

// NewKetama builds the ketama ring over the live servers, as ketama_update
// does. With n live servers of total weight W, a server of weight w gets
//
//	points = floor(float32(w)/float32(W) * 160 / 4 * n + 1e-10) * 4
//
// computed in single precision as the C code does (float64 would give some
// servers 4 points more or fewer). For i from 0 to points/4-1 the string
// "<name>-<i>" is hashed with MD5, and each of the digest's four
// little-endian words is one point of the server. The points are sorted by
// value; ties, which nutcracker leaves to qsort, keep server order, as
// glibc's qsort (a stable merge sort) keeps them under nutcracker.
func NewKetama(servers []Server) *Continuum {
	c := &Continuum{dist: Ketama, nserver: len(servers)}
	nlive, total := liveServers(servers)
	c.nlive = nlive
	if nlive == 0 {
		return c
	}
	c.points = make([]point, 0, nlive*ketamaPointsPerServer)
	for idx, s := range servers {
		if s.Ejected {
			continue
		}
		n := ketamaPoints(s.Weight, total, nlive)
		for i := uint32(0); i < n/ketamaPointsPerHash; i++ {
			d := md5.Sum(ketamaPointKey(s.Name, i))
			for k := 0; k < ketamaPointsPerHash; k++ {
				c.points = append(c.points, point{index: idx, value: le32(d[4*k:])})
			}
		}
	}
	slices.SortStableFunc(c.points, func(a, b point) int {
		switch {
		case a.value < b.value:
			return -1
		case a.value > b.value:
			return 1
		}
		return 0
	})
	return c
}

// ketamaPoints is the number of points of a server of weight w among nlive
// live servers of total weight total (pointer_per_server in ketama_update).
// Every intermediate is rounded to float32, as C's float arithmetic is; the
// explicit conversions also keep the compiler from fusing a multiply and
// add. The 1e-10 is a double constant in C, so that addition alone is done
// in float64 and rounded back.
func ketamaPoints(w, total uint32, nlive int) uint32 {
	pct := float32(w) / float32(total)
	x := float32(pct * ketamaPointsPerServer)
	x = float32(x / ketamaPointsPerHash)
	x = float32(x * float32(nlive))
	x = float32(float64(x) + 0.0000000001)
	return uint32(float32(math.Floor(float64(x))) * ketamaPointsPerHash)
}

// ketamaPointKey is the string whose MD5 gives a server's points i*4 to
// i*4+3: "<name>-<i>", cut to its first 272 bytes as nutcracker 0.5.0 cuts
// it (it formats into a 273-byte buffer and hashes the bytes written). So
// the names of servers that share their first 272 bytes collide, and a
// name of 272 bytes or more gives the same digest for every i.
func ketamaPointKey(name string, i uint32) []byte {
	b := make([]byte, 0, len(name)+11)
	b = append(b, name...)
	b = append(b, '-')
	b = strconv.AppendUint(b, uint64(i), 10)
	if len(b) >= ketamaMaxHostlen {
		b = b[:ketamaMaxHostlen-1]
	}
	return b
}

// ketamaDispatch returns the server of the first point whose value is at
// least hash, wrapping past the last point to the first (ketama_dispatch).
func ketamaDispatch(points []point, hash uint32) int {
	lo, hi := 0, len(points)
	for lo < hi {
		mid := lo + (hi-lo)/2
		if points[mid].value < hash {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == len(points) {
		lo = 0
	}
	return points[lo].index
}
