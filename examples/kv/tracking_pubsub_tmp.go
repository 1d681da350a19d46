package main

// inPubSubMode: replaced by pub/sub's on merge.
func (s *server) inPubSubMode(c *client) bool { return false }
