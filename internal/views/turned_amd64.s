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

// absmask clears a float64's sign.
DATA absmask<>+0(SB)/8, $0x7FFFFFFFFFFFFFFF
DATA absmask<>+8(SB)/8, $0x7FFFFFFFFFFFFFFF
DATA absmask<>+16(SB)/8, $0x7FFFFFFFFFFFFFFF
DATA absmask<>+24(SB)/8, $0x7FFFFFFFFFFFFFFF
DATA absmask<>+32(SB)/8, $0x7FFFFFFFFFFFFFFF
DATA absmask<>+40(SB)/8, $0x7FFFFFFFFFFFFFFF
DATA absmask<>+48(SB)/8, $0x7FFFFFFFFFFFFFFF
DATA absmask<>+56(SB)/8, $0x7FFFFFFFFFFFFFFF
GLOBL absmask<>(SB), RODATA|NOPTR, $64

// func warp8(xs *float64, n8 int, r *warpRow, v *float32, w int, out *float32)
//
// Z16-Z29 r's float64s in every lane; Z30 0.5, Z31 −1, Z8 1e-12; Y9 1.0 (float32),
// Y10 w, Y11 w−1 and Y12 h−1 (int32). A step: Z0 x, Z1 the divisor, Z2,
// Z3 the checked point, then the sample's x and y; Y4, Y5 their integer
// parts, Y6, Y7 the fractions, Y13 Y14 the next cells' columns and rows.
TEXT ·warp8(SB), NOSPLIT, $0-48
	MOVQ xs+0(FP), AX
	MOVQ n8+8(FP), CX
	MOVQ r+16(FP), BX
	MOVQ v+24(FP), SI
	MOVQ w+32(FP), DX
	MOVQ out+40(FP), DI

	VBROADCASTSD 0(BX), Z16   // h0
	VBROADCASTSD 8(BX), Z17   // h2
	VBROADCASTSD 16(BX), Z18  // h3
	VBROADCASTSD 24(BX), Z19  // h5
	VBROADCASTSD 32(BX), Z20  // h6
	VBROADCASTSD 40(BX), Z21  // h8
	VBROADCASTSD 48(BX), Z22  // h1y
	VBROADCASTSD 56(BX), Z23  // h4y
	VBROADCASTSD 64(BX), Z24  // h7y
	VBROADCASTSD 72(BX), Z25  // mirrorX
	VBROADCASTSD 80(BX), Z26  // sx
	VBROADCASTSD 88(BX), Z27  // sy
	VBROADCASTSD 96(BX), Z28  // xMax
	VBROADCASTSD 104(BX), Z29 // yMax
	MOVQ         112(BX), R13 // mirrored

	MOVQ         $0x3FE0000000000000, R11 // 0.5
	VPBROADCASTQ R11, Z30
	MOVQ         $0xBFF0000000000000, R11 // -1
	VPBROADCASTQ R11, Z31
	MOVQ         $0x3D719799812DEA11, R11 // 1e-12
	VPBROADCASTQ R11, Z8
	MOVL         $0x3F800000, R11 // float32 1.0
	MOVQ         R11, X9
	VBROADCASTSS X9, Y9
	MOVQ         DX, X10
	VPBROADCASTD X10, Y10
	VCVTTPD2DQ   Z28, Y11
	VCVTTPD2DQ   Z29, Y12
	XORQ         R12, R12

wloop:
	CMPQ R12, CX
	JAE  wdone

	// w = (h6·x + h7·y) + h8; qx = ((h0·x + h1·y) + h2) / w;
	// qy = ((h3·x + h4·y) + h5) / w.
	VMOVUPD (AX)(R12*8), Z0
	VMULPD  Z20, Z0, Z1
	VADDPD  Z24, Z1, Z1
	VADDPD  Z21, Z1, Z1
	VMULPD  Z16, Z0, Z2
	VADDPD  Z22, Z2, Z2
	VADDPD  Z17, Z2, Z2
	VDIVPD  Z1, Z2, Z2
	VMULPD  Z18, Z0, Z3
	VADDPD  Z23, Z3, Z3
	VADDPD  Z19, Z3, Z3
	VDIVPD  Z1, Z3, Z3
	TESTQ   R13, R13
	JZ      wplain
	VSUBPD  Z2, Z25, Z2

