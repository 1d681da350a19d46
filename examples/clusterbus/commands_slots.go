package main

import "github.com/goae/goae/internal/resp"

// CLUSTER SLOTS and CLUSTER SHARDS, as Redis 7.0.15 replies them over
// RESP2 (a map is an array of 2N elements), with
// cluster-preferred-endpoint-type ip and no TLS: the endpoint is the ip,
// the port the client port.

// clusterNodeReplicas lists the known replicas of master, in the nodes
// table's order (Redis: master->slaves).
func (n *node) clusterNodeReplicas(master *clusterNode) []*clusterNode {
	var rs []*clusterNode
	for _, node := range n.cluster.order {
		if !nodeIsMaster(node) && node.slaveof == master.name {
			rs = append(rs, node)
		}
	}
	return rs
}

// isReplicaAvailable: a replica CLUSTER SLOTS lists, one not failed that
// has reported a replication offset.
func isReplicaAvailable(node *clusterNode) bool {
	return !nodeFailed(node) && node.replOffset != 0
}

// addNodeToNodeReply is one node of a CLUSTER SLOTS range: ip, port, id,
// and a map of the networking information that is not the preferred
// endpoint (with endpoint type ip: only the hostname, if any).
func addNodeToNodeReply(out []byte, node *clusterNode) []byte {
	out = resp.AppendArrayLen(out, 4)
	out = resp.AppendBulkString(out, node.ip)
	out = resp.AppendInt(out, int64(node.port))
	out = resp.AppendBulkString(out, node.name.String())
	if node.hostname != "" {
		out = resp.AppendArrayLen(out, 2)
		out = resp.AppendBulkString(out, "hostname")
		return resp.AppendBulkString(out, node.hostname)
	}
	return resp.AppendArrayLen(out, 0)
}

// clusterReplyMultiBulkSlots is CLUSTER SLOTS: one entry per run of
// consecutive slots with the same owner, in slot order: start, end, the
// master, then its available replicas.
func (n *node) clusterReplyMultiBulkSlots(out []byte) []byte {
	type slotRange struct {
		start, end int
		owner      *clusterNode
	}
	var ranges []slotRange
	for j := 0; j < ClusterSlots; j++ {
		owner := n.cluster.slots[j]
		if owner == nil {
			continue
		}
		if k := len(ranges) - 1; k >= 0 && ranges[k].owner == owner && ranges[k].end == j-1 {
			ranges[k].end = j
			continue
		}
		ranges = append(ranges, slotRange{j, j, owner})
	}
	out = resp.AppendArrayLen(out, len(ranges))
	for _, r := range ranges {
		var replicas []*clusterNode
		for _, rep := range n.clusterNodeReplicas(r.owner) {
			if isReplicaAvailable(rep) {
				replicas = append(replicas, rep)
			}
		}
		out = resp.AppendArrayLen(out, 3+len(replicas))
		out = resp.AppendInt(out, int64(r.start))
		out = resp.AppendInt(out, int64(r.end))
		out = addNodeToNodeReply(out, r.owner)
		for _, rep := range replicas {
			out = addNodeToNodeReply(out, rep)
		}
	}
	return out
}

// clusterGenNodeSlotsInfo is a node's slot_info_pairs: start, end of
// each run of its slots, in order.
func clusterGenNodeSlotsInfo(node *clusterNode) []int {
	var pairs []int
	start := -1
	for j := 0; j <= ClusterSlots; j++ {
		has := j < ClusterSlots && node.slots.Has(j)
		if has && start == -1 {
			start = j
		}
		if !has && start != -1 {
			pairs = append(pairs, start, j-1)
			start = -1
		}
	}
	return pairs
}

// addNodeDetailsToShardReply is one node of a CLUSTER SHARDS shard, a
// map: id, port, ip, endpoint, hostname (if any), role,
// replication-offset, health.
func addNodeDetailsToShardReply(out []byte, node *clusterNode) []byte {
	fields := 6 // id, ip, endpoint, role, replication-offset, health
	if node.port != 0 {
		fields++
	}
	if node.hostname != "" {
		fields++
	}
	out = resp.AppendArrayLen(out, 2*fields)
	out = resp.AppendBulkString(out, "id")
	out = resp.AppendBulkString(out, node.name.String())
	if node.port != 0 {
		out = resp.AppendBulkString(out, "port")
		out = resp.AppendInt(out, int64(node.port))
	}
	out = resp.AppendBulkString(out, "ip")
	out = resp.AppendBulkString(out, node.ip)
	out = resp.AppendBulkString(out, "endpoint")
	out = resp.AppendBulkString(out, node.ip)
	if node.hostname != "" {
		out = resp.AppendBulkString(out, "hostname")
		out = resp.AppendBulkString(out, node.hostname)
	}
	role := "master"
	if nodeIsSlave(node) {
		role = "replica"
	}
	// Our own offset is 0: this node replicates nothing.
	offset := node.replOffset
	if node.flags&NodeMyself != 0 {
		offset = 0
	}
	health := "online"
	switch {
	case nodeFailed(node):
		health = "fail"
	case nodeIsSlave(node) && offset == 0:
		health = "loading"
	}
	out = resp.AppendBulkString(out, "role")
	out = resp.AppendBulkString(out, role)
	out = resp.AppendBulkString(out, "replication-offset")
	out = resp.AppendInt(out, int64(offset))
	out = resp.AppendBulkString(out, "health")
	return resp.AppendBulkString(out, health)
}

// clusterReplyShards is CLUSTER SHARDS: one shard per master, slots or
// not, in the nodes table's order (Redis walks its dict): a map of
// "slots" (start, end pairs) and "nodes" (the master, then its
// replicas).
func (n *node) clusterReplyShards(out []byte) []byte {
	var masters []*clusterNode
	for _, node := range n.cluster.order {
		if nodeIsMaster(node) {
			masters = append(masters, node)
		}
	}
	out = resp.AppendArrayLen(out, len(masters))
	for _, m := range masters {
		out = resp.AppendArrayLen(out, 4)
		out = resp.AppendBulkString(out, "slots")
		pairs := clusterGenNodeSlotsInfo(m)
		out = resp.AppendArrayLen(out, len(pairs))
		for _, s := range pairs {
			out = resp.AppendInt(out, int64(s))
		}
		out = resp.AppendBulkString(out, "nodes")
		replicas := n.clusterNodeReplicas(m)
		out = resp.AppendArrayLen(out, 1+len(replicas))
		out = addNodeDetailsToShardReply(out, m)
		for _, r := range replicas {
			out = addNodeDetailsToShardReply(out, r)
		}
	}
	return out
}
