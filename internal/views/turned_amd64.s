//go:build amd64 && !purego

#include "textflag.h"

// func turned8(colX, colY *float64, n8 int, dySin, dyCos float64, v *float32, w, last int, out *float32)
//
// A step: Z0, Z1 the sources' x and y (float64), Y4, Y5 their integer
// parts, Y6, Y7 the fractions (float32), Y8 the top-left cells' indexes,
// Y11-Y14 the four cells gathered. Z16 dySin, Z17 dyCos, Z18 0.5, Y9 1.0,
// Y10 w, Y19 0 and Y20 last in every lane.
TEXT ·turned8(SB), NOSPLIT, $0-72
	MOVQ         colX+0(FP), AX
	MOVQ         colY+8(FP), BX
	MOVQ         n8+16(FP), CX
	VBROADCASTSD dySin+24(FP), Z16
	VBROADCASTSD dyCos+32(FP), Z17
	MOVQ         v+40(FP), SI
	MOVQ         w+48(FP), DX
	MOVQ         last+56(FP), R13
	MOVQ         out+64(FP), DI

	MOVQ         $0x3FE0000000000000, R11 // 0.5
	VPBROADCASTQ R11, Z18
	MOVL         $0x3F800000, R11 // float32 1.0
	MOVQ         R11, X9
	VBROADCASTSS X9, Y9
	MOVQ         DX, X10
	VPBROADCASTD X10, Y10
	VPBROADCASTD R13, Y20 // the last top-left cell a step may read
	VPXORD       Y19, Y19, Y19

	// The cells right of, below, and below right of the top-left ones.
	LEAQ 4(SI), R8
	LEAQ (SI)(DX*4), R9
	LEAQ 4(R9), R10
	XORQ R12, R12

loop:
	CMPQ R12, CX
	JAE  done

	VMOVUPD    (AX)(R12*8), Z0
	VSUBPD     Z16, Z0, Z0
	VSUBPD     Z18, Z0, Z0
	VMOVUPD    (BX)(R12*8), Z1
	VADDPD     Z17, Z1, Z1
	VSUBPD     Z18, Z1, Z1
	VCVTTPD2DQ Z0, Y4
	VCVTTPD2DQ Z1, Y5
	VCVTDQ2PD  Y4, Z2
	VCVTDQ2PD  Y5, Z3
	VSUBPD     Z2, Z0, Z2
	VSUBPD     Z3, Z1, Z3
	VCVTPD2PS  Z2, Y6
	VCVTPD2PS  Z3, Y7
	VPMULLD    Y10, Y5, Y8
	VPADDD     Y4, Y8, Y8
	VPMAXSD    Y19, Y8, Y8 // inside v whatever the sources
	VPMINSD    Y20, Y8, Y8

	VPCMPEQD   Y15, Y15, Y15
	VGATHERDPS Y15, (SI)(Y8*4), Y11
	VPCMPEQD   Y15, Y15, Y15
	VGATHERDPS Y15, (R8)(Y8*4), Y12
	VPCMPEQD   Y15, Y15, Y15
	VGATHERDPS Y15, (R9)(Y8*4), Y13
	VPCMPEQD   Y15, Y15, Y15
	VGATHERDPS Y15, (R10)(Y8*4), Y14

	// top = p00·(1−fx) + p01·fx; bot likewise; top·(1−fy) + bot·fy,
	// each product rounded on its own.
	VSUBPS Y6, Y9, Y2
	VMULPS Y2, Y11, Y11
	VMULPS Y6, Y12, Y12
	VADDPS Y12, Y11, Y11
	VMULPS Y2, Y13, Y13
	VMULPS Y6, Y14, Y14
	VADDPS Y14, Y13, Y13
	VSUBPS Y7, Y9, Y3
	VMULPS Y3, Y11, Y11
	VMULPS Y7, Y13, Y13
	VADDPS Y13, Y11, Y11
	VMOVUPS Y11, (DI)(R12*4)

	ADDQ $8, R12
	JMP  loop

done:
	VZEROUPPER
	RET
