// GEMM blocking for each ISA, in one place (BLIS's bli_cntx_init_<arch>.c).
//   MR x NR  register tile of the micro-kernel (NR a multiple of the vector width)
//   KC       depth of a packed panel: an MR x KC A sliver + a KC x NR B sliver stay in L1
//   MC       rows of the packed A block (MC x KC), sized to half of L2
//   NC       columns of the packed B block (KC x NC), sized to L3
// Compiled once per ISA (-DTF_ISA=...), like simd.h.
#pragma once
#include <cstdint>

#ifndef TF_ISA
#define TF_ISA generic
#endif

namespace tf {
namespace cpu {
namespace TF_ISA {
namespace gemm_cfg {

#if defined(__AVX512F__)
// 12x32: 24 zmm accumulators + 2 B vectors + broadcast operands (32 zmm registers).
constexpr int kMR = 12, kNR = 32;
constexpr int64_t kKC = 384, kMC = 192, kNC = 3072;
#elif defined(__AVX2__)
// 6x16: 12 ymm accumulators + 2 B vectors + 1 broadcast (16 ymm registers).
// NOTE: tuned on Zen 3/4 (32 KiB L1d, 512 KiB-1 MiB L2): A sliver 6 KiB + B sliver 16 KiB.
constexpr int kMR = 6, kNR = 16;
constexpr int64_t kKC = 256, kMC = 144, kNC = 3072;
#else
// 6x8 with 4-wide SSE vectors (vf): 12 xmm accumulators + 2 B vectors + 1 broadcast.
constexpr int kMR = 6, kNR = 8;
constexpr int64_t kKC = 256, kMC = 96, kNC = 2048;
#endif

static_assert(kMC % kMR == 0 && kNC % kNR == 0, "block sizes must be multiples of the tile");

}  // namespace gemm_cfg
}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
