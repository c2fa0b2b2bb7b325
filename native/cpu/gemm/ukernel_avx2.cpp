// AVX2+FMA micro-kernel: a 6x16 tile of C in 12 ymm accumulators. Per k: two 8-float loads
// of the packed B sliver, six broadcasts from the packed A sliver, twelve FMAs (the
// BLIS haswell sgemm shape). Full tiles store straight from registers with the epilogue;
// edge tiles go through a stack tile (gemm_store_tile).
#include <immintrin.h>

#include "cpu/gemm/kernel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

static_assert(gemm_cfg::kMR == 6 && gemm_cfg::kNR == 16, "ukernel_avx2 is 6x16");

namespace {
inline __m256 finish(__m256 acc, const float* c, __m256 alpha, const TileStore& st,
                     __m256 bias_c, float bias_r) {
  __m256 v = _mm256_mul_ps(acc, alpha);
  if (st.beta != 0.0f) v = _mm256_fmadd_ps(_mm256_set1_ps(st.beta), _mm256_loadu_ps(c), v);
  if (st.bias_col) v = _mm256_add_ps(v, bias_c);
  if (st.bias_row) v = _mm256_add_ps(v, _mm256_set1_ps(bias_r));
  if (st.relu) v = _mm256_max_ps(v, _mm256_setzero_ps());
  return v;
}
}  // namespace

void gemm_ukernel(int64_t K, const float* a, const float* b, float* c, int64_t ldc, int m,
                  int n, const TileStore& st) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int r = 0; r < m; ++r) _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
  for (int r = 0; r < m; ++r) _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + 15), _MM_HINT_T0);
#pragma GCC unroll 4
  for (int64_t k = 0; k < K; ++k) {
    _mm_prefetch(reinterpret_cast<const char*>(a + 48), _MM_HINT_T0);
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    __m256 x = _mm256_broadcast_ss(a + 0);
    c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
    x = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
    x = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
    x = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
    x = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
    x = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
    a += 6;
    b += 16;
  }
  const __m256 acc[6][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (m == 6 && n == 16) {
    const __m256 alpha = _mm256_set1_ps(st.alpha);
    __m256 bc0 = _mm256_setzero_ps(), bc1 = _mm256_setzero_ps();
    if (st.bias_col) bc0 = _mm256_loadu_ps(st.bias_col), bc1 = _mm256_loadu_ps(st.bias_col + 8);
    for (int r = 0; r < 6; ++r) {
      float* cr = c + r * ldc;
      const float br = st.bias_row ? st.bias_row[r] : 0.0f;
      _mm256_storeu_ps(cr, finish(acc[r][0], cr, alpha, st, bc0, br));
      _mm256_storeu_ps(cr + 8, finish(acc[r][1], cr + 8, alpha, st, bc1, br));
    }
    return;
  }
  alignas(32) float tile[6 * 16];
  for (int r = 0; r < 6; ++r) {
    _mm256_store_ps(tile + r * 16, acc[r][0]);
    _mm256_store_ps(tile + r * 16 + 8, acc[r][1]);
  }
  gemm_store_tile(tile, c, ldc, m, n, st);
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
