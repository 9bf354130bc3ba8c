package ngram

import (
	"fmt"
	"math/bits"
)

// table holds the grams of one order k, indexed by gram id, found through an
// open-addressing hash index over their keys.
//
// A gram's key is its prefix's id in the order k-1 table (0 for k = 1)
// shifted left by 32, or-ed with its last token; keys are therefore exact
// (no two grams are ever confused) and a gram of any order costs one probe
// sequence. The index is linear probing over a power-of-two number of slots
// kept at most half full; a slot holds a 32-bit fingerprint of the key and
// the gram id + 1, so a probe reads the gram itself only when the
// fingerprints agree. A gram keeps its count and, as a context of the next
// order, its total and distinct counts together, in one 24-byte record.
type table struct {
	ents  []entry
	slots []uint64 // 0 empty, else fingerprint<<32 | (id + 1)
	shift uint     // 64 - log2(len(slots))
}

type entry struct {
	key uint64
	// count is the gram's count at this order: raw, or the continuation
	// count for Kneser-Ney below the top order.
	count uint32
	// total and distinct describe the gram as a context of the next order:
	// the sum of the counts of the grams it prefixes, and how many of those
	// are above 0.
	total, distinct uint32
}

func gramKey(prefix int32, tok int32) uint64 { return uint64(uint32(prefix))<<32 | uint64(uint32(tok)) }

func keyPrefix(k uint64) int32 { return int32(uint32(k >> 32)) }
func keyToken(k uint64) int32  { return int32(uint32(k)) }

func (t *table) slot(key uint64) uint64 { return (key * 0x9e3779b97f4a7c15) >> t.shift }

func fingerprint(key uint64) uint64 {
	key ^= key >> 29
	return (key * 0xbf58476d1ce4e5b9) >> 32 << 32
}

// find returns the id of key, or -1.
func (t *table) find(key uint64) int32 {
	if len(t.slots) == 0 {
		return -1
	}
	mask := uint64(len(t.slots) - 1)
	fp := fingerprint(key)
	for i := t.slot(key); ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return -1
		}
		if s&^0xffffffff == fp {
			if id := int32(uint32(s)) - 1; t.ents[id].key == key {
				return id
			}
		}
	}
}

// insert returns the id of key, adding it with count 0 when absent (then
// isNew is true); -1 when it is absent and the table already holds max
// grams.
func (t *table) insert(key uint64, max int) (id int32, isNew bool) {
	if id := t.find(key); id >= 0 {
		return id, false
	}
	if len(t.ents) >= max {
		return -1, false
	}
	if 2*(len(t.ents)+1) > len(t.slots) {
		t.grow()
	}
	id = int32(len(t.ents))
	t.ents = append(t.ents, entry{key: key})
	t.place(key, id)
	return id, true
}

func (t *table) place(key uint64, id int32) bool {
	mask := uint64(len(t.slots) - 1)
	fp := fingerprint(key)
	for i := t.slot(key); ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			t.slots[i] = fp | uint64(id+1)
			return true
		}
		if t.ents[int32(uint32(s))-1].key == key {
			return false
		}
	}
}

func (t *table) grow() {
	n := 16
	if len(t.slots) > 0 {
		n = 2 * len(t.slots)
	}
	t.index(n)
}

// index rebuilds the hash index with n slots (a power of two above twice
// the grams); it reports whether all keys are distinct.
func (t *table) index(n int) bool {
	t.slots = make([]uint64, n)
	t.shift = uint(64 - bits.TrailingZeros(uint(n)))
	for id, e := range t.ents {
		if !t.place(e.key, int32(id)) {
			return false
		}
	}
	return true
}

// reindex sizes and rebuilds the index after decoding.
func (t *table) reindex() error {
	n := 16
	for n < 2*(len(t.ents)+1) {
		n *= 2
	}
	if !t.index(n) {
		return fmt.Errorf("repeated gram")
	}
	return nil
}

// bytes is the memory the table's arrays hold.
func (t *table) bytes() int { return 24*cap(t.ents) + 8*cap(t.slots) }
