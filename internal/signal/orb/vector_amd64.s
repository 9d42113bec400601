//go:build amd64 && !purego

#include "textflag.h"

// Lane numbers 0..7: the index of each lane's descriptor in the first step.
DATA lanes0<>+0(SB)/8, $0
DATA lanes0<>+8(SB)/8, $1
DATA lanes0<>+16(SB)/8, $2
DATA lanes0<>+24(SB)/8, $3
DATA lanes0<>+32(SB)/8, $4
DATA lanes0<>+40(SB)/8, $5
DATA lanes0<>+48(SB)/8, $6
DATA lanes0<>+56(SB)/8, $7
GLOBL lanes0<>(SB), RODATA|NOPTR, $64

// func best2x8(q *Descriptor, words *uint64, n8 int, out *[24]uint64)
//
// Z0-Z3: q's four words in every lane. Z8: nearest distance per lane,
// Z9: second nearest, Z10: index of the nearest, Z11: this step's
// indexes, Z12: 8 in every lane. A step's distances are Z4.
TEXT ·best2x8(SB), NOSPLIT, $0-32
	MOVQ q+0(FP), AX
	MOVQ words+8(FP), SI
	MOVQ n8+16(FP), CX
	MOVQ out+24(FP), DI

	VPBROADCASTQ 0(AX), Z0
	VPBROADCASTQ 8(AX), Z1
	VPBROADCASTQ 16(AX), Z2
	VPBROADCASTQ 24(AX), Z3

	MOVQ $0x100000000, BX // further than any distance
	VPBROADCASTQ BX, Z8
	VMOVDQA64 Z8, Z9
	VPXORQ Z10, Z10, Z10
	VMOVDQU64 lanes0<>(SB), Z11
	MOVQ $8, BX
	VPBROADCASTQ BX, Z12

	// DX: bytes of one word's row; R8-R10 the rows of words 1-3.
	MOVQ CX, DX
	SHLQ $3, DX
	LEAQ (SI)(DX*1), R8
	LEAQ (R8)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	XORQ R11, R11

loop:
	CMPQ R11, DX
	JAE  done
	VPXORQ   (SI)(R11*1), Z0, Z4
	VPXORQ   (R8)(R11*1), Z1, Z5
	VPXORQ   (R9)(R11*1), Z2, Z6
	VPXORQ   (R10)(R11*1), Z3, Z7
	VPOPCNTQ Z4, Z4
	VPOPCNTQ Z5, Z5
	VPOPCNTQ Z6, Z6
	VPOPCNTQ Z7, Z7
	VPADDQ   Z5, Z4, Z4
	VPADDQ   Z7, Z6, Z6
	VPADDQ   Z6, Z4, Z4

	// K2: nearer than the second; K1: nearer than the nearest (K1 ⊆ K2).
	VPCMPUQ   $1, Z9, Z4, K2
	VPCMPUQ   $1, Z8, Z4, K1
	VMOVDQU64 Z4, K2, Z9
	VMOVDQU64 Z8, K1, Z9
	VMOVDQU64 Z4, K1, Z8
	VMOVDQU64 Z11, K1, Z10
	VPADDQ    Z12, Z11, Z11

	ADDQ $64, R11
	JMP  loop

done:
	VMOVDQU64 Z8, 0(DI)
	VMOVDQU64 Z9, 64(DI)
	VMOVDQU64 Z10, 128(DI)
	VZEROUPPER
	RET

// func best2x8x2(q, p *Descriptor, words *uint64, n8 int, out *[48]uint64)
//
// best2x8 for two checked descriptors at once: q's results in out[0:24],
// p's in out[24:48]. Each step's registered words are loaded once for
// both, and the two descriptors' updates do not wait on each other.
TEXT ·best2x8x2(SB), NOSPLIT, $0-40
	MOVQ q+0(FP), AX
	MOVQ p+8(FP), BX
	MOVQ words+16(FP), SI
	MOVQ n8+24(FP), CX
	MOVQ out+32(FP), DI

	VPBROADCASTQ 0(AX), Z0
	VPBROADCASTQ 8(AX), Z1
	VPBROADCASTQ 16(AX), Z2
	VPBROADCASTQ 24(AX), Z3
	VPBROADCASTQ 0(BX), Z13
	VPBROADCASTQ 8(BX), Z14
	VPBROADCASTQ 16(BX), Z15
	VPBROADCASTQ 24(BX), Z16

	MOVQ $0x100000000, BX
	VPBROADCASTQ BX, Z8
	VMOVDQA64 Z8, Z9
	VMOVDQA64 Z8, Z17
	VMOVDQA64 Z8, Z18
	VPXORQ Z10, Z10, Z10
	VPXORQ Z19, Z19, Z19
	VMOVDQU64 lanes0<>(SB), Z11
	MOVQ $8, BX
	VPBROADCASTQ BX, Z12

	MOVQ CX, DX
	SHLQ $3, DX
	LEAQ (SI)(DX*1), R8
	LEAQ (R8)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	XORQ R11, R11

