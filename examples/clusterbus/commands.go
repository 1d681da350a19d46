package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/goae/goae/internal/resp"
	"golang.org/x/sys/unix"
)

// The client commands, as plain functions over argv that append RESP2
// replies: they run on the node's loop (the client port will call them
// from its read handler). Replies and errors follow Redis 7.0's
// clusterCommand and the 7.0 command table (arity errors, subcommand
// errors).

// processCommand runs one command and appends its reply to out.
func (n *node) processCommand(argv [][]byte, out []byte) []byte {
	if len(argv) == 0 {
		return out
	}
	switch strings.ToLower(string(argv[0])) {
	case "ping":
		return pingCommand(argv, out)
	case "cluster":
		return n.clusterCommand(argv, out)
	}
	var b strings.Builder
	for _, a := range argv[1:] {
		if b.Len() >= 128 {
			break
		}
		fmt.Fprintf(&b, "'%.128s' ", a)
	}
	return resp.AppendError(out, fmt.Sprintf("unknown command '%.128s', with args beginning with: %s", argv[0], b.String()))
}

func wrongArity(out []byte, cmd string) []byte {
	return resp.AppendError(out, fmt.Sprintf("wrong number of arguments for '%s' command", cmd))
}

// pingCommand is PING [message].
func pingCommand(argv [][]byte, out []byte) []byte {
	switch len(argv) {
	case 1:
		return resp.AppendSimpleString(out, "PONG")
	case 2:
		return resp.AppendBulk(out, argv[1])
	}
	return wrongArity(out, "ping")
}

// clusterArity is the 7.0 command table's arity of each subcommand we
// implement (negative: at least).
var clusterArity = map[string]int{
	"meet": -4, "nodes": 2, "myid": 2, "info": 2, "links": 2, "forget": 3, "reset": -2, "help": 2,
	"saveconfig": 2, "count-failure-reports": 3, "slots": 2, "shards": 2,
}

// clusterCommand is CLUSTER MEET|NODES|SLOTS|SHARDS|MYID|INFO|LINKS|
// FORGET|RESET|SAVECONFIG|COUNT-FAILURE-REPORTS|HELP.
func (n *node) clusterCommand(argv [][]byte, out []byte) []byte {
	if len(argv) < 2 {
		return wrongArity(out, "cluster")
	}
	sub := strings.ToLower(string(argv[1]))
	arity, ok := clusterArity[sub]
	if !ok {
		return resp.AppendError(out, fmt.Sprintf("unknown subcommand '%.128s'. Try CLUSTER HELP.", argv[1]))
	}
	if (arity > 0 && len(argv) != arity) || (arity < 0 && len(argv) < -arity) {
		return wrongArity(out, "cluster|"+sub)
	}
	syntaxErr := func() []byte {
		return resp.AppendError(out, fmt.Sprintf("unknown subcommand or wrong number of arguments for '%.128s'. Try CLUSTER HELP.", argv[1]))
	}
	switch sub {
	case "help":
		lines := []string{
			"CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
			"FORGET <node-id>", "    Remove a node from the cluster.",
			"INFO", "    Return information about the cluster.",
			"LINKS", "    Return information about all network links between this node and its peers.",
			"MEET <ip> <port> [<bus-port>]", "    Connect nodes into a working cluster.",
			"MYID", "    Return the node id.",
			"NODES", "    Return cluster configuration seen by node. Output format:",
			"    <id> <ip:port@bus-port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
			"RESET [HARD|SOFT]", "    Reset current node (default: soft).",
			"SAVECONFIG", "    Force saving cluster configuration on disk.",
			"SLOTS", "    Return information about slots range mappings. Each range is made of:",
			"    start, end, master and replicas IP addresses, ports and ids",
			"SHARDS", "    Return information about slot range mappings and the nodes associated with them.",
			"COUNT-FAILURE-REPORTS <node-id>", "    Return number of failure reports for <node-id>.",
			"HELP", "    Print this help.",
		}
		out = resp.AppendArrayLen(out, len(lines))
		for _, l := range lines {
			out = resp.AppendSimpleString(out, l)
		}
		return out
	case "meet":
		if len(argv) > 5 {
			return syntaxErr()
		}
		port, err := strconv.ParseInt(string(argv[3]), 10, 64)
		if err != nil {
			return resp.AppendError(out, fmt.Sprintf("Invalid TCP base port specified: %s", argv[3]))
		}
		cport := port + PortIncr
		if len(argv) == 5 {
			if cport, err = strconv.ParseInt(string(argv[4]), 10, 64); err != nil {
				return resp.AppendError(out, fmt.Sprintf("Invalid TCP bus port specified: %s", argv[4]))
			}
		}
		if err := n.clusterStartHandshake(string(argv[2]), int(port), int(cport)); errors.Is(err, unix.EINVAL) {
			return resp.AppendError(out, fmt.Sprintf("Invalid node address specified: %s:%s", argv[2], argv[3]))
		}
		return resp.AppendSimpleString(out, "OK")
	case "nodes":
		return resp.AppendBulkString(out, n.clusterGenNodesDescription(0))
	case "slots":
		return n.clusterReplyMultiBulkSlots(out)
	case "shards":
		return n.clusterReplyShards(out)
	case "myid":
		return resp.AppendBulkString(out, n.cluster.myself.name.String())
	case "info":
		return resp.AppendBulkString(out, n.clusterGenInfo())
	case "links":
		return n.addReplyClusterLinksDescription(out)
	case "forget":
		target := n.clusterLookupNode(nameArg(argv[2]))
		switch {
		case target == nil:
			return resp.AppendError(out, fmt.Sprintf("Unknown node %s", argv[2]))
		case target == n.cluster.myself:
			return resp.AppendError(out, "I tried hard but I can't forget myself...")
		case target.name == n.cluster.myself.slaveof:
			return resp.AppendError(out, "Can't forget my master!")
		}
		n.clusterBlacklistAddNode(target)
		n.clusterDelNode(target)
		n.clusterDoBeforeSleep(todoUpdateState | todoSaveConfig)
		return resp.AppendSimpleString(out, "OK")
	case "saveconfig":
		if err := n.clusterSaveConfig(true); err != nil {
			return resp.AppendError(out, fmt.Sprintf("error saving the cluster node config: %v", err))
		}
		return resp.AppendSimpleString(out, "OK")
	case "count-failure-reports":
		target := n.clusterLookupNode(nameArg(argv[2]))
		if target == nil {
			return resp.AppendError(out, fmt.Sprintf("Unknown node %s", argv[2]))
		}
		return resp.AppendInt(out, int64(n.clusterNodeFailureReportsCount(target)))
	case "reset":
		if len(argv) > 3 {
			return syntaxErr()
		}
		hard := false
		if len(argv) == 3 {
			switch strings.ToLower(string(argv[2])) {
			case "hard":
				hard = true
			case "soft":
			default:
				return resp.AppendError(out, "syntax error")
			}
		}
		n.clusterReset(hard)
		return resp.AppendSimpleString(out, "OK")
	}
	return syntaxErr()
}

