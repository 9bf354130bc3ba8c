#include "textflag.h"

// func scanBlocksAVX2(blk *float64, nblk, d int, q *float64, bound float64, out *float64) uint64
//
// See scanBlocksGo: the same sums, lane by lane, with the same roundings
// (one subtraction, one multiplication and one addition per column, in
// column order; no fused multiply-add). Four blocks are summed side by
// side so that their additions overlap.
TEXT ·scanBlocksAVX2(SB), NOSPLIT, $0-56
	MOVQ blk+0(FP), SI
	MOVQ nblk+8(FP), R8
	MOVQ d+16(FP), DX
	MOVQ q+24(FP), DI
	VBROADCASTSD bound+32(FP), Y15
	MOVQ out+40(FP), R9
	XORQ AX, AX            // result mask
	XORQ CX, CX            // block number
	MOVQ DX, R10
	SHLQ $5, R10           // bytes per block
	LEAQ (R10)(R10*2), R13 // bytes per three blocks

group:
	LEAQ 4(CX), R14
	CMPQ R14, R8
	JGT  single
	VXORPD Y0, Y0, Y0
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	XORQ R11, R11
	MOVQ SI, R12

gcol:
	CMPQ R11, DX
	JGE  gdone
	VBROADCASTSD (DI)(R11*8), Y1
	VMOVUPD (R12), Y2
	VMOVUPD (R12)(R10*1), Y7
	VMOVUPD (R12)(R10*2), Y8
	VMOVUPD (R12)(R13*1), Y9
	VSUBPD Y1, Y2, Y2
	VSUBPD Y1, Y7, Y7
	VSUBPD Y1, Y8, Y8
	VSUBPD Y1, Y9, Y9
	VMULPD Y2, Y2, Y2
	VMULPD Y7, Y7, Y7
	VMULPD Y8, Y8, Y8
	VMULPD Y9, Y9, Y9
	VADDPD Y2, Y0, Y0
	VADDPD Y7, Y4, Y4
	VADDPD Y8, Y5, Y5
	VADDPD Y9, Y6, Y6
	ADDQ $32, R12
	INCQ R11
	JMP  gcol

gdone:
	MOVQ CX, R14
	SHLQ $5, R14
	VMOVUPD Y0, (R9)(R14*1)
	VMOVUPD Y4, 32(R9)(R14*1)
	VMOVUPD Y5, 64(R9)(R14*1)
	VMOVUPD Y6, 96(R9)(R14*1)
	VCMPPD $0x12, Y15, Y0, Y0 // sum <= bound
	VCMPPD $0x12, Y15, Y4, Y4
	VCMPPD $0x12, Y15, Y5, Y5
	VCMPPD $0x12, Y15, Y6, Y6
	VMOVMSKPD Y0, BX
	VMOVMSKPD Y4, R11
	VMOVMSKPD Y5, R12
	VMOVMSKPD Y6, R14
	// (m + 15) >> 4 is 1 for a lane mask m != 0, else 0.
	ADDQ $15, BX
	SHRQ $4, BX
	ADDQ $15, R11
	SHRQ $4, R11
	SHLQ $1, R11
	ORQ  R11, BX
	ADDQ $15, R12
	SHRQ $4, R12
	SHLQ $2, R12
	ORQ  R12, BX
	ADDQ $15, R14
	SHRQ $4, R14
	SHLQ $3, R14
	ORQ  R14, BX
	SHLQ CX, BX
	ORQ  BX, AX
	LEAQ (SI)(R10*4), SI
	ADDQ $4, CX
	JMP  group

single:
	CMPQ CX, R8
	JGE  done
	VXORPD Y0, Y0, Y0
	XORQ R11, R11
	MOVQ SI, R12

scol:
	CMPQ R11, DX
	JGE  sdone
	VBROADCASTSD (DI)(R11*8), Y1
	VMOVUPD (R12), Y2
	VSUBPD Y1, Y2, Y2
	VMULPD Y2, Y2, Y2
	VADDPD Y2, Y0, Y0
	ADDQ $32, R12
	INCQ R11
	JMP  scol

sdone:
	MOVQ CX, R14
	SHLQ $5, R14
	VMOVUPD Y0, (R9)(R14*1)
	VCMPPD $0x12, Y15, Y0, Y0
	VMOVMSKPD Y0, BX
	ADDQ $15, BX
	SHRQ $4, BX
	SHLQ CX, BX
	ORQ  BX, AX
	ADDQ R10, SI
	INCQ CX
	JMP  single

done:
	VZEROUPPER
	MOVQ AX, ret+48(FP)
	RET
