package main

// Hello messages: how sentinels find each other and spread the masters'
// configuration (sentinel.c's sentinelSendHello, sentinelReceiveHelloMessages,
// sentinelProcessHelloMessage).

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/goae/goae/internal/redisasync"
)

// sentinelSendHello is sentinel.c's: PUBLISH __sentinel__:hello
// "ip,port,myid,current_epoch,master,master_ip,master_port,config_epoch"
// on ri's command link. The IP is announce-ip, else the local address of
// the link's socket; the port announce-port, else the listening port.
func (s *sentinelState) sentinelSendHello(ri *sentinelRedisInstance) bool {
	master := masterOf(ri)
	masterAddr := sentinelGetCurrentMasterAddress(master)
	if ri.link.disconnected {
		return false
	}
	ip := s.cfg.announceIP
	if ip == "" {
		var ok bool
		if ip, ok = localIP(ri.link.cc); !ok {
			return false
		}
	}
	port := s.cfg.announcePort
	if port == 0 {
		port = s.cfg.port
	}
	s.noteAnnounced(ip, port)
	payload := fmt.Sprintf("%s,%d,%s,%d,%s,%s,%d,%d", ip, port, s.cfg.myid, s.cfg.currentEpoch,
		master.name, s.cfg.announceSentinelAddr(masterAddr), masterAddr.port, master.configEpoch)
	return s.linkCommand(ri, ri.link.cc, sentinelPublishReplyCallback,
		sentinelInstanceMapCommand(ri, "PUBLISH"), helloChannel, payload)
}

// sentinelPublishReplyCallback is sentinel.c's: the hello counts as sent
// only if the PUBLISH did not fail; otherwise it is tried at the next tick.
func sentinelPublishReplyCallback(s *sentinelState, ri *sentinelRedisInstance, _ *instanceLink, r *redisasync.Reply) {
	if r.Type != redisasync.TypeError {
		ri.lastPubTime = s.mstime()
	}
}

// sentinelReceiveHelloMessages is sentinel.c's: the pub/sub link's
// callback; anything that arrives counts as activity, and a "message" on
// the hello channel that is not our own is processed.
func (s *sentinelState) sentinelReceiveHelloMessages(c *redisasync.Context, r *redisasync.Reply, priv any) {
	ri, _ := priv.(*sentinelRedisInstance)
	if r == nil || ri == nil || ri.released {
		return
	}
	ri.link.pcLastActivity = s.mstime()
	if r.Type != redisasync.TypeArray && r.Type != redisasync.TypePush {
		return
	}
	if len(r.Elements) != 3 {
		return
	}
	for _, e := range r.Elements {
		if e.Type != redisasync.TypeString {
			return
		}
	}
	if string(r.Elements[0].Str) != "message" {
		return
	}
	payload := string(r.Elements[2].Str)
	if strings.Contains(payload, s.cfg.myid) {
		s.checkOwnMyidHello(payload)
		return
	}
	s.sentinelProcessHelloMessage(payload)
}

// sentinelProcessHelloMessage is sentinel.c's: a hello of 8 fields about a
// master we monitor adds or updates the sentinel that sent it, adopts a
// greater current epoch, and follows a newer master configuration,
// switching the master's address.
func (s *sentinelState) sentinelProcessHelloMessage(hello string) {
	token := strings.Split(hello, ",")
	if len(token) != 8 {
		return
	}
	master := s.sentinelGetMasterByName(token[4])
	if master == nil {
		return
	}
	port := atoi(token[1])
	masterPort := atoi(token[6])
	si := getSentinelRedisInstanceByAddrAndRunID(master.sentinels, token[0], port, token[2])
	currentEpoch := strtoull(token[3])
	masterConfigEpoch := strtoull(token[7])

	if si == nil {
		var oldAddr string
		if prev := getSentinelRedisInstanceByAddrAndRunID(master.sentinels, "", 0, token[2]); prev != nil {
			oldAddr = prev.addr.ip + ":" + strconv.Itoa(prev.addr.port)
		}
		removed := s.removeMatchingSentinelFromMaster(master, token[2])
		if removed > 0 {
			s.noteAddressSwitch(token[2], oldAddr, token[0]+":"+token[1])
			s.sentinelEvent(llNotice, "+sentinel-address-switch", master, "%@ ip %s port %d for %s", token[0], port, token[2])
		} else if other := getSentinelRedisInstanceByAddrAndRunID(master.sentinels, token[0], port, ""); other != nil {
			s.sentinelEvent(llNotice, "+sentinel-invalid-addr", other, "%@")
			obsolete := other.runid
			for _, m := range s.masters.list {
				s.removeMatchingSentinelFromMaster(m, obsolete)
			}
		}
		si, _ = s.createSentinelRedisInstance(token[2], sriSentinel, token[0], port, nil, master)
		if si != nil {
			if removed == 0 {
				s.sentinelEvent(llNotice, "+sentinel", si, "%@")
			}
			si.runid = token[2]
			s.sentinelTryConnectionSharing(si)
			if removed > 0 {
				s.sentinelUpdateSentinelAddressInAllMasters(si)
			}
			s.flushConfig()
		}
	}

	if currentEpoch > s.cfg.currentEpoch {
		s.cfg.currentEpoch = currentEpoch
		s.flushConfig()
		s.sentinelEvent(llWarning, "+new-epoch", master, "%d", s.cfg.currentEpoch)
	}

	if si != nil && master.configEpoch < masterConfigEpoch {
		master.configEpoch = masterConfigEpoch
		if masterPort != master.addr.port || !s.sentinelAddrEqualsHostname(master.addr, token[5]) {
			s.sentinelEvent(llWarning, "+config-update-from", si, "%@")
			s.sentinelEvent(llWarning, "+switch-master", master, "%s %s %d %s %d",
				master.name, s.cfg.announceSentinelAddr(master.addr), master.addr.port, token[5], masterPort)
			oldAddr := master.addr
			s.sentinelResetMasterAndChangeAddress(master, token[5], masterPort)
			s.sentinelCallClientReconfScript(master, false, "start", oldAddr, master.addr)
		} else {
			// Redis writes the new epoch at the next flush; do it now.
			s.flushConfig()
		}
	}
	if si != nil {
		si.lastHelloTime = s.mstime()
	}
}