loop2:
	CMPQ R11, DX
	JAE  done2
	VMOVDQU64 (SI)(R11*1), Z20
	VMOVDQU64 (R8)(R11*1), Z21
	VMOVDQU64 (R9)(R11*1), Z22
	VMOVDQU64 (R10)(R11*1), Z23

	VPXORQ   Z20, Z0, Z4
	VPXORQ   Z21, Z1, Z5
	VPXORQ   Z22, Z2, Z6
	VPXORQ   Z23, Z3, Z7
	VPXORQ   Z20, Z13, Z24
	VPXORQ   Z21, Z14, Z25
	VPXORQ   Z22, Z15, Z26
	VPXORQ   Z23, Z16, Z27
	VPOPCNTQ Z4, Z4
	VPOPCNTQ Z5, Z5
	VPOPCNTQ Z6, Z6
	VPOPCNTQ Z7, Z7
	VPOPCNTQ Z24, Z24
	VPOPCNTQ Z25, Z25
	VPOPCNTQ Z26, Z26
	VPOPCNTQ Z27, Z27
	VPADDQ   Z5, Z4, Z4
	VPADDQ   Z7, Z6, Z6
	VPADDQ   Z6, Z4, Z4
	VPADDQ   Z25, Z24, Z24
	VPADDQ   Z27, Z26, Z26
	VPADDQ   Z26, Z24, Z24

	VPCMPUQ   $1, Z9, Z4, K2
	VPCMPUQ   $1, Z8, Z4, K1
	VPCMPUQ   $1, Z18, Z24, K4
	VPCMPUQ   $1, Z17, Z24, K3
	VMOVDQU64 Z4, K2, Z9
	VMOVDQU64 Z8, K1, Z9
	VMOVDQU64 Z4, K1, Z8
	VMOVDQU64 Z11, K1, Z10
	VMOVDQU64 Z24, K4, Z18
	VMOVDQU64 Z17, K3, Z18
	VMOVDQU64 Z24, K3, Z17
	VMOVDQU64 Z11, K3, Z19
	VPADDQ    Z12, Z11, Z11

	ADDQ $64, R11
	JMP  loop2

done2:
	VMOVDQU64 Z8, 0(DI)
	VMOVDQU64 Z9, 64(DI)
	VMOVDQU64 Z10, 128(DI)
	VMOVDQU64 Z17, 192(DI)
	VMOVDQU64 Z18, 256(DI)
	VMOVDQU64 Z19, 320(DI)
	VZEROUPPER
	RET

// func resize8(r0, r1 *uint8, xi *int32, xa, xna *float64, n8 int, b, nb float64, out *uint8)
//
// Z16 b, Z17 nb, Z18 0.5 in every lane; Y19 0xff, Y20 255, Y21 0, Y22 1.
TEXT ·resize8(SB), NOSPLIT, $0-72
	MOVQ         r0+0(FP), SI
	MOVQ         r1+8(FP), BX
	MOVQ         xi+16(FP), R8
	MOVQ         xa+24(FP), R9
	MOVQ         xna+32(FP), R10
	MOVQ         n8+40(FP), CX
	VBROADCASTSD b+48(FP), Z16
	VBROADCASTSD nb+56(FP), Z17
	MOVQ         out+64(FP), DI

	MOVQ         $0x3FE0000000000000, R11
	VPBROADCASTQ R11, Z18
	MOVL         $0xff, R11
	VPBROADCASTD R11, Y19
	VPBROADCASTD R11, Y20
	VPXORD       Y21, Y21, Y21
	MOVL         $1, R11
	VPBROADCASTD R11, Y22
	XORQ         R12, R12

