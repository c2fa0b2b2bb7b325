// sbgemm on AMX-BF16 tiles (gemm.h sbgemm_amx): the same function as sbgemm (operands
// rounded to bf16, exact products, fp32 sums), for CPUs with AMX whose OS granted this
// process the tile state (runtime/cpu_features.h amx_bf16_usable; the binding checks it).
// Compiled only into the avx512 variant, with -mamx-tile -mamx-bf16 -mavx512bf16 for this
// file alone (tools/build/sources.js lists *_amx.cpp apart from the ISA sources).
//
// Tiles (one configuration for all: 16 rows x 64 bytes each):
//   0..3  C accumulators, a 32 x 32 block as 2 x 2 tiles of 16 x 16 fp32
//   4, 5  A: 16 rows x 32 depth values (bf16)      pack_bf16.h "rows" layout
//   6, 7  B: 16 depth pairs x 16 columns (bf16x2)  pack_bf16.h "pairs" layout, W = 16
// One TDPBF16PS does 16 x 16 x 32 multiply-adds; a 32-deep step is 4 of them on 4 loads.
//
// Driver: op(A) and op(B) are packed whole, once per call (one fork-join over 16-row A
// panels and 16-column B panels, K zero padded to a multiple of 32), then threads take units
// of (up to kBlockRows rows of C) x (32 columns). A unit walks K in blocks of kBlockSteps
// steps so the unit's 32-column B slice stays in L1 while the row pairs pass; between
// blocks the raw accumulators wait in a thread scratch, and alpha/beta/bias/relu are applied
// once, on the last block.
// NOTE: GCC 12 warns inside its own _mm512_undefined_* (masked loads, lane shuffles); a known
// false positive (GCC PR105593), as in ukernel_avx512.cpp.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "cpu/gemm/gemm.h"
#include "cpu/gemm/kernel.h"
#include "cpu/gemm/pack_bf16.h"
#include "cpu/scratch.h"
#include "runtime/parallel.h"

