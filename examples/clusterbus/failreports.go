package main

import ()

// Failure reports (cluster.c's clusterNodeAddFailureReport and friends)
// and the PFAIL -> FAIL transition they drive, with its undo.

func (n *node) clusterNodeAddFailureReport(failing, sender *clusterNode) bool {
	now := mstime()
	for i := range failing.failReports {
		if failing.failReports[i].node == sender {
			failing.failReports[i].time = now
			return false
		}
	}
	failing.failReports = append(failing.failReports, failReport{node: sender, time: now})
	return true
}

func (n *node) clusterNodeCleanupFailureReports(node *clusterNode) {
	maxtime := n.cfg.NodeTimeout * clusterFailReportValidityMult
	now := mstime()
	kept := node.failReports[:0]
	for _, fr := range node.failReports {
		if now-fr.time <= maxtime {
			kept = append(kept, fr)
		}
	}
	clear(node.failReports[len(kept):])
	node.failReports = kept
}

func (n *node) clusterNodeDelFailureReport(node, sender *clusterNode) bool {
	for i := range node.failReports {
		if node.failReports[i].node == sender {
			node.failReports = append(node.failReports[:i], node.failReports[i+1:]...)
			n.clusterNodeCleanupFailureReports(node)
			return true
		}
	}
	n.clusterNodeCleanupFailureReports(node)
	return false
}

func (n *node) clusterNodeFailureReportsCount(node *clusterNode) int {
	n.clusterNodeCleanupFailureReports(node)
	return len(node.failReports)
}

// markNodeAsFailingIfNeeded turns PFAIL into FAIL when enough masters
// agree, as Redis 7.0.15 counts them: the failure reports gossiped by
// masters (clusterProcessGossipSection takes reports from any master),
// plus one for our own PFAIL if we are a master, must reach
// needed_quorum = size/2 + 1, where size is the number of masters serving
// at least one slot (clusterUpdateState). With three slot-owning masters
// the quorum is 2: our own PFAIL alone is not enough, one more master's
// report is. Only a received report triggers this check (PFAIL set by
// clusterCron does not), so a node alone with a silent peer never marks
// it FAIL. A master without slots (this node) votes here as in Redis 7.0;
// it only never votes in failover elections.
func (n *node) markNodeAsFailingIfNeeded(node *clusterNode) {
	neededQuorum := n.cluster.size/2 + 1
	if !nodeTimedOut(node) || nodeFailed(node) {
		return
	}
	failures := n.clusterNodeFailureReportsCount(node)
	if nodeIsMaster(n.cluster.myself) {
		failures++
	}
	if failures < neededQuorum {
		return
	}
	n.logf(llNotice, "Marking node %s as failing (quorum reached).", node.name)
	node.flags &^= NodePFail
	node.flags |= NodeFail
	node.failTime = mstime()
	n.clusterSendFail(node.name)
	n.clusterDoBeforeSleep(todoUpdateState | todoSaveConfig)
}

// clearNodeFailureIfNeeded clears FAIL of a node we reach again: at once
// for a replica or a master without slots, after
// node_timeout*CLUSTER_FAIL_UNDO_TIME_MULT for a master still owning slots.
func (n *node) clearNodeFailureIfNeeded(node *clusterNode) {
	now := mstime()
	if !nodeIsMaster(node) || node.numslots == 0 {
		role := "master without slots"
		if !nodeIsMaster(node) {
			role = "replica"
		}
		n.logf(llNotice, "Clear FAIL state for node %s: %s is reachable again.", node.name, role)
		node.flags &^= NodeFail
		n.clusterDoBeforeSleep(todoUpdateState | todoSaveConfig)
	}
	if nodeIsMaster(node) && node.numslots > 0 && now-node.failTime > n.cfg.NodeTimeout*clusterFailUndoTimeMult {
		n.logf(llNotice, "Clear FAIL state for node %s: is reachable again and nobody is serving its slots after some time.", node.name)
		node.flags &^= NodeFail
		n.clusterDoBeforeSleep(todoUpdateState | todoSaveConfig)
	}
}
