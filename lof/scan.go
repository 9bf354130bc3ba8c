package lof

// scanBlocks is scanBlocksGo, or an assembly version of it with the same
// results where the processor allows.
var scanBlocks = scanBlocksGo

// scanBlocksGo computes the squared distances from q to rows stored in
// blocks of four, column by column: block b holds, for each column j in
// turn, the four rows' values of column j, at blk[4*d*b+4*j : 4*d*b+4*j+4].
// At most 64 blocks are passed. The four sums of block b are written to
// out[4*b : 4*b+4], and bit b of the returned mask is set when at least
// one of them is at most bound. Each sum is accumulated in column order,
// rounded exactly as in bruteKNN (one subtraction, multiplication and
// addition per column), so the distances are the same bits. Here and in
// every distance sum of the package the product is converted with
// float64(...), which forbids the compiler to fuse it with the addition
// (it may otherwise, for example with GOAMD64=v3), so that Go and
// assembly round alike.
func scanBlocksGo(blk []float64, d int, q []float64, bound float64, out []float64) uint64 {
	var mask uint64
	q = q[:d]
	for b := 0; (b+1)*4*d <= len(blk); b++ {
		x := blk[4*d*b : 4*d*(b+1)]
		var s0, s1, s2, s3 float64
		for j, v := range q {
			c := x[4*j : 4*j+4 : 4*j+4]
			t0, t1, t2, t3 := c[0]-v, c[1]-v, c[2]-v, c[3]-v
			s0 += float64(t0 * t0)
			s1 += float64(t1 * t1)
			s2 += float64(t2 * t2)
			s3 += float64(t3 * t3)
		}
		o := out[4*b : 4*b+4 : 4*b+4]
		o[0], o[1], o[2], o[3] = s0, s1, s2, s3
		if s0 <= bound || s1 <= bound || s2 <= bound || s3 <= bound {
			mask |= 1 << uint(b)
		}
	}
	return mask
}
