// Internal pieces of the packed GEMM (gemm.cpp drives them): the per-ISA micro-kernel
// (ukernel_<isa>.cpp) and the panel packing routines (pack.cpp). Not part of the
// kernel-layer API; callers use sgemm from gemm.h.
#pragma once
#include <cstdint>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "cpu/gemm/config.h"
#include "cpu/gemm/gemm.h"

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

// One GEMM call as the drivers (gemm.cpp, gemm_bf16.cpp) pass it around: sgemm's arguments,
// with op(B) either a matrix (B, ldb, trans_b) or an implicit panel source (bsrc).
struct GemmProblem {
  bool trans_a, trans_b;
  int64_t M, N, K;
  float alpha, beta;
  const float* A; int64_t lda;
  const float* B; int64_t ldb;
  float* C; int64_t ldc;
  const GemmEpilogue* ep;
  const GemmPanelSource* bsrc;  // implicit op(B) (B, ldb, trans_b unused), or null
};

// How a micro-kernel stores the tile at C[i, j] for depth block [pc, pc+kc) of K: beta on
// the first block only, the epilogue (bias, relu) on the last only.
inline TileStore gemm_tile_store(float alpha, float beta, int64_t K, const GemmEpilogue* ep, int64_t pc,
                                 int64_t kc, int64_t i, int64_t j) {
  const GemmEpilogue* e = pc + kc == K ? ep : nullptr;
  const bool bias = e && e->bias;
  return TileStore{alpha, pc == 0 ? beta : 1.0f, bias && e->bias_kind == kBiasPerCol ? e->bias + j : nullptr,
                   bias && e->bias_kind == kBiasPerRow ? e->bias + i : nullptr, e && e->act == kActRelu};
}

#if defined(__AVX512F__)
// One 16-float vector of an accumulator row as stored: alpha * acc (+ beta * C, masked
// load), + the column bias vector, + the row bias, then relu.
inline __m512 gemm_finish16(__m512 acc, const float* c, __mmask16 mask, const TileStore& st, __m512 bias_c,
                            float bias_r) {
  __m512 v = _mm512_mul_ps(acc, _mm512_set1_ps(st.alpha));
  if (st.beta != 0.0f) v = _mm512_fmadd_ps(_mm512_set1_ps(st.beta), _mm512_maskz_loadu_ps(mask, c), v);
  if (st.bias_col) v = _mm512_add_ps(v, bias_c);
  if (st.bias_row) v = _mm512_add_ps(v, _mm512_set1_ps(bias_r));
  if (st.relu) v = _mm512_max_ps(v, _mm512_setzero_ps());
  return v;
}

// Stores R rows x NV 16-float vectors of accumulators (a tile at most 32 wide) into C[R, n]
// with gemm_finish16; columns past n are masked off, bias_col loads too.
template <int R, int NV>
inline void gemm_store_rows16(const __m512 (&acc)[R][NV], float* c, int64_t ldc, int n, const TileStore& st) {
  const __mmask16 m0 = n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1);
  const __mmask16 m1 = n >= 32 ? __mmask16(0xFFFF) : n <= 16 ? __mmask16(0) : __mmask16((1u << (n - 16)) - 1);
  __m512 bc0 = _mm512_setzero_ps(), bc1 = _mm512_setzero_ps();
  if (st.bias_col) bc0 = _mm512_maskz_loadu_ps(m0, st.bias_col), bc1 = _mm512_maskz_loadu_ps(m1, st.bias_col + 16);
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) {
    float* cr = c + r * ldc;
    const float br = st.bias_row ? st.bias_row[r] : 0.0f;
    _mm512_mask_storeu_ps(cr, m0, gemm_finish16(acc[r][0], cr, m0, st, bc0, br));
    if (NV > 1) _mm512_mask_storeu_ps(cr + 16, m1, gemm_finish16(acc[r][NV - 1], cr + 16, m1, st, bc1, br));
  }
}
#endif

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
