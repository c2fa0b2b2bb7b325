// AVX-512 micro-kernel: a 12x32 tile of C in 24 zmm accumulators. Per k: two 16-float
// loads of the packed B sliver, twelve broadcasts from the A sliver (folded into the FMAs
// as {1to16} memory operands), 24 FMAs. Tiles of at most 16 columns run a one-vector
// instance (no FMAs on the zero half of the B panel), and edge tiles with fewer rows a
// shorter one; every tile stores straight from registers with the epilogue (masked stores
// on the column edge). A is read packed ([K][12]) or in place (strided rows).
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
// R rows (R <= 12) x NV 16-float vectors of the tile. A element (r, k) at a[r*rs + k*cs]
// (packed: rs = 1, cs = 12). B panel rows are 32 floats apart whatever NV is.
template <int R, int NV, bool kStrided>
void kernel_rows(int64_t K, const float* a, const float* b, float* c, int64_t ldc, int n,
                 const TileStore& st, int64_t rs, int64_t cs) {
  if (!kStrided) rs = 1, cs = 12;
  __m512 acc[R][NV];
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_ps();
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
  // Strided A: row r at rows[r / 3] + (r % 3) * rs, four pointers and two index registers
  // (rs, 2 rs) instead of twelve row pointers, which spilled to the stack.
  const float* rows[4] = {a, a + 3 * rs, a + 6 * rs, a + 9 * rs};
#pragma GCC unroll 2
  for (int64_t k = 0; k < K; ++k) {
    if (!kStrided) _mm_prefetch(reinterpret_cast<const char*>(a + 96), _MM_HINT_T0);
    const __m512 b0 = _mm512_load_ps(b), b1 = NV > 1 ? _mm512_load_ps(b + 16) : b0;
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      const __m512 x = _mm512_set1_ps(kStrided ? rows[r / 3][(r % 3) * rs] : a[r]);
      acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
      if (NV > 1) acc[r][NV - 1] = _mm512_fmadd_ps(x, b1, acc[r][NV - 1]);
    }
    if (kStrided)
#pragma GCC unroll 4
      for (int i = 0; i < 4; ++i) rows[i] += cs;
    else
      a += 12;
    b += 32;
  }
  gemm_store_rows16<R, NV>(acc, c, ldc, n, st);
}

template <int NV, bool kStrided>
void kernel_m(int64_t K, const float* a, const float* b, float* c, int64_t ldc, int m, int n,
              const TileStore& st, int64_t rs, int64_t cs) {
  switch (m) {
#define TF_ROWS(R) \
  case R: return kernel_rows<R, NV, kStrided>(K, a, b, c, ldc, n, st, rs, cs);
    TF_ROWS(12) TF_ROWS(11) TF_ROWS(10) TF_ROWS(9) TF_ROWS(8) TF_ROWS(7)
    TF_ROWS(6) TF_ROWS(5) TF_ROWS(4) TF_ROWS(3) TF_ROWS(2)
#undef TF_ROWS
    default: return kernel_rows<1, NV, kStrided>(K, a, b, c, ldc, n, st, rs, cs);
  }
}
}  // namespace

void gemm_ukernel(int64_t K, const float* a, const float* b, float* c, int64_t ldc, int m,
                  int n, const TileStore& st) {
  if (n <= 16) return kernel_m<1, false>(K, a, b, c, ldc, m, n, st, 1, 12);
  kernel_m<2, false>(K, a, b, c, ldc, m, n, st, 1, 12);
}

void gemm_ukernel_a(int64_t K, const float* a, int64_t rs_a, int64_t cs_a, const float* b,
                    float* c, int64_t ldc, int m, int n, const TileStore& st) {
  if (n <= 16) return kernel_m<1, true>(K, a, b, c, ldc, m, n, st, rs_a, cs_a);
  kernel_m<2, true>(K, a, b, c, ldc, m, n, st, rs_a, cs_a);
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
