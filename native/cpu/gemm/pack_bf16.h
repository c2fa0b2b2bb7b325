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
// One operand packed whole, as ceil(n / W) panels of W columns, each panel_size() uint32 at
// dst + q * panel_size(); depth padded to kpad (even; for the rows layout a multiple of 32).
// The work splits into items() pieces that threads may pack at once: one panel each when
// k_contig (a panel reads its own source rows), else one 32-deep step of every panel (the
// source rows are read whole, in order, instead of 64 bytes at a time per panel).
struct Bf16Operand {
  bool rows;  // rows layout (W must be 16), else pairs (W in {12, 16, 32})
  int W;
  const float* src;
  int64_t ld;
  bool k_contig;
  int64_t n, kc, kpad;
  uint32_t* dst;

  int64_t panels() const { return (n + W - 1) / W; }
  int64_t panel_size() const { return kpad / 2 * W; }
  int64_t items() const;
  void pack(int64_t item) const;
};

// Packs a and b whole, their items split over the thread pool (one fork-join), or on the
// calling thread when serial.
void bf16_pack_both(const Bf16Operand& a, const Bf16Operand& b, bool serial);
#endif

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
