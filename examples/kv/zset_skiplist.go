package main

import "math/rand/v2"

// The skiplist of a sorted set, ported from Redis's t_zset.c (itself from
// William Pugh's paper): nodes ordered by (score, member bytes), each
// level's forward pointer carrying its span, the number of level-0 steps
// it jumps, so that a node's rank is the sum of the spans on the path to
// it. Insert, delete, rank and access by rank are O(log n) on average.
const (
	zslMaxLevel = 32 // ZSKIPLIST_MAXLEVEL, enough for 2^64 elements
	zslP        = 4  // 1/ZSKIPLIST_P: a node reaches the next level with p = 1/4
)

type zslLevel struct {
	forward *zslNode
	span    int
}

type zslNode struct {
	ele      string
	score    float64
	backward *zslNode
	level    []zslLevel
	// pos is the node's index in its zset's scan array (see zset.scan).
	pos int32
	// inline is level's storage for a node of height 1 (three nodes in
	// four), which then costs one allocation instead of two.
	inline [1]zslLevel
}

type skiplist struct {
	header *zslNode
	tail   *zslNode
	length int
	level  int
}

func newSkiplist() *skiplist {
	return &skiplist{
		header: &zslNode{level: make([]zslLevel, zslMaxLevel)},
		level:  1,
	}
}

// randomLevel returns a height in [1, zslMaxLevel], height h with
// probability (1-p)p^(h-1).
func zslRandomLevel() int {
	level := 1
	for level < zslMaxLevel && rand.Uint32()%zslP == 0 {
		level++
	}
	return level
}

func newZslNode(height int, score float64, ele string) *zslNode {
	x := &zslNode{ele: ele, score: score}
	if height == 1 {
		x.level = x.inline[:]
	} else {
		x.level = make([]zslLevel, height)
	}
	return x
}

// less reports whether node x sorts before (score, ele).
func (x *zslNode) less(score float64, ele string) bool {
	return x.score < score || (x.score == score && x.ele < ele)
}

// insert adds a new node for (score, ele), which must not be present.
func (zsl *skiplist) insert(score float64, ele string) *zslNode {
	x := newZslNode(zslRandomLevel(), score, ele)
	zsl.insertNode(x)
	return x
}

// insertNode links x, with its height and score set, at its place.
func (zsl *skiplist) insertNode(x *zslNode) {
	var update [zslMaxLevel]*zslNode
	var rank [zslMaxLevel]int
	h := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		if i == zsl.level-1 {
			rank[i] = 0
		} else {
			rank[i] = rank[i+1]
		}
		for h.level[i].forward != nil && h.level[i].forward.less(x.score, x.ele) {
			rank[i] += h.level[i].span
			h = h.level[i].forward
		}
		update[i] = h
	}
	height := len(x.level)
	if height > zsl.level {
		for i := zsl.level; i < height; i++ {
			rank[i] = 0
			update[i] = zsl.header
			update[i].level[i].span = zsl.length
		}
		zsl.level = height
	}
	for i := 0; i < height; i++ {
		x.level[i].forward = update[i].level[i].forward
		update[i].level[i].forward = x
		// update[i].level[i].span is the number of elements between
		// update[i] and update[i].level[i].forward.
		x.level[i].span = update[i].level[i].span - (rank[0] - rank[i])
		update[i].level[i].span = (rank[0] - rank[i]) + 1
	}
	// The levels above x's height skip one more node now.
	for i := height; i < zsl.level; i++ {
		update[i].level[i].span++
	}
	if update[0] == zsl.header {
		x.backward = nil
	} else {
		x.backward = update[0]
	}
	if x.level[0].forward != nil {
		x.level[0].forward.backward = x
	} else {
		zsl.tail = x
	}
	zsl.length++
}

// deleteNode unlinks x given update, the rightmost node before x at each
// level (zslDeleteNode).
func (zsl *skiplist) deleteNode(x *zslNode, update *[zslMaxLevel]*zslNode) {
	for i := 0; i < zsl.level; i++ {
		if update[i].level[i].forward == x {
			update[i].level[i].span += x.level[i].span - 1
			update[i].level[i].forward = x.level[i].forward
		} else {
			update[i].level[i].span--
		}
	}
	if x.level[0].forward != nil {
		x.level[0].forward.backward = x.backward
	} else {
		zsl.tail = x.backward
	}
	for zsl.level > 1 && zsl.header.level[zsl.level-1].forward == nil {
		zsl.level--
	}
	zsl.length--
}

// findUpdate fills update with the rightmost node before (score, ele) at
// each level and returns the node at (score, ele) or after it.
func (zsl *skiplist) findUpdate(score float64, ele string, update *[zslMaxLevel]*zslNode) *zslNode {
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for x.level[i].forward != nil && x.level[i].forward.less(score, ele) {
			x = x.level[i].forward
		}
		update[i] = x
	}
	return x.level[0].forward
}

// delete unlinks the node of (score, ele) and returns it, nil if absent.
func (zsl *skiplist) delete(score float64, ele string) *zslNode {
	var update [zslMaxLevel]*zslNode
	x := zsl.findUpdate(score, ele, &update)
	if x != nil && x.score == score && x.ele == ele {
		zsl.deleteNode(x, &update)
		return x
	}
	return nil
}

// updateScore moves node x to newscore (zslUpdateScore). When the node
// stays between its neighbours its score is changed in place; otherwise
// it is unlinked and linked again, reusing the node: no allocation.
func (zsl *skiplist) updateScore(x *zslNode, newscore float64) {
	if (x.backward == nil || x.backward.score < newscore) &&
		(x.level[0].forward == nil || x.level[0].forward.score > newscore) {
		x.score = newscore
		return
	}
	var update [zslMaxLevel]*zslNode
	zsl.findUpdate(x.score, x.ele, &update)
	zsl.deleteNode(x, &update)
	x.score = newscore
	x.backward = nil
	for i := range x.level {
		x.level[i] = zslLevel{}
	}
	zsl.insertNode(x)
}

// rank returns the 1-based rank of the node of (score, ele), 0 if absent
// (zslGetRank).
func (zsl *skiplist) rank(score float64, ele string) int {
	rank := 0
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for x.level[i].forward != nil && (x.level[i].forward.less(score, ele) ||
			(x.level[i].forward.score == score && x.level[i].forward.ele == ele)) {
			rank += x.level[i].span
			x = x.level[i].forward
		}
		if x != zsl.header && x.score == score && x.ele == ele {
			return rank
		}
	}
	return 0
}

// byRank returns the node at 1-based rank, nil if out of range
// (zslGetElementByRank).
func (zsl *skiplist) byRank(rank int) *zslNode {
	traversed := 0
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for x.level[i].forward != nil && traversed+x.level[i].span <= rank {
			traversed += x.level[i].span
			x = x.level[i].forward
		}
		if traversed == rank {
			return x
		}
	}
	return nil
}

// lastWhere returns the last node for which before holds, with its rank,
// or the header and 0 if there is none. before must hold for a prefix of
// the list: it is how every range search here descends.
func (zsl *skiplist) lastWhere(before func(*zslNode) bool) (*zslNode, int) {
	rank := 0
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for x.level[i].forward != nil && before(x.level[i].forward) {
			rank += x.level[i].span
			x = x.level[i].forward
		}
	}
	return x, rank
}

// first returns the first node, nil if empty.
func (zsl *skiplist) first() *zslNode { return zsl.header.level[0].forward }
