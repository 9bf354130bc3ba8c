package ocsvm

// cache holds kernel columns as float32 in least-recently-used order
// within a bound on the number of stored values, like LIBSVM's Cache.
// Column i holds Q_ij for positions j in [0, len(data[i])). Memory of an
// evicted column is left to the garbage collector and never reused, so a
// slice returned by get stays valid even after eviction.
type cache struct {
	data       [][]float32
	prev, next []int32 // circular LRU list through position l (the head)
	free       int     // values that may still be stored
}

func newCache(l, bytes int) *cache {
	c := &cache{data: make([][]float32, l), prev: make([]int32, l+1), next: make([]int32, l+1)}
	c.free = bytes / 4
	if c.free < 2*l {
		c.free = 2 * l // room for the two columns of a step
	}
	c.prev[l], c.next[l] = int32(l), int32(l)
	return c
}

func (c *cache) unlink(i int) {
	p, n := c.prev[i], c.next[i]
	c.next[p] = n
	c.prev[n] = p
}

// link inserts i as the most recently used column.
func (c *cache) link(i int) {
	h := int32(len(c.data))
	p := c.prev[h]
	c.next[p] = int32(i)
	c.prev[i] = p
	c.next[i] = h
	c.prev[h] = int32(i)
}

// get returns column i with room for n values and the first position
// that still has to be computed (n if none).
func (c *cache) get(i, n int) ([]float32, int) {
	d := c.data[i]
	have := len(d)
	if have > 0 {
		c.unlink(i)
	}
	if more := n - have; more > 0 {
		h := len(c.data)
		for c.free < more {
			old := int(c.next[h])
			c.unlink(old)
			c.free += len(c.data[old])
			c.data[old] = nil
		}
		nd := make([]float32, n)
		copy(nd, d) // i is unlinked, so the loop above never evicts it
		c.data[i] = nd
		c.free -= more
	}
	c.link(i)
	if have > n {
		have = n
	}
	return c.data[i], have
}

// swapIndex exchanges positions i and j in every cached column, dropping
// columns that hold only one of the two.
func (c *cache) swapIndex(i, j int) {
	if i == j {
		return
	}
	if len(c.data[i]) > 0 {
		c.unlink(i)
	}
	if len(c.data[j]) > 0 {
		c.unlink(j)
	}
	c.data[i], c.data[j] = c.data[j], c.data[i]
	if len(c.data[i]) > 0 {
		c.link(i)
	}
	if len(c.data[j]) > 0 {
		c.link(j)
	}
	if i > j {
		i, j = j, i
	}
	h := len(c.data)
	for p := int(c.next[h]); p != h; {
		nx := int(c.next[p])
		if d := c.data[p]; len(d) > i {
			if len(d) > j {
				d[i], d[j] = d[j], d[i]
			} else {
				c.unlink(p)
				c.free += len(d)
				c.data[p] = nil
			}
		}
		p = nx
	}
}
