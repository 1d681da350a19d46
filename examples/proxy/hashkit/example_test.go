package hashkit_test

import (
	"fmt"

	"github.com/goae/goae/examples/proxy/hashkit"
)

// A pool of three Redis servers as nutcracker's YAML would list them, with
// the default ketama distribution and fnv1a_64 hash.
func Example() {
	lines := []struct {
		addr   string
		weight uint32
		name   string
	}{
		{"127.0.0.1:6381", 1, ""},
		{"127.0.0.1:6379", 1, ""},
		{"127.0.0.1:6380", 1, ""},
	}
	var servers []hashkit.Server
	for _, l := range lines {
		servers = append(servers, hashkit.Server{Name: hashkit.ServerName(l.addr, l.name), Weight: l.weight})
	}
	hashkit.SortServers(servers) // nutcracker's order: by name

	hash, err := hashkit.Hash("fnv1a_64")
	if err != nil {
		panic(err)
	}
	sel := hashkit.Selector{
		Hash:      hash,
		HashTag:   "{}",
		Continuum: hashkit.New(hashkit.Ketama, servers),
	}
	for _, key := range []string{"foo", "bar", "user:{42}:a", "user:{42}:b"} {
		fmt.Println(key, "->", servers[sel.Index([]byte(key))].Name)
	}
	// Output:
	// foo -> 127.0.0.1:6381
	// bar -> 127.0.0.1:6379
	// user:{42}:a -> 127.0.0.1:6381
	// user:{42}:b -> 127.0.0.1:6381
}
