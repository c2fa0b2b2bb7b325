// Fused scaled dot-product attention (see attention.h). Forward: one task per
// (problem, block of kBq queries); per block of kBk keys, one GEMM for the scores, a fused
// pass (scale, mask, causal cut, online max/sum, exp) and one GEMM accumulating P v into the
// block's output rows. Backward: one task per problem (it owns that problem's dk and dv);
// per (query block, key block) the probabilities are recomputed from the saved logsumexp
// and four GEMMs give the contributions to dv, dP, dq and dk.
#include "cpu/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "cpu/gemm/gemm.h"
#include "cpu/scratch.h"
#include "cpu/simd.h"
#include "runtime/parallel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

using namespace ::tf::TF_ISA;  // vf, vload, vstore, vbroadcast, vexp, kVecWidth (simd.h)

namespace {

// NOTE: a kBq x kBk score tile (96 KiB) and the kBq output rows stay in L2 while the keys
// stream past; 96 query rows (a multiple of the 12- and 6-row GEMM tiles) amortize each key block's loads over enough GEMM rows.
constexpr int64_t kBq = 96;
constexpr int64_t kBk = 256;
constexpr int64_t W = kVecWidth;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

struct AttnScratch {};
float* scratch(int slot, int64_t n) { return thread_scratch<AttnScratch, 3>(slot, n); }

// Number of keys query row i may see: all S, or i + 1 under the causal cut.
inline int64_t keys_for_row(const AttnProblem& p, int64_t i) { return p.causal ? std::min(p.S, i + 1) : p.S; }

// s[c] = scale * q_i . k_{j0+c} for rows [i0, i0 + rows) and keys [j0, j0 + n), into s (ld kBk).
void scores(float* s, const AttnProblem& p, int64_t b, int64_t i0, int64_t rows, int64_t j0, int64_t n) {
  if (p.E == 0) {
    for (int64_t r = 0; r < rows; ++r) std::fill(s + r * kBk, s + r * kBk + n, 0.0f);
    return;
  }
  sgemm(false, true, rows, n, p.E, p.scale, p.q.data + p.q.offset[b] + i0 * p.q.row_stride, p.q.row_stride,
        p.k.data + p.k.offset[b] + j0 * p.k.row_stride, p.k.row_stride, 0.0f, s, kBk, nullptr);
}

// Adds the mask to score row s (query i, keys [j0, j0 + n)) and cuts keys past the causal limit.
void mask_row(float* s, const AttnProblem& p, int64_t b, int64_t i, int64_t j0, int64_t n) {
  if (p.mask.data) {
    const float* m = p.mask.data + p.mask.offset[b] + i * p.mask.row_stride + j0 * p.mask.col_stride;
    const int64_t cs = p.mask.col_stride;
    if (cs == 1) {
      for (int64_t c = 0; c < n; ++c) s[c] += m[c];
    } else {
      for (int64_t c = 0; c < n; ++c) s[c] += m[c * cs];
    }
  }
  for (int64_t c = std::max<int64_t>(0, keys_for_row(p, i) - j0); c < n; ++c) s[c] = kNegInf;
}

// Scores of rows [i0, i0 + rows) and keys [j0, j0 + n) with the mask and the causal cut applied.
void masked_scores(float* s, const AttnProblem& p, int64_t b, int64_t i0, int64_t rows, int64_t j0, int64_t n) {
  scores(s, p, b, i0, rows, j0, n);
  for (int64_t r = 0; r < rows; ++r) mask_row(s + r * kBk, p, b, i0 + r, j0, n);
}

// max(m, s[0..n)): two vector accumulators (a single scalar chain is latency-bound).
float max_into(float m, const float* s, int64_t n) {
  vf a0 = vbroadcast(m), a1 = a0;
  int64_t c = 0;
  for (; c + 2 * W <= n; c += 2 * W) {
    const vf x0 = vload(s + c), x1 = vload(s + c + W);
    a0 = x0 > a0 ? x0 : a0;
    a1 = x1 > a1 ? x1 : a1;
  }
  a0 = a1 > a0 ? a1 : a0;
  for (int k = 0; k < W; ++k) m = a0[k] > m ? a0[k] : m;
  for (; c < n; ++c) m = s[c] > m ? s[c] : m;
  return m;
}

// s[c] = exp(s[c] - shift) in place; returns the sum.
float exp_row(float* s, int64_t n, float shift) {
  const vf vs = vbroadcast(shift);
  vf acc = vbroadcast(0.0f);
  int64_t c = 0;
  for (; c + W <= n; c += W) {
    vf e = vexp(vload(s + c) - vs);
    vstore(s + c, e);
    acc += e;
  }
  float sum = 0;
  for (int k = 0; k < W; ++k) sum += acc[k];
  if (c < n) {
    vf t{};
    for (int64_t k = 0; k < n - c; ++k) t[k] = s[c + k] - shift;
    vf e = vexp(t);
    for (int64_t k = 0; k < n - c; ++k) { s[c + k] = e[k]; sum += e[k]; }
  }
  return sum;
}

void scale_row(float* y, int64_t n, float a) {
  int64_t c = 0;
  for (; c + W <= n; c += W) vstore(y + c, vload(y + c) * a);
  for (; c < n; ++c) y[c] *= a;
}

// Forward of one block of query rows [i0, i0 + rows) of problem b.
void forward_block(float* out, float* lse, const AttnProblem& p, int64_t b, int64_t i0, int64_t rows) {
  float* s = scratch(0, kBq * kBk);
  float* m = scratch(1, 2 * kBq);  // running max, then running sum
  float* l = m + kBq;
  float* o = out + (b * p.L + i0) * p.Ev;  // accumulated in place: [rows, Ev]
  std::memset(o, 0, sizeof(float) * size_t(rows * p.Ev));
  std::fill(m, m + rows, kNegInf);
  std::fill(l, l + rows, 0.0f);
  const int64_t jend = keys_for_row(p, i0 + rows - 1);
  for (int64_t j0 = 0; j0 < jend; j0 += kBk) {
    const int64_t n = std::min(kBk, jend - j0);
    masked_scores(s, p, b, i0, rows, j0, n);
    for (int64_t r = 0; r < rows; ++r) {
      float* sr = s + r * kBk;
      const float mnew = max_into(m[r], sr, n);
      if (mnew == kNegInf) {  // every key so far is masked: no weight yet
        std::fill(sr, sr + n, 0.0f);
        continue;
      }
      const float corr = std::exp(m[r] - mnew);  // 0 when m[r] was -inf
      l[r] = l[r] * corr + exp_row(sr, n, mnew);
      if (corr != 1.0f) scale_row(o + r * p.Ev, p.Ev, corr);
      m[r] = mnew;
    }
    if (p.Ev > 0)
      sgemm(false, false, rows, p.Ev, n, 1.0f, s, kBk, p.v.data + p.v.offset[b] + j0 * p.v.row_stride, p.v.row_stride,
            1.0f, o, p.Ev, nullptr);
  }
  for (int64_t r = 0; r < rows; ++r) {
    float* orow = o + r * p.Ev;
    if (l[r] > 0) {
      scale_row(orow, p.Ev, 1.0f / l[r]);
      lse[b * p.L + i0 + r] = m[r] + std::log(l[r]);
    } else {  // all keys masked: softmax over nothing but -inf is 0/0
      std::fill(orow, orow + p.Ev, std::numeric_limits<float>::quiet_NaN());
      lse[b * p.L + i0 + r] = kNegInf;
    }
  }
}

// Backward of problem b (see attention.h for the formulas).
void backward_problem(float* dq, float* dk, float* dv, float* dmask, const float* dout, const float* out,
                      const float* lse, const AttnProblem& p, int64_t b) {
  const int64_t L = p.L, S = p.S, E = p.E, Ev = p.Ev;
  float* P = scratch(0, kBq * kBk);
  float* dS = scratch(1, kBq * kBk);
  float* D = scratch(2, L);
  const float* dO = dout + b * L * Ev;
  const float* O = out + b * L * Ev;
  float* dQ = dq + b * L * E;
  float* dK = dk + b * S * E;
  float* dV = dv + b * S * Ev;
  std::memset(dQ, 0, sizeof(float) * size_t(L * E));
  std::memset(dK, 0, sizeof(float) * size_t(S * E));
  std::memset(dV, 0, sizeof(float) * size_t(S * Ev));
  if (dmask) std::memset(dmask + b * L * S, 0, sizeof(float) * size_t(L * S));
  for (int64_t i = 0; i < L; ++i) {
    double d = 0;
    for (int64_t e = 0; e < Ev; ++e) d += double(dO[i * Ev + e]) * O[i * Ev + e];
    D[i] = float(d);
  }
  const float* Qb = p.q.data + p.q.offset[b];
  const float* Kb = p.k.data + p.k.offset[b];
  const float* Vb = p.v.data + p.v.offset[b];
  for (int64_t i0 = 0; i0 < L; i0 += kBq) {
    const int64_t rows = std::min(kBq, L - i0);
    const int64_t jend = keys_for_row(p, i0 + rows - 1);
    for (int64_t j0 = 0; j0 < jend; j0 += kBk) {
      const int64_t n = std::min(kBk, jend - j0);
      masked_scores(P, p, b, i0, rows, j0, n);
      for (int64_t r = 0; r < rows; ++r) exp_row(P + r * kBk, n, lse[b * L + i0 + r]);
      // dV[j0:j0+n] += P^T dO_i;  dP = dO_i V_j^T (into dS)
      if (Ev > 0) {
        sgemm(true, false, n, Ev, rows, 1.0f, P, kBk, dO + i0 * Ev, Ev, 1.0f, dV + j0 * Ev, Ev, nullptr);
        sgemm(false, true, rows, n, Ev, 1.0f, dO + i0 * Ev, Ev, Vb + j0 * p.v.row_stride, p.v.row_stride, 0.0f, dS,
              kBk, nullptr);
      } else {
        for (int64_t r = 0; r < rows; ++r) std::fill(dS + r * kBk, dS + r * kBk + n, 0.0f);
      }
      for (int64_t r = 0; r < rows; ++r) {
        float* d = dS + r * kBk;
        const float* pr = P + r * kBk;
        const float Di = D[i0 + r];
        for (int64_t c = 0; c < n; ++c) d[c] = pr[c] * (d[c] - Di);
        if (dmask) std::memcpy(dmask + (b * L + i0 + r) * S + j0, d, sizeof(float) * size_t(n));
      }
      if (E > 0) {
        sgemm(false, false, rows, E, n, p.scale, dS, kBk, Kb + j0 * p.k.row_stride, p.k.row_stride, 1.0f,
              dQ + i0 * E, E, nullptr);
        sgemm(true, false, n, E, rows, p.scale, dS, kBk, Qb + i0 * p.q.row_stride, p.q.row_stride, 1.0f,
              dK + j0 * E, E, nullptr);
      }
    }
  }
}

}  // namespace

