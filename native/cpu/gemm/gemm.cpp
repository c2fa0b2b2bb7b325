// Packed GEMM, BLIS/GotoBLAS structure (block sizes in config.h):
//   for jc in N step NC                      B block  KC x NC  -> L3
//     for pc in K step KC:  pack B           A block  MC x KC  -> L2
//       for ic in M step MC:  pack A         B sliver KC x NR  -> L1
//         for jr in NC step NR: for ir in MC step MR: micro-kernel (ukernel_<isa>.cpp)
// alpha/beta and the epilogue (bias + relu) are applied by the micro-kernel while the C
// tile is in registers, on the last KC block only. Threads take chunks of C (column panels
// or row tiles, several per thread) from the pool's atomic counter, so a descheduled thread
// holds up only the chunk it has. Small op(A) (training shapes: batch x features) is packed
// once and shared; threads then take column panels, each streaming its B panel through L1
// against all of A. Small products (below n = 256 cubed) take one fork-join with A read in
// place (gemm_small), and below n = 80 cubed one thread. Matrix-vector
// shapes (M == 1 or N == 1) skip packing: one pass over the matrix with vector loads; and
// narrow B blocks (nc <= kDirectAMaxCols) leave A unpacked (gemm_ukernel_a).
#include "cpu/gemm/gemm.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "cpu/gemm/kernel.h"
#include "cpu/scratch.h"
#include "cpu/simd.h"
#include "runtime/parallel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

using namespace ::tf::TF_ISA;  // simd.h: vf, vload, vstore, vbroadcast, kVecWidth

