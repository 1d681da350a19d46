package main

// Slots, epochs and the cluster state (cluster.c's "CLUSTER config
// epoch handling", "Slots management" and "Cluster state evaluation
// function").
//
// Every node keeps the slots each master claims (clusterNode.slots, the
// 16384-bit bitmap of the wire, and numslots) and the table slot -> owner
// (clusterState.slots); the two change together, only through
// clusterAddSlot and clusterDelSlot. This node serves no data: it never
// takes slots itself (there is no CLUSTER ADDSLOTS), holds no keys, and
// migrates nothing, so the importing/migrating and dirty-slot cases of
// cluster.c have nothing to act on here.

// Cluster state delays of src/cluster.c (7.0.15), in ms.
const (
	clusterMaxRejoinDelay = 5000 // CLUSTER_MAX_REJOIN_DELAY
	clusterMinRejoinDelay = 500  // CLUSTER_MIN_REJOIN_DELAY
	clusterWritableDelay  = 2000 // CLUSTER_WRITABLE_DELAY
)

// clusterNodeSetSlotBit sets slot in node's bitmap, reporting whether it
// was set already.
func clusterNodeSetSlotBit(node *clusterNode, slot int) bool {
	old := node.slots.Has(slot)
	if !old {
		node.slots.Set(slot)
		node.numslots++
	}
	return old
}

// clusterNodeClearSlotBit clears slot in node's bitmap, reporting whether
// it was set.
func clusterNodeClearSlotBit(node *clusterNode, slot int) bool {
	old := node.slots.Has(slot)
	if old {
		node.slots.Clear(slot)
		node.numslots--
	}
	return old
}

// clusterAddSlot gives an unassigned slot to node; it reports false if
// the slot has an owner already.
func (n *node) clusterAddSlot(node *clusterNode, slot int) bool {
	if n.cluster.slots[slot] != nil {
		return false
	}
	clusterNodeSetSlotBit(node, slot)
	n.cluster.slots[slot] = node
	return true
}

// clusterDelSlot makes slot unassigned; it reports false if it was.
func (n *node) clusterDelSlot(slot int) bool {
	owner := n.cluster.slots[slot]
	if owner == nil {
		return false
	}
	clusterNodeClearSlotBit(owner, slot)
	n.cluster.slots[slot] = nil
	return true
}

// clusterDelNodeSlots unassigns every slot node claims and returns how
// many there were.
func (n *node) clusterDelNodeSlots(node *clusterNode) int {
	deleted := 0
	for j := 0; j < ClusterSlots && node.numslots > 0; j++ {
		if node.slots.Has(j) {
			n.clusterDelSlot(j)
			deleted++
		}
	}
	return deleted
}

// clusterSetNodeAsMaster makes a node a master (an UPDATE about a
// replica, or a header with no slaveof). A former replica gets
// MIGRATE_TO, as in Redis (it is not printed).
func (n *node) clusterSetNodeAsMaster(node *clusterNode) {
	if nodeIsMaster(node) {
		return
	}
	if !node.slaveof.IsNull() && node != n.cluster.myself {
		node.flags |= NodeMigrateTo
	}
	node.flags = node.flags&^NodeSlave | NodeMaster
	node.slaveof = NodeName{}
	n.clusterDoBeforeSleep(todoSaveConfig | todoUpdateState)
}

// clusterUpdateSlotsConfigWith applies the slots sender claims under
// senderConfigEpoch, from its header or from an UPDATE about it: a
// claimed slot is rebound to sender when it is unassigned or its owner's
// configEpoch is smaller than senderConfigEpoch. Slots sender no longer
// claims stay where they are until another master claims them, as in
// Redis.
//
// Simplified, because this node serves no data: Redis skips slots it is
// importing (we import none), deletes the keys of slots it lost
// ("dirty slots": we hold no keys), and when the slots taken were all of
// its own it turns into a replica of sender (clusterSetMaster). If
// nodes.conf gave this node slots and a newer claim takes them all, it
// only logs that and stays a master without slots: it has nothing to
// replicate.
func (n *node) clusterUpdateSlotsConfigWith(sender *clusterNode, senderConfigEpoch uint64, slots *SlotBitmap) {
	myself := n.cluster.myself
	if sender == myself {
		n.logf(llWarning, "Discarding UPDATE message about myself.")
		return
	}
	tookMine := false
	for j := 0; j < ClusterSlots; j++ {
		if !slots.Has(j) {
			continue
		}
		owner := n.cluster.slots[j]
		if owner == sender {
			continue
		}
		if owner == nil || owner.configEpoch < senderConfigEpoch {
			if owner == myself {
				tookMine = true
			}
			n.clusterDelSlot(j)
			n.clusterAddSlot(sender, j)
			n.clusterDoBeforeSleep(todoSaveConfig | todoUpdateState | todoFsyncConfig)
		}
	}
	if tookMine && myself.numslots == 0 {
		n.logf(llWarning, "Configuration change detected: %s took all my slots; without data to replicate I stay a master without slots", sender.name)
	}
}

// clusterHandleConfigEpochCollision: of two masters with the same
// configEpoch, the one with the smaller name takes a new epoch.
func (n *node) clusterHandleConfigEpochCollision(sender *clusterNode) {
	myself := n.cluster.myself
	if sender.configEpoch != myself.configEpoch || !nodeIsMaster(sender) || !nodeIsMaster(myself) {
		return
	}
	if string(sender.name[:]) <= string(myself.name[:]) {
		return
	}
	n.cluster.currentEpoch++
	myself.configEpoch = n.cluster.currentEpoch
	n.clusterSaveConfigOrLog(true)
	n.logf(llVerbose, "WARNING: configEpoch collision with node %s. configEpoch set to %d", sender.name, myself.configEpoch)
}

// clusterUpdateState computes the cluster size (masters serving at least
// one slot) and state: ok when every slot has an owner that is not FAIL
// (cluster-require-full-coverage yes) and a majority of the size is
// reachable (neither PFAIL nor FAIL). As a master, the node waits
// CLUSTER_WRITABLE_DELAY after its first call before turning ok, and
// after being in a minority it waits the rejoin delay (the node timeout,
// within 500..5000 ms) before turning ok again.
func (n *node) clusterUpdateState() {
	now := mstime()
	if n.firstUpdate == 0 {
		n.firstUpdate = now
	}
	myself := n.cluster.myself
	if nodeIsMaster(myself) && n.cluster.state == clusterStateFail && now-n.firstUpdate < clusterWritableDelay {
		return
	}
	newState := clusterStateOK
	for _, owner := range n.cluster.slots {
		if owner == nil || nodeFailed(owner) {
			newState = clusterStateFail
			break
		}
	}
	size, reachable := 0, 0
	for _, node := range n.cluster.order {
		if nodeIsMaster(node) && node.numslots > 0 {
			size++
			if node.flags&(NodeFail|NodePFail) == 0 {
				reachable++
			}
		}
	}
	n.cluster.size = size
	if reachable < size/2+1 {
		newState = clusterStateFail
		n.amongMinorityTime = now
	}
	if newState != n.cluster.state {
		rejoinDelay := min(max(n.cfg.NodeTimeout, clusterMinRejoinDelay), clusterMaxRejoinDelay)
		if newState == clusterStateOK && nodeIsMaster(myself) && now-n.amongMinorityTime < rejoinDelay {
			return
		}
		n.logf(llWarning, "Cluster state changed: %s", map[int]string{clusterStateOK: "ok", clusterStateFail: "fail"}[newState])
		n.cluster.state = newState
	}
}
