// Packing of fp32 GEMM operands into bf16 panels (pack_bf16.cpp), for the bf16 GEMMs:
// VDPBF16PS (gemm_bf16.cpp) and AMX (gemm_bf16_amx.cpp). Each element is rounded as
// bf16_bits does (VCVTNE2PS2BF16: nearest even, subnormals to zero, NaN kept), once, here.
//
// An operand X is a kc x n slice of op(A)^T or op(B): element (k, c), k < kc along the GEMM
// depth, c < n across rows of C (for A) or columns of C (for B), stored either
//   k_contig = false:  at src[k*ld + c]   (each k a row: B as stored, A transposed)
//   k_contig = true:   at src[c*ld + k]   (each c a row: A as stored, B transposed)
// Two layouts come out, both zero past kc and past n:
//   pairs  dst[p*W + c] (uint32) = bf16 X(2p, c) in the low half, X(2p+1, c) in the high:
//          VDPBF16PS panels (W = 12 or 32) and AMX B tiles (W = 16: 16 pairs x 16 columns
//          per 32-deep step, one 1 KiB tile after another)
//   rows   dst[s*512 + c*32 + t] (uint16) = bf16 X(32s + t, c), c < 16: AMX A tiles, 16
//          rows of 32 depth values per 32-deep step s
// Only the avx512 variant has them (the others never run bf16 instructions).
#pragma once
#include <cstdint>

#include "cpu/gemm/config.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

#if defined(__AVX512F__)
// The pairs layout for pairs p < kpad/2 (kpad >= kc, even), W in {12, 16, 32}, n <= W.
void bf16_pack_pairs(uint32_t* dst, int W, const float* src, int64_t ld, bool k_contig, int n, int64_t kc,
                     int64_t kpad);

// The rows layout for steps s < kpad/32 (kpad >= kc, a multiple of 32), n <= 16.
void bf16_pack_rows(uint16_t* dst, const float* src, int64_t ld, bool k_contig, int n, int64_t kc, int64_t kpad);
#endif

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