// nameArg converts a node name argument; a name of the wrong length
// matches no node.
func nameArg(b []byte) NodeName {
	var nn NodeName
	if len(b) != NameLen {
		nn[0] = '!' // never a valid name
		return nn
	}
	copy(nn[:], b)
	return nn
}

// clusterReset is CLUSTER RESET: forget every other node; HARD also
// zeroes the epochs and takes a new name.
func (n *node) clusterReset(hard bool) {
	myself := n.cluster.myself
	for _, node := range append([]*clusterNode(nil), n.cluster.order...) {
		if node != myself {
			n.clusterDelNode(node)
		}
	}
	for j := 0; j < ClusterSlots; j++ {
		n.clusterDelSlot(j)
	}
	if hard {
		n.cluster.currentEpoch, n.cluster.lastVoteEpoch = 0, 0
		myself.configEpoch = 0
		n.clusterRenameNode(myself, RandomNodeName())
		n.logf(llNotice, "Node hard reset, now I'm %s", myself.name)
	}
	n.clusterDoBeforeSleep(todoSaveConfig | todoUpdateState | todoFsyncConfig)
}

// clusterGenNodeDescription is one CLUSTER NODES line, without the
// newline: name ip:port@cport[,hostname] flags master ping_sent
// pong_received config_epoch link-state slots...
func (n *node) clusterGenNodeDescription(b *strings.Builder, node *clusterNode) {
	b.WriteString(node.name.String())
	fmt.Fprintf(b, " %s:%d@%d", node.ip, node.port, node.cport)
	if node.hostname != "" {
		b.WriteString(",")
		b.WriteString(node.hostname)
	}
	b.WriteString(" ")
	b.WriteString(node.flags.String())
	if !node.slaveof.IsNull() {
		b.WriteString(" ")
		b.WriteString(node.slaveof.String())
		b.WriteString(" ")
	} else {
		b.WriteString(" - ")
	}
	epoch := node.configEpoch
	if !nodeIsMaster(node) {
		if master := n.clusterLookupNode(node.slaveof); master != nil {
			epoch = master.configEpoch
		}
	}
	state := "disconnected"
	if node.link != nil || node.flags&NodeMyself != 0 {
		state = "connected"
	}
	fmt.Fprintf(b, "%d %d %d %s", node.pingSent, node.pongReceived, epoch, state)
	if node.numslots > 0 {
		start := -1
		for j := 0; j <= ClusterSlots; j++ {
			has := j < ClusterSlots && node.slots.Has(j)
			if has && start == -1 {
				start = j
			}
			if !has && start != -1 {
				if start == j-1 {
					fmt.Fprintf(b, " %d", start)
				} else {
					fmt.Fprintf(b, " %d-%d", start, j-1)
				}
				start = -1
			}
		}
	}
}

