//go:build amd64 && !purego

#include "textflag.h"

// func lumaYCbCr16(y, cb, cr *uint8, xs, cxs *int32, n16 int, tabR, tabG, tabB *float32, out *float32)
//
// Z20 0xff, Z21 128, Z22 0x10101, Z23-Z26 the four conversion constants,
// Z27 0, Z28 255 in every lane. A step: Z0 the luma offsets, Z1 the
// chroma offsets, Z2-Z4 the bytes gathered, Z5-Z7 R, G, B, Z8-Z10 their
// luminance terms.
TEXT ·lumaYCbCr16(SB), NOSPLIT, $0-80
	MOVQ y+0(FP), SI
	MOVQ cb+8(FP), BX
	MOVQ cr+16(FP), DX
	MOVQ xs+24(FP), R8
	MOVQ cxs+32(FP), R9
	MOVQ n16+40(FP), CX
	MOVQ tabR+48(FP), R10
	MOVQ tabG+56(FP), R11
	MOVQ tabB+64(FP), R13
	MOVQ out+72(FP), DI

	MOVL         $0xff, AX
	VPBROADCASTD AX, Z20
	VPBROADCASTD AX, Z28
	MOVL         $128, AX
	VPBROADCASTD AX, Z21
	MOVL         $0x10101, AX
	VPBROADCASTD AX, Z22
	MOVL         $91881, AX
	VPBROADCASTD AX, Z23
	MOVL         $22554, AX
	VPBROADCASTD AX, Z24
	MOVL         $46802, AX
	VPBROADCASTD AX, Z25
	MOVL         $116130, AX
	VPBROADCASTD AX, Z26
	VPXORD       Z27, Z27, Z27
	XORQ         R12, R12

lloop:
	CMPQ R12, CX
	JAE  ldone

	VMOVDQU32  (R8)(R12*4), Z0
	VMOVDQU32  (R9)(R12*4), Z1
	KXNORW     K1, K1, K1
	VPGATHERDD (SI)(Z0*1), K1, Z2
	KXNORW     K1, K1, K1
	VPGATHERDD (BX)(Z1*1), K1, Z3
	KXNORW     K1, K1, K1
	VPGATHERDD (DX)(Z1*1), K1, Z4

	// yy = Y·0x10101; cb1 = Cb − 128; cr1 = Cr − 128.
	VPANDD  Z20, Z2, Z2
	VPMULLD Z22, Z2, Z2
	VPANDD  Z20, Z3, Z3
	VPSUBD  Z21, Z3, Z3
	VPANDD  Z20, Z4, Z4
	VPSUBD  Z21, Z4, Z4

	// R = yy + 91881·cr1, G = yy − 22554·cb1 − 46802·cr1,
	// B = yy + 116130·cb1, each >> 16 and within 0..255.
	VPMULLD Z23, Z4, Z5
	VPADDD  Z2, Z5, Z5
	VPMULLD Z24, Z3, Z6
	VPSUBD  Z6, Z2, Z6
	VPMULLD Z25, Z4, Z9
	VPSUBD  Z9, Z6, Z6
	VPMULLD Z26, Z3, Z7
	VPADDD  Z2, Z7, Z7
	VPSRAD  $16, Z5, Z5
	VPSRAD  $16, Z6, Z6
	VPSRAD  $16, Z7, Z7
	VPMAXSD Z27, Z5, Z5
	VPMAXSD Z27, Z6, Z6
	VPMAXSD Z27, Z7, Z7
	VPMINSD Z28, Z5, Z5
	VPMINSD Z28, Z6, Z6
	VPMINSD Z28, Z7, Z7

	// tabR[R] + tabG[G] + tabB[B], in that order.
	KXNORW     K1, K1, K1
	VGATHERDPS (R10)(Z5*4), K1, Z8
	KXNORW     K1, K1, K1
	VGATHERDPS (R11)(Z6*4), K1, Z9
	KXNORW     K1, K1, K1
	VGATHERDPS (R13)(Z7*4), K1, Z10
	VADDPS     Z9, Z8, Z8
	VADDPS     Z10, Z8, Z8
	VMOVUPS    Z8, (DI)(R12*4)

	ADDQ $16, R12
	JMP  lloop

ldone:
	VZEROUPPER
	RET

// func addSubScale16(dst, s, a, b *float32, n16 int, inv float32)
TEXT ·addSubScale16(SB), NOSPLIT, $0-44
	MOVQ         dst+0(FP), DI
	MOVQ         s+8(FP), SI
	MOVQ         a+16(FP), AX
	MOVQ         b+24(FP), BX
	MOVQ         n16+32(FP), CX
	VBROADCASTSS inv+40(FP), Z16
	XORQ         DX, DX

a16loop:
	CMPQ    DX, CX
	JAE     a16done
	VMOVUPS (SI)(DX*4), Z0
	VADDPS  (AX)(DX*4), Z0, Z0
	VSUBPS  (BX)(DX*4), Z0, Z0
	VMOVUPS Z0, (SI)(DX*4)
	VMULPS  Z16, Z0, Z0
	VMOVUPS Z0, (DI)(DX*4)
	ADDQ    $16, DX
	JMP     a16loop

a16done:
	VZEROUPPER
	RET

// func addSubScale8(dst, s, a, b *float32, n8 int, inv float64)
TEXT ·addSubScale8(SB), NOSPLIT, $0-48
	MOVQ         dst+0(FP), DI
	MOVQ         s+8(FP), SI
	MOVQ         a+16(FP), AX
	MOVQ         b+24(FP), BX
	MOVQ         n8+32(FP), CX
	VBROADCASTSD inv+40(FP), Z16
	XORQ         DX, DX

a8loop:
	CMPQ      DX, CX
	JAE       a8done
	VMOVUPS   (SI)(DX*4), Y0
	VADDPS    (AX)(DX*4), Y0, Y0
	VSUBPS    (BX)(DX*4), Y0, Y0
	VMOVUPS   Y0, (SI)(DX*4)
	VCVTPS2PD Y0, Z1
	VMULPD    Z16, Z1, Z1
	VCVTPD2PS Z1, Y1
	VMOVUPS   Y1, (DI)(DX*4)
	ADDQ      $8, DX
	JMP       a8loop

a8done:
	VZEROUPPER
	RET
