package main

// Slots, epochs and the cluster state (cluster.c's "CLUSTER config
// epoch handling" and "Cluster state evaluation function").

// clusterUpdateState computes size and state. We never own slots, so
// state is "fail" unless nodes.conf gave every slot to reachable masters.
func (n *node) clusterUpdateState() {
	now := mstime()
	if n.firstUpdate == 0 {
		n.firstUpdate = now
	}
	// CLUSTER_WRITABLE_DELAY: a master waits 2 s before turning OK.
	if nodeIsMaster(n.cluster.myself) && n.cluster.state == clusterStateFail && now-n.firstUpdate < 2000 {
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
	}
	if newState != n.cluster.state {
		n.logf(llWarning, "Cluster state changed: %s", map[int]string{clusterStateOK: "ok", clusterStateFail: "fail"}[newState])
		n.cluster.state = newState
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
