package endpoint

import "time"

// connList is an intrusive doubly linked list of connections in accept order.
type connList struct {
	head, tail *trackedConn
	len        int
}

func (q *connList) pushBack(c *trackedConn) {
	c.prev, c.next, c.listed = q.tail, nil, true
	if q.tail != nil {
		q.tail.next = c
	} else {
		q.head = c
	}
	q.tail = c
	q.len++
}

func (q *connList) remove(c *trackedConn) {
	if !c.listed {
		return
	}
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		q.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	} else {
		q.tail = c.prev
	}
	c.prev, c.next, c.listed = nil, nil, false
	q.len--
}

// oldestEvictable is the oldest connection that waits for a request's bytes and is at least
// minEvictAge old; if there is none, next is when the oldest younger one that waits comes of
// age (zero if none waits). One whose bytes have arrived but not yet been read is passed over:
// under load its goroutine may wait long to be scheduled, and it may be the token holder's.
func (q *connList) oldestEvictable(now time.Time) (c *trackedConn, next time.Time) {
	for c := q.head; c != nil; c = c.next {
		if !c.reading.Load() || c.active.Load() {
			continue
		}
		if ripe := c.accepted.Add(minEvictAge); ripe.After(now) {
			return nil, ripe // the list is in accept order: the rest are younger still
		}
		if !hasUnreadBytes(c.Conn) {
			return c, time.Time{}
		}
	}
	return nil, time.Time{}
}
