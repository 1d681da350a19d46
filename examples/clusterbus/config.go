package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// nodes.conf: clusterLoadConfig and clusterSaveConfig. The file is the
// CLUSTER NODES text without handshake nodes, then
// "vars currentEpoch N lastVoteEpoch M". Redis rewrites it in place
// (padding and ftruncate); we write a temporary file, fsync it, rename it
// over the old one and fsync the directory, so that a crash leaves the
// old file or the new one, never a mix.

// clusterLoadConfig loads path. It reports false, with no error, when the
// file does not exist or is empty (a new node); a malformed file is an
// error ("Unrecoverable error: corrupted cluster config file.").
func (n *node) clusterLoadConfig(path string) (bool, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("loading the cluster node config from %s: %w", path, err)
	}
	if len(data) == 0 {
		return false, nil
	}
	fmterr := func(lineno int, why string) (bool, error) {
		return false, fmt.Errorf("unrecoverable error: corrupted cluster config file %s, line %d: %s", path, lineno, why)
	}
	now := mstime()
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(nil, 1<<20)
	lineno := 0
	for sc.Scan() {
		lineno++
		line := sc.Text()
		argv := strings.Fields(line)
		if len(argv) == 0 {
			continue
		}
		if strings.EqualFold(argv[0], "vars") {
			for j := 1; j+1 < len(argv); j += 2 {
				v, err := strconv.ParseUint(argv[j+1], 10, 64)
				if err != nil {
					return fmterr(lineno, "bad number "+argv[j+1])
				}
				switch strings.ToLower(argv[j]) {
				case "currentepoch":
					n.cluster.currentEpoch = v
				case "lastvoteepoch":
					n.cluster.lastVoteEpoch = v
				default:
					n.logf(llWarning, "Skipping unknown cluster config variable '%s'", argv[j])
				}
			}
			continue
		}
		if len(argv) < 8 {
			return fmterr(lineno, "fewer than 8 fields")
		}
		nn, err := ParseNodeName(argv[0])
		if err != nil {
			return fmterr(lineno, err.Error())
		}
		node := n.clusterLookupNode(nn)
		if node == nil {
			node = n.createClusterNode(nn, 0)
			n.clusterAddNode(node)
		}
		// ip:port@cport[,hostname]
		addr := argv[1]
		if i := strings.IndexByte(addr, ','); i >= 0 {
			node.hostname = addr[i+1:]
			addr = addr[:i]
		}
		colon := strings.LastIndexByte(addr, ':')
		if colon < 0 {
			return fmterr(lineno, "address without port")
		}
		node.ip = addr[:colon]
		port := addr[colon+1:]
		busp := ""
		if i := strings.IndexByte(port, '@'); i >= 0 {
			port, busp = port[:i], port[i+1:]
		}
		if node.port, err = strconv.Atoi(port); err != nil {
			return fmterr(lineno, "bad port")
		}
		node.cport = node.port + PortIncr
		if busp != "" {
			if node.cport, err = strconv.Atoi(busp); err != nil {
				return fmterr(lineno, "bad bus port")
			}
		}
		for _, f := range strings.Split(argv[2], ",") {
			switch strings.ToLower(f) {
			case "myself":
				if n.cluster.myself != nil {
					return fmterr(lineno, "two myself nodes")
				}
				n.cluster.myself = node
				node.flags |= NodeMyself
			case "master":
				node.flags |= NodeMaster
			case "slave":
				node.flags |= NodeSlave
			case "fail?":
				node.flags |= NodePFail
			case "fail":
				node.flags |= NodeFail
				node.failTime = now
			case "handshake":
				node.flags |= NodeHandshake
			case "noaddr":
				node.flags |= NodeNoAddr
			case "nofailover":
				node.flags |= NodeNoFailover
			case "noflags":
			default:
				return fmterr(lineno, "Unknown flag in redis cluster config file")
			}
		}
		if argv[3] != "-" {
			master, err := ParseNodeName(argv[3])
			if err != nil {
				return fmterr(lineno, "bad master name")
			}
			node.slaveof = master
		}
		if v, _ := strconv.ParseInt(argv[4], 10, 64); v != 0 {
			node.pingSent = now
		}
		if v, _ := strconv.ParseInt(argv[5], 10, 64); v != 0 {
			node.pongReceived = now
		}
		if node.configEpoch, err = strconv.ParseUint(argv[6], 10, 64); err != nil {
			return fmterr(lineno, "bad config epoch")
		}
		for _, r := range argv[8:] {
			if strings.HasPrefix(r, "[") {
				continue // importing/migrating slots: none here
			}
			lo, hi, ok := strings.Cut(r, "-")
			start, err1 := strconv.Atoi(lo)
			stop := start
			var err2 error
			if ok {
				stop, err2 = strconv.Atoi(hi)
			}
			if err1 != nil || err2 != nil || start < 0 || stop >= ClusterSlots || start > stop {
				return fmterr(lineno, "bad slot range "+r)
			}
			for s := start; s <= stop; s++ {
				n.clusterAddSlot(node, s)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("loading the cluster node config from %s: %w", path, err)
	}
	if n.cluster.myself == nil {
		return fmterr(lineno, "no myself node")
	}
	n.logf(llNotice, "Node configuration loaded, I'm %s", n.cluster.myself.name)
	maxEpoch := n.cluster.currentEpoch
	for _, node := range n.cluster.order {
		maxEpoch = max(maxEpoch, node.configEpoch)
	}
	n.cluster.currentEpoch = maxEpoch
	return true, nil
}

// clusterGenConfig is the content of nodes.conf.
func (n *node) clusterGenConfig() string {
	return n.clusterGenNodesDescription(NodeHandshake) +
		fmt.Sprintf("vars currentEpoch %d lastVoteEpoch %d\n", n.cluster.currentEpoch, n.cluster.lastVoteEpoch)
}

// clusterSaveConfig writes nodes.conf atomically: temp file, fsync,
// rename, fsync of the directory. doFsync=false skips the two fsyncs.
func (n *node) clusterSaveConfig(doFsync bool) error {
	if n.cfg.ConfigFile == "" {
		return nil
	}
	path := n.cfg.ConfigFile
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.WriteString(n.clusterGenConfig())
	if err == nil && doFsync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if doFsync {
		if d, err := os.Open(dir); err == nil {
			d.Sync()
			d.Close()
		}
	}
	return nil
}

// clusterSaveConfigOrLog saves and logs a failure. Redis exits
// (clusterSaveConfigOrDie); a node that cannot persist its view keeps
// running here, loudly.
func (n *node) clusterSaveConfigOrLog(doFsync bool) {
	if err := n.clusterSaveConfig(doFsync); err != nil {
		n.logf(llWarning, "Fatal: can't update cluster config file: %v", err)
	}
}