namespace {
using namespace gemm_cfg;

// NOTE: below this many FLOPs (n = 80 cubed, ~8 us on one core) one thread is as fast as
// two: OpenBLAS runs n = 64 on one thread too (tf.matmul n=64: 41 GFLOP/s on one thread, 22
// on two; native, interleaved: 130 on one, 95-125 on two).
constexpr double kMinParallelFlops = 2.0 * 80 * 80 * 80;
// NOTE: below this (n = 256 cubed, ~150 us on 2 threads) one fork-join splits C and each
// thread reads A in place and packs only its own B panels (gemm_small): sharing packed A or B
// costs a second fork-join and the packing pass (native, 2 threads, p10 of interleaved runs:
// n=128 116 -> 175 GFLOP/s, n=160 129 -> 194).
constexpr double kSmallFlops = 2.0 * 256 * 256 * 256;
// Up to this many columns per B block, A is read in place instead of packed.
constexpr int64_t kDirectAMaxCols = 128;
// Up to this many floats of op(A) (padded to MR rows), threads share one packed copy of all
// of A (gemm_whole_a); it stays in L2 while every B panel passes through L1.
// NOTE: 160K floats (640 KiB) covers the MLP/LSTM training shapes (128 x 784, 784 x 128)
// and stays under L2 on Zen 4 (1 MiB) and Sapphire Rapids (2 MiB).
constexpr int64_t kWholeAMaxFloats = 160 * 1024;
// Work per dynamically assigned chunk: at least this many FLOPs (~10 us on one core), so
// taking a chunk (one atomic op and an indirect call) stays noise.
constexpr double kMinChunkFlops = 1.0e6;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Per-thread packing buffers (cpu/scratch.h), one slot each.
enum ScratchSlot { kAPack, kBPack, kVec, kBCols, kGemvOut, kAWhole, kNumSlots };
struct GemmScratch;
float* scratch(ScratchSlot slot, int64_t n) { return thread_scratch<GemmScratch, kNumSlots>(slot, n); }

using Problem = GemmProblem;

// Packs depth [pc, pc+kc) x columns [j0, j0+nc) of op(B) into panels (pack.cpp's layout),
// from the matrix or from the implicit source.
void pack_b(const Problem& p, float* bp, int64_t pc, int64_t kc, int64_t j0, int64_t nc) {
  if (!p.bsrc) return gemm_pack_b(bp, p.B, p.ldb, p.trans_b, pc, kc, j0, nc);
  for (int64_t j = 0; j < nc; j += kNR, bp += kNR * kc) {
    const int64_t n = std::min<int64_t>(kNR, nc - j);
    if (p.bsrc->layout == GemmPanelSource::kPanelRows) {
      p.bsrc->fn(p.bsrc->ctx, bp, pc, kc, j0 + j, n);
    } else {  // [n][kc], transposed into the panel while it is in L1
      float* cols = scratch(kBCols, kNR * kc);
      p.bsrc->fn(p.bsrc->ctx, cols, pc, kc, j0 + j, n);
      gemm_pack_b(bp, cols, kc, true, 0, kc, 0, n);
    }
  }
}

// Even splits (K = 257 -> 2 x 129, not 256 + 1) so no block is a sliver.
int64_t kc_step_for(int64_t K) { return ceil_div(K, ceil_div(K, kKC)); }
int64_t mc_step_for(int64_t rows) { return ceil_div(ceil_div(rows, ceil_div(rows, kMC)), kMR) * kMR; }

TileStore tile_store(const Problem& p, int64_t pc, int64_t kc, int64_t i, int64_t j) {
  return gemm_tile_store(p.alpha, p.beta, p.K, p.ep, pc, kc, i, j);
}

// One micro-kernel call for the m x n tile at C[i, j]: A from the packed sliver ap or, when
// ap is null, read in place.
void tile(const Problem& p, const float* ap, const float* bp, int64_t pc, int64_t kc, int64_t i, int64_t j,
          int m, int n) {
  const TileStore st = tile_store(p, pc, kc, i, j);
  float* c = p.C + i * p.ldc + j;
  if (ap) return gemm_ukernel(kc, ap, bp, c, p.ldc, m, n, st);
  const int64_t rs_a = p.trans_a ? 1 : p.lda, cs_a = p.trans_a ? p.lda : 1;
  gemm_ukernel_a(kc, p.A + i * rs_a + pc * cs_a, rs_a, cs_a, bp, c, p.ldc, m, n, st);
}

// The inner loops for rows [i0, i1) against one packed B block (bp: panels of depth
// [pc, pc+kc) and columns [jc, jc+nc)): pack A blocks, run the micro-kernel over tiles.
void gemm_rows(const Problem& p, const float* bp, int64_t i0, int64_t i1, int64_t jc, int64_t nc,
               int64_t pc, int64_t kc) {
  const int64_t mc_step = mc_step_for(i1 - i0);
  // NOTE: an A sliver is reused once per B panel; with few panels (nc <= 128) packing it
  // costs more than the kernel's strided broadcasts (1 thread, AVX2: 64^3 64 -> 75,
  // 128^3 78 -> 83 GFLOP per CPU-second; at nc = 256 it is a wash).
  const bool direct_a = nc <= kDirectAMaxCols;
  float* ap = direct_a ? nullptr : scratch(kAPack, mc_step * kc);
  for (int64_t ic = i0; ic < i1; ic += mc_step) {
    const int64_t mc = std::min(mc_step, i1 - ic);
    if (!direct_a) gemm_pack_a(ap, p.A, p.lda, p.trans_a, ic, mc, pc, kc);
    for (int64_t jr = 0; jr < nc; jr += kNR)
      for (int64_t ir = 0; ir < mc; ir += kMR)
        tile(p, direct_a ? nullptr : ap + ir * kc, bp + jr * kc, pc, kc, ic + ir, jc + jr,
             int(std::min<int64_t>(kMR, mc - ir)), int(std::min<int64_t>(kNR, nc - jr)));
  }
}

// Rows [i0, i1) that fit one A block: A is packed once per depth block and B streams one
// panel at a time through an L1-sized buffer, used by every A sliver while it is hot,
// instead of a whole KC x NC block of B being packed first (that block can outgrow L2:
// conv's weight gradient packs 256 x 576).
void gemm_few_rows(const Problem& p, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  const int64_t kc_step = kc_step_for(p.K), mc = i1 - i0;
  const bool direct_a = j1 - j0 <= kDirectAMaxCols;
  float* ap = direct_a ? nullptr : scratch(kAPack, ceil_div(mc, kMR) * kMR * kc_step);
  float* bp = scratch(kBPack, kNR * kc_step);
  for (int64_t pc = 0; pc < p.K; pc += kc_step) {
    const int64_t kc = std::min(kc_step, p.K - pc);
    if (!direct_a) gemm_pack_a(ap, p.A, p.lda, p.trans_a, i0, mc, pc, kc);
    for (int64_t jr = j0; jr < j1; jr += kNR) {
      const int n = int(std::min<int64_t>(kNR, j1 - jr));
      pack_b(p, bp, pc, kc, jr, n);
      for (int64_t ir = 0; ir < mc; ir += kMR)
        tile(p, direct_a ? nullptr : ap + ir * kc, bp, pc, kc, i0 + ir, jr, int(std::min<int64_t>(kMR, mc - ir)), n);
    }
  }
}

// Runs the blocked loops for C[i0:i1, j0:j1] on the calling thread.
void gemm_block(const Problem& p, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  if (i1 - i0 <= kMC) return gemm_few_rows(p, i0, i1, j0, j1);
  const int64_t kc_step = kc_step_for(p.K);
  float* bp = scratch(kBPack, std::min<int64_t>(kNC, ceil_div(j1 - j0, kNR) * kNR) * kc_step);
  for (int64_t jc = j0; jc < j1; jc += kNC) {
    const int64_t nc = std::min(kNC, j1 - jc);
    for (int64_t pc = 0; pc < p.K; pc += kc_step) {
      const int64_t kc = std::min(kc_step, p.K - pc);
      pack_b(p, bp, pc, kc, jc, nc);
      gemm_rows(p, bp, i0, i1, jc, nc, pc, kc);
    }
  }
}

// Items per chunk when n items are split over threads: about kChunksPerThread chunks each.
int64_t chunk_for(int64_t n, int threads) { return std::max<int64_t>(1, n / (kChunksPerThread * threads)); }

// Column chunks of C, each thread packing its own B panels (A packed per block, or read in
// place for narrow blocks: gemm_block). One fork-join.
void gemm_split_cols(const Problem& p, int threads, int64_t nt) {
  parallel_for_chunks(nt, chunk_for(nt, threads), [&](int64_t b, int64_t e) {
    gemm_block(p, 0, p.M, b * kNR, std::min(p.N, e * kNR));
  });
}

// A small product (kSmallFlops) in one fork-join: column panels of C in chunks, or, when C
// has fewer panels than threads (2 threads: N <= 32 on AVX-512), one row block per thread
// (each packs the few B panels itself). A is read in place where a chunk is at most
// kDirectAMaxCols wide (gemm_few_rows): always for the row blocks and up to n = 256.
void gemm_small(const Problem& p, int threads, int64_t nt, int64_t mt) {
  if (nt >= threads) return gemm_split_cols(p, threads, nt);
  parallel_for_chunks(mt, ceil_div(mt, threads), [&](int64_t b, int64_t e) {
    gemm_block(p, b * kMR, std::min(p.M, e * kMR), 0, p.N);
  });
}

// All threads share each packed B block: they pack its panels together, then split the
// rows of C (each packing only its own A blocks). Two fork-joins per B block.
void gemm_shared_b(const Problem& p, int threads) {
  const int64_t kc_step = kc_step_for(p.K);
  float* bp = scratch(kBPack, std::min<int64_t>(kNC, ceil_div(p.N, kNR) * kNR) * kc_step);
  for (int64_t jc = 0; jc < p.N; jc += kNC) {
    const int64_t nc = std::min(kNC, p.N - jc);
    for (int64_t pc = 0; pc < p.K; pc += kc_step) {
      const int64_t kc = std::min(kc_step, p.K - pc);
      const int64_t nt = ceil_div(nc, kNR), mt = ceil_div(p.M, kMR);
      parallel_for_chunks(nt, chunk_for(nt, threads), [&](int64_t b, int64_t e) {
        pack_b(p, bp + b * kNR * kc, pc, kc, jc + b * kNR, std::min(nc, e * kNR) - b * kNR);
      });
      // NOTE: row chunks of at most one A block (kMC rows); each packs its own A rows.
      parallel_for_chunks(mt, std::min(kMC / kMR, chunk_for(mt, threads)), [&](int64_t b, int64_t e) {
        gemm_rows(p, bp, b * kMR, std::min(p.M, e * kMR), jc, nc, pc, kc);
      });
    }
  }
}

// Columns [j0, j1) of C against all of op(A), packed in ap: depth block pc holds mpad / kMR
// panels of [kc][kMR] at ap + pc * mpad. Each B panel is packed once into an L1 buffer and
// runs against every A sliver before the next.
void gemm_cols_whole_a(const Problem& p, const float* ap, int64_t mpad, int64_t j0, int64_t j1) {
  const int64_t kc_step = kc_step_for(p.K);
  float* bp = scratch(kBPack, kNR * kc_step);
  for (int64_t jr = j0; jr < j1; jr += kNR) {
    const int n = int(std::min<int64_t>(kNR, j1 - jr));
    for (int64_t pc = 0; pc < p.K; pc += kc_step) {
      const int64_t kc = std::min(kc_step, p.K - pc);
      pack_b(p, bp, pc, kc, jr, n);
      const float* a = ap + pc * mpad;
      for (int64_t ir = 0; ir < p.M; ir += kMR)
        tile(p, a + ir * kc, bp, pc, kc, ir, jr, int(std::min<int64_t>(kMR, p.M - ir)), n);
    }
  }
}

// op(A) small enough to share (kWholeAMaxFloats): the threads pack it once, in row chunks,
// then take column chunks of C (gemm_cols_whole_a). Two fork-joins in all.
void gemm_whole_a(const Problem& p, int threads) {
  const int64_t kc_step = kc_step_for(p.K), mt = ceil_div(p.M, kMR), mpad = mt * kMR;
  float* ap = scratch(kAWhole, mpad * p.K);  // the calling thread's; workers only read it
  parallel_for_chunks(mt, chunk_for(mt, threads), [&](int64_t b, int64_t e) {
    for (int64_t pc = 0; pc < p.K; pc += kc_step) {
      const int64_t kc = std::min(kc_step, p.K - pc);
      gemm_pack_a(ap + pc * mpad + b * kMR * kc, p.A, p.lda, p.trans_a, b * kMR, std::min(p.M, e * kMR) - b * kMR, pc, kc);
    }
  });
  const int64_t nt = ceil_div(p.N, kNR);
  const double panel_flops = 2.0 * double(p.M) * double(p.K) * kNR;
  const int64_t chunk = std::max(chunk_for(nt, threads), int64_t(std::ceil(kMinChunkFlops / panel_flops)));
  parallel_for_chunks(nt, chunk, [&](int64_t b, int64_t e) { gemm_cols_whole_a(p, ap, mpad, b * kNR, std::min(p.N, e * kNR)); });
}

// y[j] = sum_k x[k] * X[k*ldx + j] for j < n (rows of X contiguous): one streaming pass.
void gemv_axpy(float* __restrict y, const float* X, int64_t ldx, const float* x, int64_t K, int64_t n) {
  std::fill(y, y + n, 0.0f);
  int64_t k = 0;
  for (; k + 4 <= K; k += 4) {
    const float *r0 = X + k * ldx, *r1 = r0 + ldx, *r2 = r1 + ldx, *r3 = r2 + ldx;
    const float x0 = x[k], x1 = x[k + 1], x2 = x[k + 2], x3 = x[k + 3];
    for (int64_t j = 0; j < n; ++j) y[j] += x0 * r0[j] + x1 * r1[j] + x2 * r2[j] + x3 * r3[j];
  }
  for (; k < K; ++k) {
    const float* r0 = X + k * ldx;
    for (int64_t j = 0; j < n; ++j) y[j] += x[k] * r0[j];
  }
}

// dot(a[0:K], x[0:K]) with four vector accumulators.
float dot(const float* a, const float* x, int64_t K) {
  vf s0 = vbroadcast(0.0f), s1 = s0, s2 = s0, s3 = s0;
  int64_t k = 0;
  for (; k + 4 * kVecWidth <= K; k += 4 * kVecWidth) {
    s0 += vload(a + k) * vload(x + k);
    s1 += vload(a + k + kVecWidth) * vload(x + k + kVecWidth);
    s2 += vload(a + k + 2 * kVecWidth) * vload(x + k + 2 * kVecWidth);
    s3 += vload(a + k + 3 * kVecWidth) * vload(x + k + 3 * kVecWidth);
  }
  for (; k + kVecWidth <= K; k += kVecWidth) s0 += vload(a + k) * vload(x + k);
  vf s = (s0 + s1) + (s2 + s3);
  float r = 0.0f;
  for (int i = 0; i < kVecWidth; ++i) r += s[i];
  for (; k < K; ++k) r += a[k] * x[k];
  return r;
}

// Matrix-vector: out[j] (stride ldo) for j < L, where out = alpha * Mat . x (+ beta, bias, relu).
// Mat element (j, k) is at mat[j*rs + k*cs]; either rs == 1 (axpy form) or cs == 1 (dot form).
// bias_vec: bias indexed by j (or null); bias_scalar: added to every element.
void gemv(const Problem& p, int64_t L, const float* mat, int64_t rs, int64_t cs, const float* x,
          float* out, int64_t ldo, const float* bias_vec, float bias_scalar, bool relu) {
  const double flops = 2.0 * double(L) * double(p.K);
  const int64_t grain = flops < kMinParallelFlops ? L : std::max<int64_t>(64, L / 64);
  parallel_for(L, grain, [&](int64_t j0, int64_t j1) {
    float* y = scratch(kGemvOut, j1 - j0);
    if (cs == 1)
      for (int64_t j = j0; j < j1; ++j) y[j - j0] = dot(mat + j * rs, x, p.K);
    else
      gemv_axpy(y, mat + j0, cs, x, p.K, j1 - j0);
    for (int64_t j = j0; j < j1; ++j) {
      float* o = out + j * ldo;
      float v = p.alpha * y[j - j0] + bias_scalar;
      if (p.beta != 0.0f) v += p.beta * *o;
      if (bias_vec) v += bias_vec[j];
      if (relu) v = v > 0.0f ? v : 0.0f;
      *o = v;
    }
  });
}

// M == 1 or N == 1: no packing. Returns false if the shape is not matrix-vector.
bool try_gemv(const Problem& p) {
  if (p.bsrc) return false;
  const GemmEpilogue* ep = p.ep;
  const float* bias = ep && ep->bias_kind != kBiasNone ? ep->bias : nullptr;
  const bool relu = ep && ep->act == kActRelu;
  float* xbuf = scratch(kVec, p.K);
  if (p.M == 1) {  // C[0, j] = sum_k a[k] op(B)[k, j]; op(B)(k, j) at B[j*rs + k*cs]
    for (int64_t k = 0; k < p.K; ++k) xbuf[k] = p.trans_a ? p.A[k * p.lda] : p.A[k];
    const int64_t rs = p.trans_b ? p.ldb : 1, cs = p.trans_b ? 1 : p.ldb;
    const bool per_col = ep && ep->bias_kind == kBiasPerCol;
    gemv(p, p.N, p.B, rs, cs, xbuf, p.C, 1, per_col ? bias : nullptr,
         bias && !per_col ? bias[0] : 0.0f, relu);
    return true;
  }
  if (p.N == 1) {  // C[i, 0] = sum_k op(A)[i, k] b[k]; op(A)(i, k) at A[i*rs + k*cs]
    for (int64_t k = 0; k < p.K; ++k) xbuf[k] = p.trans_b ? p.B[k] : p.B[k * p.ldb];
    const int64_t rs = p.trans_a ? 1 : p.lda, cs = p.trans_a ? p.lda : 1;
    const bool per_row = ep && ep->bias_kind == kBiasPerRow;
    gemv(p, p.M, p.A, rs, cs, xbuf, p.C, p.ldc, per_row ? bias : nullptr,
         bias && !per_row ? bias[0] : 0.0f, relu);
    return true;
  }
  return false;
}

// K == 0 or alpha == 0: C = beta * C, then the epilogue (A and B are not read).
void scale_only(const Problem& p) {
  const GemmEpilogue* ep = p.ep;
  for (int64_t i = 0; i < p.M; ++i) {
    float* c = p.C + i * p.ldc;
    for (int64_t j = 0; j < p.N; ++j) {
      float v = p.beta == 0.0f ? 0.0f : p.beta * c[j];
      if (ep && ep->bias && ep->bias_kind == kBiasPerCol) v += ep->bias[j];
      if (ep && ep->bias && ep->bias_kind == kBiasPerRow) v += ep->bias[i];
      if (ep && ep->act == kActRelu) v = v > 0.0f ? v : 0.0f;
      c[j] = v;
    }
  }
}

// The dispatch shared by sgemm and sgemm_implicit_b.
void run(const Problem& p) {
  if (p.K <= 0 || p.alpha == 0.0f) return scale_only(p);
  if (try_gemv(p)) return;
  const int threads = current_num_threads();
  const double flops = 2.0 * double(p.M) * double(p.N) * double(p.K);
  if (threads <= 1 || flops < kMinParallelFlops) return gemm_block(p, 0, p.M, 0, p.N);
  const int64_t nt = ceil_div(p.N, kNR), mt = ceil_div(p.M, kMR);
  if (flops < kSmallFlops) return gemm_small(p, threads, nt, mt);
  if (mt * kMR * p.K <= kWholeAMaxFloats && nt >= 2) return gemm_whole_a(p, threads);
  // Enough row tiles for every thread: share packed B and split rows. Otherwise (short,
  // wide C) split columns.
  if (mt >= 2 * threads) return gemm_shared_b(p, threads);
  gemm_split_cols(p, threads, nt);
}
}  // namespace

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
           float* C, int64_t ldc, const GemmEpilogue* ep) {
  if (M <= 0 || N <= 0) return;
  run(Problem{trans_a, trans_b, M, N, K, alpha, beta, A, lda, B, ldb, C, ldc, ep, nullptr});
}