rloop:
	CMPQ R12, CX
	JAE  rdone

	VMOVDQU    (R8)(R12*4), Y0
	VPCMPEQD   Y15, Y15, Y15
	VPGATHERDD Y15, (SI)(Y0*1), Y1
	VPCMPEQD   Y15, Y15, Y15
	VPGATHERDD Y15, (BX)(Y0*1), Y2

	// The two bytes at each tap of each row, as float64.
	VPANDD    Y19, Y1, Y3
	VPSRLD    $8, Y1, Y4
	VPANDD    Y19, Y4, Y4
	VPANDD    Y19, Y2, Y5
	VPSRLD    $8, Y2, Y6
	VPANDD    Y19, Y6, Y6
	VCVTDQ2PD Y3, Z3
	VCVTDQ2PD Y4, Z4
	VCVTDQ2PD Y5, Z5
	VCVTDQ2PD Y6, Z6

	// top = p00·na + p01·a, bot = p10·na + p11·a, v = top·nb + bot·b.
	VMOVUPD (R9)(R12*8), Z8
	VMOVUPD (R10)(R12*8), Z9
	VMULPD  Z9, Z3, Z3
	VMULPD  Z8, Z4, Z4
	VADDPD  Z4, Z3, Z3
	VMULPD  Z9, Z5, Z5
	VMULPD  Z8, Z6, Z6
	VADDPD  Z6, Z5, Z5
	VMULPD  Z17, Z3, Z3
	VMULPD  Z16, Z5, Z5
	VADDPD  Z5, Z3, Z3

	// round8: the integer part, one more when the fraction is at least
	// one half, within 0..255.
	VCVTTPD2DQ Z3, Y10
	VCVTDQ2PD  Y10, Z11
	VSUBPD     Z11, Z3, Z11
	VCMPPD     $0x1d, Z18, Z11, K2
	VPADDD     Y22, Y10, K2, Y10
	VPMINSD    Y20, Y10, Y10
	VPMAXSD    Y21, Y10, Y10
	VPMOVDB    Y10, (DI)(R12*1)

	ADDQ $8, R12
	JMP  rloop

rdone:
	VZEROUPPER
	RET

// func describe8(integ *int32, lo, hi, base, w1 int, o *[4]int, c, s float64, px, py *float64, n8 int, e0, e1, sums *int32, d *Descriptor)
//
// Points: Z16 c, Z17 s, Z18 0.5, Z19 −0.5, Z20 1.0 in every lane (float64),
// Y10 w1, Y11 base, Y12 lo, Y13 hi (int32); R8-R11 integ at the four
// corner offsets. Bits: 16 pairs a step.
TEXT ·describe8(SB), NOSPLIT, $0-120
	MOVQ integ+0(FP), SI
	MOVQ o+40(FP), AX
	MOVQ 0(AX), BX
	LEAQ (SI)(BX*4), R8
	MOVQ 8(AX), BX
	LEAQ (SI)(BX*4), R9
	MOVQ 16(AX), BX
	LEAQ (SI)(BX*4), R10
	MOVQ 24(AX), BX
	LEAQ (SI)(BX*4), R11

	MOVQ         lo+8(FP), AX
	MOVQ         AX, X12
	VPBROADCASTD X12, Y12
	MOVQ         hi+16(FP), AX
	MOVQ         AX, X13
	VPBROADCASTD X13, Y13
	MOVQ         base+24(FP), AX
	MOVQ         AX, X11
	VPBROADCASTD X11, Y11
	MOVQ         w1+32(FP), AX
	MOVQ         AX, X10
	VPBROADCASTD X10, Y10

	VBROADCASTSD c+48(FP), Z16
	VBROADCASTSD s+56(FP), Z17
	MOVQ         $0x3FE0000000000000, AX // 0.5
	VPBROADCASTQ AX, Z18
	MOVQ         $0xBFE0000000000000, AX // -0.5
	VPBROADCASTQ AX, Z19
	MOVQ         $0x3FF0000000000000, AX // 1.0
	VPBROADCASTQ AX, Z20

	MOVQ px+64(FP), R12
	MOVQ py+72(FP), R13
	MOVQ n8+80(FP), CX
	MOVQ sums+104(FP), DI
	XORQ DX, DX

