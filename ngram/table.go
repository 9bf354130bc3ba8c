package ngram

import (
	"fmt"
	"math/bits"
)

// Table holds the grams of one order k as flat arrays indexed by gram id,
// found through an open-addressing hash index over their keys.
//
// A gram's key is its prefix's id in the order k-1 table (0 for k = 1)
// shifted left by 32, or-ed with its last token; keys are therefore exact
// (no hash collisions are ever confused) and a gram of order k costs one
// probe sequence whatever k. The index is linear probing over a power-of-two
// number of slots kept at most half full.
type Table struct {
	Keys  []uint64 // gram id -> key
	Count []uint32 // gram id -> count used at this order (raw, or continuation for Kneser-Ney below the top order)
	// Total and Distinct describe the gram as a context of the next order:
	// the sum of the counts of the grams it prefixes, and how many of those
	// counts are above 0. Empty for the top order.
	Total    []uint32
	Distinct []uint32

	slots []int32 // 0 empty, else gram id + 1
	shift uint    // 64 - log2(len(slots))
}

func gramKey(prefix int32, tok int32) uint64 { return uint64(uint32(prefix))<<32 | uint64(uint32(tok)) }

func keyPrefix(k uint64) int32 { return int32(uint32(k >> 32)) }
func keyToken(k uint64) int32  { return int32(uint32(k)) }

func (t *Table) slot(key uint64) uint64 { return (key * 0x9e3779b97f4a7c15) >> t.shift }

// find returns the id of key, or -1.
func (t *Table) find(key uint64) int32 {
	if len(t.slots) == 0 {
		return -1
	}
	mask := uint64(len(t.slots) - 1)
	for i := t.slot(key); ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return -1
		}
		if t.Keys[s-1] == key {
			return s - 1
		}
	}
}

// insert returns the id of key, adding it with count 0 when absent; -1 when
// it is absent and the table already holds max grams.
func (t *Table) insert(key uint64, max int) int32 {
	if id := t.find(key); id >= 0 {
		return id
	}
	if len(t.Keys) >= max {
		return -1
	}
	if 2*(len(t.Keys)+1) > len(t.slots) {
		t.grow()
	}
	id := int32(len(t.Keys))
	t.Keys = append(t.Keys, key)
	t.Count = append(t.Count, 0)
	t.place(key, id)
	return id
}

func (t *Table) place(key uint64, id int32) bool {
	mask := uint64(len(t.slots) - 1)
	for i := t.slot(key); ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			t.slots[i] = id + 1
			return true
		}
		if t.Keys[s-1] == key {
			return false
		}
	}
}

func (t *Table) grow() {
	n := 16
	if len(t.slots) > 0 {
		n = 2 * len(t.slots)
	}
	t.index(n)
}

// index rebuilds the hash index with n slots (a power of two above twice
// the grams); it reports whether all keys are distinct.
func (t *Table) index(n int) bool {
	t.slots = make([]int32, n)
	t.shift = uint(64 - bits.TrailingZeros(uint(n)))
	for id, k := range t.Keys {
		if !t.place(k, int32(id)) {
			return false
		}
	}
	return true
}

// reindex sizes and rebuilds the index after decoding.
func (t *Table) reindex() error {
	n := 16
	for n < 2*(len(t.Keys)+1) {
		n *= 2
	}
	if !t.index(n) {
		return fmt.Errorf("repeated gram")
	}
	return nil
}

// bytes is the memory the table's arrays hold.
func (t *Table) bytes() int {
	return 8*cap(t.Keys) + 4*(cap(t.Count)+cap(t.Total)+cap(t.Distinct)+cap(t.slots))
}
