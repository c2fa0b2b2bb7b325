// AVX2+FMA micro-kernel: a 6x16 tile of C in 12 ymm accumulators. Per k: two 8-float loads
// of the packed B sliver, six broadcasts from the packed A sliver, twelve FMAs (the
// BLIS haswell sgemm shape). Edge tiles with fewer rows run a shorter instance of the same
// loop (no wasted FMAs on zero padding); full-width tiles store straight from registers
// with the epilogue, narrower ones go through a stack tile (gemm_store_tile).
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

// R rows (R <= 6) of the tile. Packed A (kStrided false): element (r, k) at a[k*6 + r];
// unpacked A: at a[r*rs + k*cs].
template <int R, bool kStrided = false>
void kernel_rows(int64_t K, const float* a, const float* b, float* c, int64_t ldc, int n,
                 const TileStore& st, int64_t rs = 1, int64_t cs = 6) {
  if (!kStrided) rs = 1, cs = 6;
  __m256 acc[R][2];
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
  // NOTE: no software prefetch of A: the packed sliver streams from L2 and the hardware
  // prefetcher keeps up (measured equal or faster without).
#pragma GCC unroll 4
  for (int64_t k = 0; k < K; ++k) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m256 x = _mm256_broadcast_ss(a + r * rs);
      acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
    }
    a += cs;
    b += 16;
  }
  if (n == 16) {
    const __m256 alpha = _mm256_set1_ps(st.alpha);
    __m256 bc0 = _mm256_setzero_ps(), bc1 = _mm256_setzero_ps();
    if (st.bias_col) bc0 = _mm256_loadu_ps(st.bias_col), bc1 = _mm256_loadu_ps(st.bias_col + 8);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      float* cr = c + r * ldc;
      const float br = st.bias_row ? st.bias_row[r] : 0.0f;
      _mm256_storeu_ps(cr, finish(acc[r][0], cr, alpha, st, bc0, br));
      _mm256_storeu_ps(cr + 8, finish(acc[r][1], cr + 8, alpha, st, bc1, br));
    }
    return;
  }
  alignas(32) float tile[6 * 16];
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    _mm256_store_ps(tile + r * 16, acc[r][0]);
    _mm256_store_ps(tile + r * 16 + 8, acc[r][1]);
  }
  gemm_store_tile(tile, c, ldc, R, n, st);
}
}  // namespace

void gemm_ukernel(int64_t K, const float* a, const float* b, float* c, int64_t ldc, int m,
                  int n, const TileStore& st) {
  switch (m) {
    case 6: return kernel_rows<6>(K, a, b, c, ldc, n, st);
    case 5: return kernel_rows<5>(K, a, b, c, ldc, n, st);
    case 4: return kernel_rows<4>(K, a, b, c, ldc, n, st);
    case 3: return kernel_rows<3>(K, a, b, c, ldc, n, st);
    case 2: return kernel_rows<2>(K, a, b, c, ldc, n, st);
    default: return kernel_rows<1>(K, a, b, c, ldc, n, st);
  }
}

void gemm_ukernel_a(int64_t K, const float* a, int64_t rs_a, int64_t cs_a, const float* b,
                    float* c, int64_t ldc, int m, int n, const TileStore& st) {
  switch (m) {
    case 6: return kernel_rows<6, true>(K, a, b, c, ldc, n, st, rs_a, cs_a);
    case 5: return kernel_rows<5, true>(K, a, b, c, ldc, n, st, rs_a, cs_a);
    case 4: return kernel_rows<4, true>(K, a, b, c, ldc, n, st, rs_a, cs_a);
    case 3: return kernel_rows<3, true>(K, a, b, c, ldc, n, st, rs_a, cs_a);
    case 2: return kernel_rows<2, true>(K, a, b, c, ldc, n, st, rs_a, cs_a);
    default: return kernel_rows<1, true>(K, a, b, c, ldc, n, st, rs_a, cs_a);
  }
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