namespace tf {
namespace cpu {
namespace avx512 {

namespace {
// Rows of C per unit (A block of kBlockRows x K bf16 stays in L2 across a thread's units).
constexpr int64_t kBlockRows = 256;
// 32-deep steps per K block: the unit's B slice is 32 columns x 256 depth = 16 KiB of bf16.
constexpr int64_t kBlockSteps = 8;
// NOTE: below this many FLOPs a fork-join costs more than it saves (as gemm.cpp).
constexpr double kMinParallelFlops = 2.0 * 64 * 64 * 64;
constexpr int64_t kTileA = 16 * 32;  // uint16 per A tile (1 KiB)
constexpr int64_t kTileB = 16 * 16;  // uint32 per B tile (1 KiB)

struct AmxScratch;
enum Slot { kPackA, kPackB, kAcc, kNumSlots };
float* scratch(Slot slot, int64_t n) { return thread_scratch<AmxScratch, kNumSlots>(slot, n); }

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// LDTILECFG's 64-byte operand: palette 1, every tile 16 rows of 64 bytes.
struct alignas(64) TileConfig {
  uint8_t palette = 1, start_row = 0, reserved[14] = {};
  uint16_t colsb[16] = {64, 64, 64, 64, 64, 64, 64, 64};
  uint8_t rows[16] = {16, 16, 16, 16, 16, 16, 16, 16};
};
static_assert(sizeof(TileConfig) == 64, "LDTILECFG reads 64 bytes");

// Tile state is per thread: configured when a thread starts its share, released after it.
struct TileScope {
  TileScope() {
    static const TileConfig cfg;
    _tile_loadconfig(&cfg);
  }
  ~TileScope() { _tile_release(); }
};

// One 32 x 32 block (MT x NT tiles of 16 x 16; MT, NT in {1, 2}) of C over depth steps
// [s0, s1): a0/a1 the A panels (rows layout), b0/b1 the B panels (pairs layout), each at
// step 0. acc: [4][16 x 16] raw sums, loaded first unless s0 == 0, stored after.
template <int MT, int NT>
void tiles(int64_t s0, int64_t s1, const uint16_t* a0, const uint16_t* a1, const uint32_t* b0, const uint32_t* b1,
           float* acc) {
  if (s0 == 0) {
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
  } else {
    _tile_loadd(0, acc, 64);
    if (NT > 1) _tile_loadd(1, acc + 256, 64);
    if (MT > 1) _tile_loadd(2, acc + 512, 64);
    if (MT > 1 && NT > 1) _tile_loadd(3, acc + 768, 64);
  }
  for (int64_t s = s0; s < s1; ++s) {
    _tile_loadd(4, a0 + s * kTileA, 64);
    _tile_loadd(6, b0 + s * kTileB, 64);
    if (MT > 1) _tile_loadd(5, a1 + s * kTileA, 64);
    if (NT > 1) _tile_loadd(7, b1 + s * kTileB, 64);
    _tile_dpbf16ps(0, 4, 6);
    if (NT > 1) _tile_dpbf16ps(1, 4, 7);
    if (MT > 1) _tile_dpbf16ps(2, 5, 6);
    if (MT > 1 && NT > 1) _tile_dpbf16ps(3, 5, 7);
  }
  _tile_stored(0, acc, 64);
  if (NT > 1) _tile_stored(1, acc + 256, 64);
  if (MT > 1) _tile_stored(2, acc + 512, 64);
  if (MT > 1 && NT > 1) _tile_stored(3, acc + 768, 64);
}

// The finished sums acc ([4][16 x 16]) of the m x n block at C (m, n <= 32), stored as
// gemm_finish16 does (alpha, beta, bias, relu).
void store_block(const float* acc, float* c, int64_t ldc, int m, int n, const TileStore& st) {
  const __mmask16 m0 = n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1);
  const __mmask16 m1 = n >= 32 ? __mmask16(0xFFFF) : n <= 16 ? __mmask16(0) : __mmask16((1u << (n - 16)) - 1);
  __m512 bc0 = _mm512_setzero_ps(), bc1 = _mm512_setzero_ps();
  if (st.bias_col) bc0 = _mm512_maskz_loadu_ps(m0, st.bias_col), bc1 = _mm512_maskz_loadu_ps(m1, st.bias_col + 16);
  for (int r = 0; r < m; ++r) {
    const float* t = acc + (r / 16) * 512 + (r % 16) * 16;  // tile (r/16, 0); tile (r/16, 1) 256 on
    float* cr = c + r * ldc;
    const float br = st.bias_row ? st.bias_row[r] : 0.0f;
    _mm512_mask_storeu_ps(cr, m0, gemm_finish16(_mm512_load_ps(t), cr, m0, st, bc0, br));
    if (m1) _mm512_mask_storeu_ps(cr + 16, m1, gemm_finish16(_mm512_load_ps(t + 256), cr + 16, m1, st, bc1, br));
  }
}

struct Packed {
  const uint16_t* a;  // [ceil(M/16)] panels of [steps][16][32]
  const uint32_t* b;  // [ceil(N/16)] panels of [steps][16][16]
  int64_t steps;      // ceil(K / 32)
};

// Rows [i0, i1) x columns [j, j+32) of C (j a multiple of 32, i0 of 16).
void unit(const GemmProblem& p, const Packed& pk, int64_t i0, int64_t i1, int64_t j) {
  const int64_t pairs = ceil_div(i1 - i0, 32), a_panel = pk.steps * kTileA, b_panel = pk.steps * kTileB;
  float* acc = scratch(kAcc, pairs * 1024);
  const int n = int(std::min<int64_t>(32, p.N - j));
  const uint32_t* b0 = pk.b + (j / 16) * b_panel;
  const uint32_t* b1 = n > 16 ? b0 + b_panel : b0;
  for (int64_t s0 = 0; s0 < pk.steps; s0 += kBlockSteps) {
    const int64_t s1 = std::min(pk.steps, s0 + kBlockSteps);
    for (int64_t q = 0; q < pairs; ++q) {
      const int64_t i = i0 + 32 * q;
      const int m = int(std::min<int64_t>(32, i1 - i));
      const uint16_t* a0 = pk.a + (i / 16) * a_panel;
      const uint16_t* a1 = m > 16 ? a0 + a_panel : a0;
      float* t = acc + q * 1024;
      if (m > 16 && n > 16) tiles<2, 2>(s0, s1, a0, a1, b0, b1, t);
      else if (m > 16) tiles<2, 1>(s0, s1, a0, a1, b0, b1, t);
      else if (n > 16) tiles<1, 2>(s0, s1, a0, a1, b0, b1, t);
      else tiles<1, 1>(s0, s1, a0, a1, b0, b1, t);
      if (s1 == pk.steps)
        store_block(t, p.C + i * p.ldc + j, p.ldc, m, n, gemm_tile_store(p.alpha, p.beta, p.K, p.ep, 0, p.K, i, j));
    }
  }
}
}  // namespace

void sbgemm_amx(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
                const GemmEpilogue* ep) {
  if (M <= 0 || N <= 0) return;
  // K == 0, alpha == 0: no product to compute; sbgemm scales C and applies the epilogue.
  if (K <= 0 || alpha == 0.0f) return sbgemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
  const GemmProblem p{trans_a, trans_b, M, N, K, alpha, beta, A, lda, B, ldb, C, ldc, ep, nullptr};
  const int64_t steps = ceil_div(K, 32), kpad = steps * 32, ma = ceil_div(M, 16), nb = ceil_div(N, 16);
  // NOTE: scratch() counts floats; a panel is 16 x kpad bf16 = 8 * kpad floats.
  uint32_t* ap = reinterpret_cast<uint32_t*>(scratch(kPackA, ma * 8 * kpad));
  uint32_t* bp = reinterpret_cast<uint32_t*>(scratch(kPackB, nb * 8 * kpad));
  const int threads = current_num_threads();
  const bool serial = threads <= 1 || 2.0 * double(M) * double(N) * double(K) < kMinParallelFlops;
  // op(A) element (i, k): A[i*lda + k] (k contiguous) or, transposed, A[k*lda + i];
  // op(B) element (k, j): B[k*ldb + j] or, transposed, B[j*ldb + k] (k contiguous).
  bf16_pack_both(Bf16Operand{true, 16, A, lda, !trans_a, M, K, kpad, ap},
                 Bf16Operand{false, 16, B, ldb, trans_b, N, K, kpad, bp}, serial);
  const Packed pk{reinterpret_cast<const uint16_t*>(ap), bp, steps};
  const int64_t row_blocks = ceil_div(M, kBlockRows), col_units = ceil_div(N, 32), units = row_blocks * col_units;
  parallel_for_chunks(units, serial ? units : std::max<int64_t>(1, units / (4 * threads)), [&](int64_t b, int64_t e) {
    TileScope tiles_on;
    for (int64_t u = b; u < e; ++u) {
      const int64_t i0 = (u / col_units) * kBlockRows;
      unit(p, pk, i0, std::min(M, i0 + kBlockRows), (u % col_units) * 32);
    }
  });
}

}  // namespace avx512
}  // namespace cpu
}  // namespace tf
