// AVX-512 micro-kernel: a 12x32 tile of C in 24 zmm accumulators. Per k: two 16-float
// loads of the packed B sliver, twelve broadcasts from the packed A sliver (folded into the
// FMAs as {1to16} memory operands), 24 FMAs. Full tiles store straight from registers with
// the epilogue; edge tiles use masked stores per row.
#include <immintrin.h>

// NOTE: GCC 12 warns (-Wmaybe-uninitialized) inside its own _mm512_undefined_ps; a known
// false positive (GCC PR105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "cpu/gemm/kernel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

static_assert(gemm_cfg::kMR == 12 && gemm_cfg::kNR == 32, "ukernel_avx512 is 12x32");

namespace {
inline __m512 finish(__m512 acc, const float* c, __mmask16 mask, const TileStore& st,
                     __m512 bias_c, float bias_r) {
  __m512 v = _mm512_mul_ps(acc, _mm512_set1_ps(st.alpha));
  if (st.beta != 0.0f)
    v = _mm512_fmadd_ps(_mm512_set1_ps(st.beta), _mm512_maskz_loadu_ps(mask, c), v);
  if (st.bias_col) v = _mm512_add_ps(v, bias_c);
  if (st.bias_row) v = _mm512_add_ps(v, _mm512_set1_ps(bias_r));
  if (st.relu) v = _mm512_max_ps(v, _mm512_setzero_ps());
  return v;
}
}  // namespace

void gemm_ukernel(int64_t K, const float* a, const float* b, float* c, int64_t ldc, int m,
                  int n, const TileStore& st) {
  constexpr int MR = 12;
  __m512 acc[MR][2];
#pragma GCC unroll 12
  for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (int r = 0; r < m; ++r) _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
#pragma GCC unroll 2
  for (int64_t k = 0; k < K; ++k) {
    _mm_prefetch(reinterpret_cast<const char*>(a + 96), _MM_HINT_T0);
    const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r) {
      const __m512 x = _mm512_set1_ps(a[r]);
      acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
    }
    a += MR;
    b += 32;
  }
  // Column masks for the two 16-wide halves (n <= 32); bias_col loads are masked too.
  const __mmask16 m0 = n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1);
  const __mmask16 m1 = n >= 32 ? __mmask16(0xFFFF) : n <= 16 ? __mmask16(0) : __mmask16((1u << (n - 16)) - 1);
  __m512 bc0 = _mm512_setzero_ps(), bc1 = _mm512_setzero_ps();
  if (st.bias_col) bc0 = _mm512_maskz_loadu_ps(m0, st.bias_col), bc1 = _mm512_maskz_loadu_ps(m1, st.bias_col + 16);
#pragma GCC unroll 12
  for (int r = 0; r < MR; ++r) {
    if (r >= m) break;
    float* cr = c + r * ldc;
    const float br = st.bias_row ? st.bias_row[r] : 0.0f;
    const __m512 v0 = finish(acc[r][0], cr, m0, st, bc0, br);
    const __m512 v1 = finish(acc[r][1], cr + 16, m1, st, bc1, br);
    _mm512_mask_storeu_ps(cr, m0, v0);
    _mm512_mask_storeu_ps(cr + 16, m1, v1);
  }
}

void gemm_ukernel_a(int64_t K, const float* a, int64_t rs_a, int64_t cs_a, const float* b,
                    float* c, int64_t ldc, int m, int n, const TileStore& st) {
  gemm_ukernel_a_packed(K, a, rs_a, cs_a, b, c, ldc, m, n, st);
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
