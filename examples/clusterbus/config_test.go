package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadConfText runs clusterLoadConfig on text in a fresh cluster state
// and fails the test on an error.
func loadConfText(t *testing.T, text string) *node {
	t.Helper()
	n, err := loadConf(t, text)
	if err != nil {
		t.Fatalf("loading:\n%s\n%v", text, err)
	}
	return n
}

func loadConf(t *testing.T, text string) (*node, error) {
	path := filepath.Join(t.TempDir(), "nodes.conf")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	n := &node{log: testLogger(t.Name())}
	n.cluster.nodes = map[NodeName]*clusterNode{}
	n.cluster.blacklist = map[NodeName]int64{}
	ok, err := n.clusterLoadConfig(path)
	if err == nil && !ok {
		return nil, os.ErrNotExist
	}
	return n, err
}

// Input: a nodes.conf as Redis 7.0 writes it: two nodes, one with a
// hostname and slots, handshake-free, and the vars line.
// Expected: every field read as Redis reads it (ping/pong non-zero
// become "now", slots counted), and writing it back gives the same text
// but for the times.
func TestNodesConfLoad(t *testing.T) {
	a, b := strings.Repeat("a", 40), strings.Repeat("b", 40)
	text := a + " 127.0.0.1:7000@17000 myself,master - 0 0 3 connected\n" +
		b + " 10.0.0.2:7001@17001,host.example master,fail? - 1700000000000 1700000000001 2 disconnected 0-99 200\n" +
		"vars currentEpoch 5 lastVoteEpoch 4\n"
	n := loadConfText(t, text)
	me := n.cluster.myself
	if me == nil || me.name.String() != a || me.flags != NodeMyself|NodeMaster || me.port != 7000 || me.cport != 17000 || me.configEpoch != 3 {
		t.Fatalf("myself: %+v", me)
	}
	nb := n.clusterLookupNode(nameArg([]byte(b)))
	if nb == nil || nb.ip != "10.0.0.2" || nb.hostname != "host.example" || nb.flags != NodeMaster|NodePFail ||
		nb.pingSent == 0 || nb.pongReceived == 0 || nb.numslots != 101 || !nb.slots.Has(200) || n.cluster.slots[99] != nb {
		t.Fatalf("node b: %+v", nb)
	}
	if n.cluster.currentEpoch != 5 || n.cluster.lastVoteEpoch != 4 {
		t.Fatalf("vars: currentEpoch %d lastVoteEpoch %d", n.cluster.currentEpoch, n.cluster.lastVoteEpoch)
	}
	nb.pingSent, nb.pongReceived = 1700000000000, 1700000000001
	if got := n.clusterGenConfig(); got != text {
		t.Errorf("written back:\n%s\nwant:\n%s", got, text)
	}
}

// Input: missing, empty and malformed nodes.conf files.
// Expected: a missing or empty file means "no configuration" (a new
// node); each malformed one is an error, as Redis's "corrupted cluster
// config file", never a half-loaded state used silently.
func TestNodesConfCorrupt(t *testing.T) {
	n := &node{log: testLogger(t.Name())}
	n.cluster.nodes = map[NodeName]*clusterNode{}
	if ok, err := n.clusterLoadConfig(filepath.Join(t.TempDir(), "none.conf")); ok || err != nil {
		t.Errorf("missing file: %v, %v", ok, err)
	}
	if _, err := loadConf(t, ""); err != os.ErrNotExist {
		t.Errorf("empty file: %v", err)
	}
	a := strings.Repeat("a", 40)
	for _, text := range []string{
		a + " 127.0.0.1:7000@17000 myself,master - 0 0\n",                                                        // fewer than 8 fields
		"short 127.0.0.1:7000@17000 myself,master - 0 0 0 connected\n",                                           // bad name
		a + " 127.0.0.1@17000 myself,master - 0 0 0 connected\n",                                                 // no port
		a + " 127.0.0.1:7000@17000 myself,wizard - 0 0 0 connected\n",                                            // unknown flag
		a + " 127.0.0.1:7000@17000 master - 0 0 0 connected\n",                                                   // no myself
		a + " 127.0.0.1:7000@17000 myself,master - 0 0 0 connected 16384\n",                                      // slot out of range
		a + " 127.0.0.1:7000@17000 myself,master - 0 0 x connected\n",                                            // bad epoch
		a + " 127.0.0.1:7000@17000 myself,master - 0 0 0 connected\nvars currentEpoch x\n",                       // bad var
		a + " 127.0.0.1:7000@17000 myself,master - 0 0 0 connected\n" + a + "x 1:2@3 master - 0 0 0 connected\n", // bad second name
	} {
		if _, err := loadConf(t, text); err == nil {
			t.Errorf("loaded a corrupted file:\n%s", text)
		}
	}
}

// Input: a node's config saved twice with CLUSTER SAVECONFIG. Expected: no temporary file is left
// next to nodes.conf, and the file has mode 0644.
func TestNodesConfAtomicWrite(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "nodes.conf")
	n := startNode(t, Config{ConfigFile: conf})
	for i := 0; i < 2; i++ {
		if s := callStr(t, n, "cluster", "saveconfig"); s != "OK" {
			t.Fatalf("CLUSTER SAVECONFIG: %s", s)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "nodes.conf" {
		t.Fatalf("directory holds %v", entries)
	}
	if st, _ := os.Stat(conf); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", st.Mode())
	}
}