ploop:
	CMPQ DX, CX
	JAE  bits

	// rx = c·fx − s·fy, ry = s·fx + c·fy.
	VMOVUPD (R12)(DX*8), Z0
	VMOVUPD (R13)(DX*8), Z1
	VMULPD  Z16, Z0, Z2
	VMULPD  Z17, Z1, Z3
	VSUBPD  Z3, Z2, Z2
	VMULPD  Z17, Z0, Z4
	VMULPD  Z16, Z1, Z5
	VADDPD  Z5, Z4, Z4

	// math.Round: the integer part, one further from zero when the
	// fraction is at least one half.
	VRNDSCALEPD $0x0b, Z2, Z6
	VSUBPD      Z6, Z2, Z7
	VCMPPD      $0x1d, Z18, Z7, K1
	VCMPPD      $0x12, Z19, Z7, K2
	VADDPD      Z20, Z6, K1, Z6
	VSUBPD      Z20, Z6, K2, Z6
	VRNDSCALEPD $0x0b, Z4, Z8
	VSUBPD      Z8, Z4, Z9
	VCMPPD      $0x1d, Z18, Z9, K1
	VCMPPD      $0x12, Z19, Z9, K2
	VADDPD      Z20, Z8, K1, Z8
	VSUBPD      Z20, Z8, K2, Z8
	VCVTTPD2DQ  Z6, Y6
	VCVTTPD2DQ  Z8, Y8

	// The box centres: base + ry·w1 + rx, within [lo, hi].
	VPMULLD Y10, Y8, Y8
	VPADDD  Y6, Y8, Y8
	VPADDD  Y11, Y8, Y8
	VPMAXSD Y12, Y8, Y8
	VPMINSD Y13, Y8, Y8

	// s11 − s01 − s10 + s00.
	VPCMPEQD   Y15, Y15, Y15
	VPGATHERDD Y15, (R8)(Y8*4), Y0
	VPCMPEQD   Y15, Y15, Y15
	VPGATHERDD Y15, (R9)(Y8*4), Y1
	VPCMPEQD   Y15, Y15, Y15
	VPGATHERDD Y15, (R10)(Y8*4), Y2
	VPCMPEQD   Y15, Y15, Y15
	VPGATHERDD Y15, (R11)(Y8*4), Y3
	VPSUBD     Y1, Y3, Y3
	VPSUBD     Y2, Y3, Y3
	VPADDD     Y0, Y3, Y3
	VMOVDQU    Y3, (DI)(DX*4)

	ADDQ $8, DX
	JMP  ploop

bits:
	MOVQ e0+88(FP), R12
	MOVQ e1+96(FP), R13
	MOVQ d+112(FP), R14
	XORQ DX, DX

bloop:
	CMPQ       DX, $16
	JAE        done
	MOVQ       DX, AX
	SHLQ       $6, AX
	VMOVDQU32  (R12)(AX*1), Z0
	VMOVDQU32  (R13)(AX*1), Z1
	KXNORW     K1, K1, K1
	VPGATHERDD (DI)(Z0*4), K1, Z2
	KXNORW     K1, K1, K1
	VPGATHERDD (DI)(Z1*4), K1, Z3
	VPCMPD     $1, Z3, Z2, K2
	KMOVW      K2, AX
	MOVW       AX, (R14)(DX*2)
	INCQ       DX
	JMP        bloop

done:
	VZEROUPPER
	RET

// func fastCmp64(centre *uint8, off *[16]int, thr int, masks *[32]uint64)
//
// Z0 the centres, Z1 centre + thr and Z2 centre − thr (both saturated:
// no byte is above 255 or below 0), Z3 a circle pixel.
TEXT ·fastCmp64(SB), NOSPLIT, $0-32
	MOVQ         centre+0(FP), SI
	MOVQ         off+8(FP), BX
	MOVQ         thr+16(FP), AX
	MOVQ         masks+24(FP), DI
	VPBROADCASTB AX, Z4
	VMOVDQU8     (SI), Z0
	VPADDUSB     Z4, Z0, Z1
	VPSUBUSB     Z4, Z0, Z2
	XORQ         CX, CX

floop:
	CMPQ     CX, $16
	JAE      fdone
	MOVQ     (BX)(CX*8), DX
	VMOVDQU8 (SI)(DX*1), Z3
	VPCMPUB  $6, Z1, Z3, K1 // brighter: pixel > centre + thr
	VPCMPUB  $1, Z2, Z3, K2 // darker: pixel < centre − thr
	KMOVQ    K1, (DI)(CX*8)
	KMOVQ    K2, 128(DI)(CX*8)
	INCQ     CX
	JMP      floop

fdone:
	VZEROUPPER
	RET
