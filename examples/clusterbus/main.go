// Command clusterbus will be a Redis Cluster bus node that real
// redis-server 7.0 nodes accept, built on ae and anet. It is under
// construction: the wire codec (msg.go, encode.go, decode.go) is done and
// tested against packets captured from redis-server 7.0.15; the node
// (links, clusterCron, gossip, failure detection, nodes.conf) is not yet.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "clusterbus: the node is not built yet; only its wire codec exists (go test ./examples/clusterbus)")
	os.Exit(2)
}
