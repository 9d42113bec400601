//go:build amd64 && !purego

#include "textflag.h"

// func idct4x(in *float32, dst *uint8, stride int, tab *idct4Table)
//
// Table offsets: a1 at 0, a2 at 256, idx1 at 512, idx2 at 768, half at
// 1024, max at 1028.
TEXT ·idct4x(SB), NOSPLIT, $0-32
	MOVQ in+0(FP), SI
	MOVQ dst+8(FP), DI
	MOVQ stride+16(FP), DX
	MOVQ tab+24(FP), BX

	// Pass 1: t = Σ_k a1[k] · in[idx1[k]], k = 0..3 added in order.
	VMOVUPS   (SI), Z0
	VMOVDQU32 512(BX), Z8
	VPERMPS   Z0, Z8, Z1
	VMULPS    0(BX), Z1, Z1
	VMOVDQU32 576(BX), Z8
	VPERMPS   Z0, Z8, Z2
	VMULPS    64(BX), Z2, Z2
	VADDPS    Z2, Z1, Z1
	VMOVDQU32 640(BX), Z8
	VPERMPS   Z0, Z8, Z2
	VMULPS    128(BX), Z2, Z2
	VADDPS    Z2, Z1, Z1
	VMOVDQU32 704(BX), Z8
	VPERMPS   Z0, Z8, Z2
	VMULPS    192(BX), Z2, Z2
	VADDPS    Z2, Z1, Z1

	// Pass 2: out = Σ_k a2[k] · t[idx2[k]].
	VMOVDQU32 768(BX), Z8
	VPERMPS   Z1, Z8, Z3
	VMULPS    256(BX), Z3, Z3
	VMOVDQU32 832(BX), Z8
	VPERMPS   Z1, Z8, Z2
	VMULPS    320(BX), Z2, Z2
	VADDPS    Z2, Z3, Z3
	VMOVDQU32 896(BX), Z8
	VPERMPS   Z1, Z8, Z2
	VMULPS    384(BX), Z2, Z2
	VADDPS    Z2, Z3, Z3
	VMOVDQU32 960(BX), Z8
	VPERMPS   Z1, Z8, Z2
	VMULPS    448(BX), Z2, Z2
	VADDPS    Z2, Z3, Z3

	// clampPix: + 128.5, within [0, 255], the integer part.
	VBROADCASTSS 1024(BX), Z4
	VADDPS       Z4, Z3, Z3
	VXORPS       Z5, Z5, Z5
	VMAXPS       Z5, Z3, Z3
	VBROADCASTSS 1028(BX), Z4
	VMINPS       Z4, Z3, Z3
	VCVTTPS2DQ   Z3, Z3
	VPMOVDB      Z3, X3

	// Four rows of four bytes.
	VMOVD   X3, (DI)
	ADDQ    DX, DI
	VPEXTRD $1, X3, (DI)
	ADDQ    DX, DI
	VPEXTRD $2, X3, (DI)
	ADDQ    DX, DI
	VPEXTRD $3, X3, (DI)
	VZEROUPPER
	RET
