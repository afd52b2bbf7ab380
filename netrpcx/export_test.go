package netrpcx

// PendingCalls returns how many calls c's connection awaits responses for.
func PendingCalls(c *Client) int {
	cc := (*c.eps.Load())[0].cur.Load()
	if cc == nil {
		return 0
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return len(cc.pending)
}
