// Internal pieces of the packed GEMM (gemm.cpp drives them): the per-ISA micro-kernel
// (ukernel_<isa>.cpp) and the panel packing routines (pack.cpp). Not part of the
// kernel-layer API; callers use sgemm from gemm.h.
#pragma once
#include <cstdint>

#include "cpu/gemm/config.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

// What to do with an MR x NR tile of accumulators when storing it:
//   C = alpha * acc + beta * C (C not read when beta == 0), then + bias, then relu.
struct TileStore {
  float alpha;
  float beta;
  const float* bias_col;  // [n] bias for the tile's columns, or null
  const float* bias_row;  // [m] bias for the tile's rows, or null
  bool relu;
};

// Stores an accumulator tile held in memory (acc: [kMR][kNR]) into C[m,n]: the edge-tile
// path of every micro-kernel (only the first m rows / n columns are written).
inline void gemm_store_tile(const float* acc, float* c, int64_t ldc, int m, int n,
                            const TileStore& st) {
  for (int r = 0; r < m; ++r) {
    const float* t = acc + r * gemm_cfg::kNR;
    float* cr = c + r * ldc;
    const float rb = st.bias_row ? st.bias_row[r] : 0.0f;
    for (int j = 0; j < n; ++j) {
      float v = st.alpha * t[j] + rb;
      if (st.beta != 0.0f) v += st.beta * cr[j];
      if (st.bias_col) v += st.bias_col[j];
      if (st.relu) v = v > 0.0f ? v : 0.0f;
      cr[j] = v;
    }
  }
}

// C[m,n] (row stride ldc) <- store(A_panel * B_panel). a: packed [K][kMR], b: packed
// [K][kNR] (zero padded past m / n). m <= kMR, n <= kNR; K may be 0.
void gemm_ukernel(int64_t K, const float* a, const float* b, float* c, int64_t ldc, int m,
                  int n, const TileStore& st);

// gemm_ukernel reading A unpacked, for shapes where packing A does not pay: element
// (r, k) of the A sliver at a[r*rs_a + k*cs_a]; K <= gemm_cfg::kKC.
void gemm_ukernel_a(int64_t K, const float* a, int64_t rs_a, int64_t cs_a, const float* b,
                    float* c, int64_t ldc, int m, int n, const TileStore& st);

// gemm_ukernel_a for kernels without a strided-A loop: packs the sliver on the stack.
inline void gemm_ukernel_a_packed(int64_t K, const float* a, int64_t rs_a, int64_t cs_a,
                                  const float* b, float* c, int64_t ldc, int m, int n,
                                  const TileStore& st) {
  alignas(64) float buf[gemm_cfg::kMR * gemm_cfg::kKC];
  for (int64_t k = 0; k < K; ++k)
    for (int r = 0; r < gemm_cfg::kMR; ++r) buf[k * gemm_cfg::kMR + r] = r < m ? a[r * rs_a + k * cs_a] : 0.0f;
  gemm_ukernel(K, buf, b, c, ldc, m, n, st);
}

// Packs rows [i0, i0+mc) x depth [p0, p0+kc) of op(A) into ceil(mc/kMR) panels of
// [kc][kMR], zero padding the last panel. trans_a: A is stored [K, M].
void gemm_pack_a(float* ap, const float* A, int64_t lda, bool trans_a, int64_t i0, int64_t mc,
                 int64_t p0, int64_t kc);

// Packs depth [p0, p0+kc) x columns [j0, j0+nc) of op(B) into ceil(nc/kNR) panels of
// [kc][kNR], zero padding the last panel. trans_b: B is stored [N, K].
void gemm_pack_b(float* bp, const float* B, int64_t ldb, bool trans_b, int64_t p0, int64_t kc,
                 int64_t j0, int64_t nc);

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
