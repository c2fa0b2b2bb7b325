// Generic micro-kernel on simd.h's vf (4-wide SSE in the generic build): a 6x8 tile of C
// in 12 vector accumulators, the same shape of loop as the AVX2 kernel. Full tiles store
// from registers with the epilogue; edge tiles go through a stack tile.
#include "cpu/gemm/kernel.h"
#include "cpu/simd.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

using namespace ::tf::TF_ISA;  // simd.h: vf, vload, vstore, vbroadcast, kVecWidth

namespace {
constexpr int MR = gemm_cfg::kMR, NR = gemm_cfg::kNR, NV = NR / kVecWidth;
static_assert(NR % kVecWidth == 0, "NR must be a multiple of the vector width");

inline vf finish(vf acc, const float* c, const TileStore& st, vf bias_c, float bias_r) {
  vf v = acc * st.alpha;
  if (st.beta != 0.0f) v += st.beta * vload(c);
  if (st.bias_col) v += bias_c;
  if (st.bias_row) v += bias_r;
  if (st.relu) v = v > 0.0f ? v : 0.0f;
  return v;
}
}  // namespace

void gemm_ukernel(int64_t K, const float* a, const float* b, float* c, int64_t ldc, int m,
                  int n, const TileStore& st) {
  vf acc[MR][NV];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = vbroadcast(0.0f);
#pragma GCC unroll 2
  for (int64_t k = 0; k < K; ++k) {
    vf bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = vload(b + v * kVecWidth);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const vf x = vbroadcast(a[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] += x * bv[v];
    }
    a += MR;
    b += NR;
  }
  if (m == MR && n == NR) {
    vf bc[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bc[v] = st.bias_col ? vload(st.bias_col + v * kVecWidth) : vbroadcast(0.0f);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      float* cr = c + r * ldc;
      const float br = st.bias_row ? st.bias_row[r] : 0.0f;
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v)
        vstore(cr + v * kVecWidth, finish(acc[r][v], cr + v * kVecWidth, st, bc[v], br));
    }
    return;
  }
  alignas(64) float tile[MR * NR];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) vstore(tile + r * NR + v * kVecWidth, acc[r][v]);
  gemm_store_tile(tile, c, ldc, m, n, st);
}

void gemm_ukernel_a(int64_t K, const float* a, int64_t rs_a, int64_t cs_a, const float* b,
                    float* c, int64_t ldc, int m, int n, const TileStore& st) {
  gemm_ukernel_a_packed(K, a, rs_a, cs_a, b, c, ldc, m, n, st);
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