void sgemm_implicit_b(bool trans_a, int64_t M, int64_t N, int64_t K, float alpha,
                      const float* A, int64_t lda, const GemmPanelSource& b, float beta,
                      float* C, int64_t ldc, const GemmEpilogue* ep) {
  if (M <= 0 || N <= 0) return;
  run(Problem{trans_a, false, M, N, K, alpha, beta, A, lda, nullptr, 0, C, ldc, ep, &b});
}

void sgemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                   float alpha, const float* A, int64_t lda, int64_t stride_a,
                   const float* B, int64_t ldb, int64_t stride_b, float beta,
                   float* C, int64_t ldc, int64_t stride_c, const GemmEpilogue* ep) {
  if (batch <= 0 || M <= 0 || N <= 0) return;
  auto one = [&](int64_t b) {
    sgemm(trans_a, trans_b, M, N, K, alpha, A + b * stride_a, lda, B + b * stride_b, ldb, beta,
          C + b * stride_c, ldc, ep);
  };
  // Many small matrices: one thread per matrix (nested sgemm runs serially). Large ones:
  // one after another, each threaded inside. A shared C (stride 0) must run in order.
  const double flops = 2.0 * double(M) * double(N) * double(K);
  const int threads = current_num_threads();
  if (stride_c != 0 && threads > 1 && batch >= threads && flops < 2.0 * 256 * 256 * 256 &&
      flops * double(batch) >= kMinParallelFlops) {
    parallel_for(batch, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) one(b);
    });
    return;
  }
  for (int64_t b = 0; b < batch; ++b) one(b);
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
