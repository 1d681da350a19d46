package respserver

import "testing"

// TestClientFlagsOrder: the flags= letters come in catClientInfoString's
// order whatever sets them (server flags and the Client's own c, A, U),
// and N stands for none.
func TestClientFlagsOrder(t *testing.T) {
	c := &Client{Flags: CloseAfterReply | CloseASAP | UnixSocket}
	all := ClientFlags{PubSub: true, Multi: true, Blocked: true, Tracking: true, TrackingBrokenRedir: true,
		Bcast: true, DirtyCAS: true, Unblocked: true, ReadOnly: true, NoEvict: true}
	if got := string(appendFlags(nil, c, all)); got != "PxbtRBdcuAUre" {
		t.Errorf("every flag: %q, want %q", got, "PxbtRBdcuAUre")
	}
	if got := string(appendFlags(nil, &Client{}, ClientFlags{})); got != "N" {
		t.Errorf("no flag: %q, want N", got)
	}
	if got := string(appendFlags(nil, &Client{Flags: UnixSocket}, ClientFlags{PubSub: true})); got != "PU" {
		t.Errorf("subscribed on the unix socket: %q, want PU", got)
	}
}

// TestClientTypeByName: Redis's names, any case, slave as replica.
func TestClientTypeByName(t *testing.T) {
	for name, want := range map[string]int{"normal": ClientTypeNormal, "SLAVE": ClientTypeReplica, "replica": ClientTypeReplica,
		"PubSub": ClientTypePubsub, "master": ClientTypeMaster, "monitor": -1, "": -1} {
		if got := ClientTypeByName([]byte(name)); got != want {
			t.Errorf("%q: %d, want %d", name, got, want)
		}
	}
}