wplain:
	// ((qx + 0.5)·sx, (qy + 0.5)·sy), or (−1, −1) where |w| < 1e-12;
	// then Bilinear's x − 0.5, y − 0.5 clamped to the grid.
	VADDPD    Z30, Z2, Z2
	VMULPD    Z26, Z2, Z2
	VADDPD    Z30, Z3, Z3
	VMULPD    Z27, Z3, Z3
	VANDPD    absmask<>(SB), Z1, Z1
	VCMPPD    $0x11, Z8, Z1, K1 // |w| < 1e-12 (ordered)
	VMOVAPD   Z31, K1, Z2
	VMOVAPD   Z31, K1, Z3
	VSUBPD    Z30, Z2, Z2
	VSUBPD    Z30, Z3, Z3
	VXORPD    Z13, Z13, Z13
	VMAXPD    Z13, Z2, Z2
	VMAXPD    Z13, Z3, Z3
	VMINPD    Z28, Z2, Z2
	VMINPD    Z29, Z3, Z3

	VCVTTPD2DQ Z2, Y4
	VCVTTPD2DQ Z3, Y5
	VCVTDQ2PD  Y4, Z6
	VCVTDQ2PD  Y5, Z7
	VSUBPD     Z6, Z2, Z6
	VSUBPD     Z7, Z3, Z7
	VCVTPD2PS  Z6, Y6
	VCVTPD2PS  Z7, Y7

	// Cells: (x0, y0), (x1, y0), (x0, y1), (x1, y1), x1 = min(x0+1, w−1).
	VPCMPEQD Y13, Y13, Y13
	VPSRLD   $31, Y13, Y13 // 1 in every lane
	VPADDD   Y13, Y4, Y14
	VPMINSD  Y11, Y14, Y14 // x1
	VPADDD   Y13, Y5, Y13
	VPMINSD  Y12, Y13, Y13 // y1
	VPMULLD  Y10, Y5, Y5   // y0·w
	VPMULLD  Y10, Y13, Y13 // y1·w
	VPADDD   Y4, Y5, Y0    // (x0, y0)
	VPADDD   Y14, Y5, Y1   // (x1, y0)
	VPADDD   Y4, Y13, Y2   // (x0, y1)
	VPADDD   Y14, Y13, Y3  // (x1, y1)

	VPCMPEQD   Y15, Y15, Y15
	VGATHERDPS Y15, (SI)(Y0*4), Y4
	VPCMPEQD   Y15, Y15, Y15
	VGATHERDPS Y15, (SI)(Y1*4), Y5
	VPCMPEQD   Y15, Y15, Y15
	VGATHERDPS Y15, (SI)(Y2*4), Y13
	VPCMPEQD   Y15, Y15, Y15
	VGATHERDPS Y15, (SI)(Y3*4), Y14

	VSUBPS  Y6, Y9, Y0
	VMULPS  Y0, Y4, Y4
	VMULPS  Y6, Y5, Y5
	VADDPS  Y5, Y4, Y4
	VMULPS  Y0, Y13, Y13
	VMULPS  Y6, Y14, Y14
	VADDPS  Y14, Y13, Y13
	VSUBPS  Y7, Y9, Y1
	VMULPS  Y1, Y4, Y4
	VMULPS  Y7, Y13, Y13
	VADDPS  Y13, Y4, Y4
	VMOVUPS Y4, (DI)(R12*4)

	ADDQ $8, R12
	JMP  wloop

wdone:
	VZEROUPPER
	RET
