package redisasync

// isSubscribeReply reports whether a RESP3 push is a pub/sub one
// (redisIsSubscribeReply): its first element names a subscribe,
// unsubscribe or message kind.
func isSubscribeReply(r *Reply) bool {
	if len(r.Elements) < 2 || !isText(r.Elements[0]) {
		return false
	}
	_, base := subKind(r.Elements[0].Str)
	return base != baseNone
}

func isText(r *Reply) bool { return r.Type == TypeString || r.Type == TypeStatus }

// subscribeCallback finds the callback of a reply in subscribed mode
// (__redisGetSubscribeCallback): a pub/sub reply goes to its channel's
// or pattern's callback, keeping the bookkeeping of confirmations; any
// other reply (an error, PING's "pong") to the next command sent while
// subscribed.
func (c *Context) subscribeCallback(r *Reply) callback {
	if (r.Type == TypeArray || r.Type == TypePush) && len(r.Elements) >= 2 && isText(r.Elements[0]) {
		kind, base := subKind(r.Elements[0].Str)
		if base != baseNone {
			d := c.subs[kind]
			var sc *subCallback
			name := r.Elements[1]
			if name.Type == TypeString || name.Type == TypeStatus {
				sc = d[string(name.Str)]
			}
			switch base {
			case baseSubscribe:
				if sc != nil {
					sc.pendingSubs--
				}
			case baseUnsubscribe:
				if sc == nil {
					if c.pendingUnsubs > 0 {
						c.pendingUnsubs--
					}
				} else if sc.pendingSubs <= 0 {
					delete(d, string(name.Str))
				}
				// The last unsubscribe ends subscribed mode, unless a
				// subscribe or an unsubscribe is still to be confirmed.
				if len(r.Elements) >= 3 && r.Elements[2].Type == TypeInteger && r.Elements[2].Integer == 0 &&
					len(c.subs[0]) == 0 && len(c.subs[1]) == 0 && len(c.subs[2]) == 0 && c.pendingUnsubs == 0 {
					c.flags &^= flagSubscribed
					for {
						cb, ok := c.subReplies.shift()
						if !ok {
							break
						}
						c.replies.push(cb)
					}
				}
			}
			if sc == nil {
				return callback{}
			}
			return callback{fn: sc.fn, priv: sc.priv}
		}
	}
	cb, _ := c.subReplies.shift()
	return cb
}