void attention_forward(float* out, float* lse, const AttnProblem& p) {
  if (p.B == 0 || p.L == 0) return;
  if (p.S == 0) {  // an empty weighted sum
    std::memset(out, 0, sizeof(float) * size_t(p.B * p.L * p.Ev));
    std::fill(lse, lse + p.B * p.L, kNegInf);
    return;
  }
  const int64_t nblk = (p.L + kBq - 1) / kBq;
  // NOTE: grain 1 task = one query block; a block's work is rows * S * (E + Ev) flops.
  const int64_t work = std::min(kBq, p.L) * p.S * (p.E + p.Ev + 8);
  const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(1, work));
  parallel_for(p.B * nblk, grain, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t b = t / nblk, i0 = (t % nblk) * kBq;
      forward_block(out, lse, p, b, i0, std::min(kBq, p.L - i0));
    }
  });
}

void attention_backward(float* dq, float* dk, float* dv, float* dmask, const float* dout, const float* out,
                        const float* lse, const AttnProblem& p) {
  if (p.B == 0) return;
  if (p.L == 0 || p.S == 0) {  // nothing reaches any input
    std::memset(dq, 0, sizeof(float) * size_t(p.B * p.L * p.E));
    std::memset(dk, 0, sizeof(float) * size_t(p.B * p.S * p.E));
    std::memset(dv, 0, sizeof(float) * size_t(p.B * p.S * p.Ev));
    if (dmask) std::memset(dmask, 0, sizeof(float) * size_t(p.B * p.L * p.S));
    return;
  }
  const int64_t work = p.L * p.S * (2 * p.E + 2 * p.Ev + 8);
  parallel_for(p.B, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, work)), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) backward_problem(dq, dk, dv, dmask, dout, out, lse, p, b);
  });
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