// clusterGenNodesDescription is CLUSTER NODES (filter 0) and the body of
// nodes.conf (filter NodeHandshake): one line per node, each ending with
// a newline.
func (n *node) clusterGenNodesDescription(filter NodeFlags) string {
	var b strings.Builder
	for _, node := range n.cluster.order {
		if node.flags&filter != 0 {
			continue
		}
		n.clusterGenNodeDescription(&b, node)
		b.WriteByte('\n')
	}
	return b.String()
}

// clusterGenInfo is CLUSTER INFO's text.
func (n *node) clusterGenInfo() string {
	var assigned, ok, pfail, fail int
	for _, owner := range n.cluster.slots {
		if owner == nil {
			continue
		}
		assigned++
		switch {
		case nodeFailed(owner):
			fail++
		case nodeTimedOut(owner):
			pfail++
		default:
			ok++
		}
	}
	myself := n.cluster.myself
	myepoch := myself.configEpoch
	if !nodeIsMaster(myself) {
		if master := n.clusterLookupNode(myself.slaveof); master != nil {
			myepoch = master.configEpoch
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "cluster_state:%s\r\n", [...]string{"ok", "fail"}[n.cluster.state])
	fmt.Fprintf(&b, "cluster_slots_assigned:%d\r\ncluster_slots_ok:%d\r\ncluster_slots_pfail:%d\r\ncluster_slots_fail:%d\r\n", assigned, ok, pfail, fail)
	fmt.Fprintf(&b, "cluster_known_nodes:%d\r\ncluster_size:%d\r\n", len(n.cluster.nodes), n.cluster.size)
	fmt.Fprintf(&b, "cluster_current_epoch:%d\r\ncluster_my_epoch:%d\r\n", n.cluster.currentEpoch, myepoch)
	for _, dir := range []struct {
		name  string
		stats *[TypeCount]uint64
	}{{"sent", &n.cluster.statsBusMessagesSent}, {"received", &n.cluster.statsBusMessagesReceived}} {
		var tot uint64
		for t, c := range dir.stats {
			if c == 0 {
				continue
			}
			tot += c
			fmt.Fprintf(&b, "cluster_stats_messages_%s_%s:%d\r\n", MsgType(t), dir.name, c)
		}
		fmt.Fprintf(&b, "cluster_stats_messages_%s:%d\r\n", dir.name, tot)
	}
	b.WriteString("total_cluster_links_buffer_limit_exceeded:0\r\n")
	return b.String()
}

// addReplyClusterLinksDescription is CLUSTER LINKS: for each node, its
// outbound link ("to") then its inbound link ("from"), as flat maps.
func (n *node) addReplyClusterLinksDescription(out []byte) []byte {
	type entry struct {
		dir  string
		link *clusterLink
	}
	var links []entry
	for _, node := range n.cluster.order {
		if node.link != nil {
			links = append(links, entry{"to", node.link})
		}
		if node.inboundLink != nil {
			links = append(links, entry{"from", node.inboundLink})
		}
	}
	out = resp.AppendArrayLen(out, len(links))
	for _, e := range links {
		events := ""
		// As Redis's: "r" with a read handler, "w" with output waiting
		// (Redis installs the write handler for as long as sndbuf holds
		// data; here the write queue holds it until before-sleep).
		if e.link.conn.HasReadHandler() {
			events += "r"
		}
		if e.link.conn.Pending() > 0 || e.link.conn.HasWriteHandler() {
			events += "w"
		}
		out = resp.AppendArrayLen(out, 12)
		out = resp.AppendBulkString(out, "direction")
		out = resp.AppendBulkString(out, e.dir)
		out = resp.AppendBulkString(out, "node")
		out = resp.AppendBulkString(out, e.link.node.name.String())
		out = resp.AppendBulkString(out, "create-time")
		out = resp.AppendInt(out, e.link.ctime)
		out = resp.AppendBulkString(out, "events")
		out = resp.AppendBulkString(out, events)
		out = resp.AppendBulkString(out, "send-buffer-allocated")
		out = resp.AppendInt(out, int64(e.link.conn.OutputMemory()))
		out = resp.AppendBulkString(out, "send-buffer-used")
		out = resp.AppendInt(out, int64(e.link.conn.Pending()))
	}
	return out
}
