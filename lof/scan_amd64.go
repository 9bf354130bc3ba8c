package lof

import "golang.org/x/sys/cpu"

// scanBlocksAVX2 is scanBlocksGo in AVX2 assembly; nblk is at most 64.
//
//go:noescape
func scanBlocksAVX2(blk *float64, nblk, d int, q *float64, bound float64, out *float64) uint64

func init() {
	if cpu.X86.HasAVX2 {
		scanBlocks = scanBlocksAsm
	}
}

func scanBlocksAsm(blk []float64, d int, q []float64, bound float64, out []float64) uint64 {
	nblk := len(blk) / (4 * d)
	if nblk == 0 {
		return 0
	}
	if nblk > 64 {
		panic("lof: more than 64 blocks in one scan") // internal invariant
	}
	_ = out[4*nblk-1]
	_ = q[d-1]
	return scanBlocksAVX2(&blk[0], nblk, d, &q[0], bound, &out[0])
}
