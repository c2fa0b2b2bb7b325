// Direct convolution kernels: depthwise (one input channel per group) forward and
// backward, and the per-channel bias add / sum shared with the GEMM paths.
#include <algorithm>
#include <vector>

#include "cpu/conv.h"
#include "cpu/gemm/gemm.h"
#include "cpu/simd.h"
#include "runtime/parallel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

using namespace ::tf::TF_ISA;  // simd.h: vf, kVecWidth

namespace {

// NOTE: simd.h's memcpy-based vload compiles (GCC, -mavx2 with generic tuning) to two
// 16-byte stores to the stack and a 32-byte reload, a store-forwarding stall on every
// load; vf is declared aligned(4), so a plain dereference is a legal unaligned load.
inline vf loadu(const float* p) { return *reinterpret_cast<const vf*>(p); }
// Outputs o in [*lo, *hi) are those with 0 <= o*s + off < L (clipped to [0, O)).
void valid_range(int64_t off, int64_t s, int64_t L, int64_t O, int64_t* lo, int64_t* hi) {
  int64_t a = off >= 0 ? 0 : (-off + s - 1) / s;
  int64_t b = L - 1 - off < 0 ? 0 : (L - 1 - off) / s + 1;
  *lo = std::min(a, O);
  *hi = std::max(*lo, std::min(b, O));
}
float hsum(vf v) {
  float s = 0.0f;
  for (int k = 0; k < kVecWidth; ++k) s += v[k];
  return s;
}

float sum(const float* a, int64_t n) {
  vf s0 = {}, s1 = {};
  int64_t i = 0;
  for (; i + 2 * kVecWidth <= n; i += 2 * kVecWidth) { s0 += loadu(a + i); s1 += loadu(a + i + kVecWidth); }
  for (; i + kVecWidth <= n; i += kVecWidth) s0 += loadu(a + i);
  float s = hsum(s0 + s1);
  for (; i < n; ++i) s += a[i];
  return s;
}

// Lane-wise partial sums of a[i] * b[i] (the caller sums the lanes once); the scalar
// remainder is added to *tail. NOTE: returned by value so the accumulator stays in a register.
vf dot_lanes(const float* a, const float* b, int64_t n, float* tail) {
  vf acc = {};
  int64_t i = 0;
  for (; i + kVecWidth <= n; i += kVecWidth) acc += loadu(a + i) * loadu(b + i);
  float t = 0.0f;
  for (; i < n; ++i) t += a[i] * b[i];
  *tail += t;
  return acc;
}

// Per-kw valid output column ranges, shared by the depthwise kernels.
void kw_ranges(const Conv2dParams& p, std::vector<int64_t>& lo, std::vector<int64_t>& hi) {
  lo.resize(size_t(p.KW));
  hi.resize(size_t(p.KW));
  for (int64_t kw = 0; kw < p.KW; ++kw)
    valid_range(kw * p.dil_w - p.pad_w, p.stride_w, p.W, p.OW, &lo[size_t(kw)], &hi[size_t(kw)]);
}

// acc[OC*KH*KW] += weight gradient of images [n0, n1) (float64 accumulators).
void accumulate_weight_grad(double* acc, const float* dy, const float* x, const Conv2dParams& p,
                               int64_t n0, int64_t n1) {
  const int64_t mult = p.OC / p.C, HW = p.H * p.W, OHW = p.OH * p.OW, KK = p.KH * p.KW;
  std::vector<int64_t> lo, hi;
  kw_ranges(p, lo, hi);
  for (int64_t n = n0; n < n1; ++n)
    for (int64_t oc = 0; oc < p.OC; ++oc) {
      const float* xc = x + (n * p.C + oc / mult) * HW;
      const float* dyp = dy + (n * p.OC + oc) * OHW;
      double* a = acc + oc * KK;
      for (int64_t kh = 0; kh < p.KH; ++kh)
        for (int64_t kw = 0; kw < p.KW; ++kw) {
          const int64_t off = kw * p.dil_w - p.pad_w, l = lo[size_t(kw)], z = hi[size_t(kw)];
          if (l >= z) continue;
          vf va = {};
          float tail = 0.0f;
          for (int64_t oh = 0; oh < p.OH; ++oh) {
            const int64_t ih = oh * p.stride_h - p.pad_h + kh * p.dil_h;
            if (ih < 0 || ih >= p.H) continue;
            const float* dyr = dyp + oh * p.OW;
            const float* xr = xc + ih * p.W;
            if (p.stride_w == 1) va += dot_lanes(dyr + l, xr + l + off, z - l, &tail);
            else for (int64_t ow = l; ow < z; ++ow) tail += dyr[ow] * xr[ow * p.stride_w + off];
          }
          a[kh * p.KW + kw] += double(hsum(va)) + double(tail);
        }
    }
}

}  // namespace

// Depthwise (C == groups): direct loops over one output plane at a time.
void depthwise_conv2d_forward(float* y, const float* x, const float* w, const float* bias,
                       const Conv2dParams& p, int32_t act) {
  const int64_t mult = p.OC / p.C, HW = p.H * p.W, OHW = p.OH * p.OW, KK = p.KH * p.KW;
  std::vector<int64_t> lo, hi;
  kw_ranges(p, lo, hi);
  parallel_for(p.N * p.OC, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, OHW * KK)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t n = i / p.OC, oc = i % p.OC;
      const float* xc = x + (n * p.C + oc / mult) * HW;
      const float* wk = w + oc * KK;
      float* yp = y + i * OHW;
      const float b0 = bias ? bias[oc] : 0.0f;
      for (int64_t oh = 0; oh < p.OH; ++oh) {
        float* __restrict yr = yp + oh * p.OW;
        for (int64_t ow = 0; ow < p.OW; ++ow) yr[ow] = b0;
        for (int64_t kh = 0; kh < p.KH; ++kh) {
          const int64_t ih = oh * p.stride_h - p.pad_h + kh * p.dil_h;
          if (ih < 0 || ih >= p.H) continue;
          const float* xr = xc + ih * p.W;
          for (int64_t kw = 0; kw < p.KW; ++kw) {
            const float wv = wk[kh * p.KW + kw];
            const int64_t off = kw * p.dil_w - p.pad_w, a = lo[size_t(kw)], z = hi[size_t(kw)];
            if (p.stride_w == 1) for (int64_t ow = a; ow < z; ++ow) yr[ow] += wv * xr[ow + off];
            else for (int64_t ow = a; ow < z; ++ow) yr[ow] += wv * xr[ow * p.stride_w + off];
          }
        }
        if (act == kActRelu) for (int64_t ow = 0; ow < p.OW; ++ow) yr[ow] = yr[ow] > 0.0f ? yr[ow] : 0.0f;
      }
    }
  });
}

void depthwise_conv2d_backward_input(float* dx, const float* dy, const float* w, const Conv2dParams& p) {
  const int64_t mult = p.OC / p.C, HW = p.H * p.W, OHW = p.OH * p.OW, KK = p.KH * p.KW;
  std::vector<int64_t> lo, hi;
  kw_ranges(p, lo, hi);
  parallel_for(p.N * p.C, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, mult * OHW * KK)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t n = i / p.C, c = i % p.C;
      float* dxc = dx + i * HW;
      std::fill(dxc, dxc + HW, 0.0f);
      for (int64_t m = 0; m < mult; ++m) {
        const int64_t oc = c * mult + m;
        const float* wk = w + oc * KK;
        const float* dyp = dy + (n * p.OC + oc) * OHW;
        for (int64_t oh = 0; oh < p.OH; ++oh) {
          const float* dyr = dyp + oh * p.OW;
          for (int64_t kh = 0; kh < p.KH; ++kh) {
            const int64_t ih = oh * p.stride_h - p.pad_h + kh * p.dil_h;
            if (ih < 0 || ih >= p.H) continue;
            float* __restrict xr = dxc + ih * p.W;
            for (int64_t kw = 0; kw < p.KW; ++kw) {
              const float wv = wk[kh * p.KW + kw];
              const int64_t off = kw * p.dil_w - p.pad_w, a = lo[size_t(kw)], z = hi[size_t(kw)];
              if (p.stride_w == 1) for (int64_t ow = a; ow < z; ++ow) xr[ow + off] += wv * dyr[ow];
              else for (int64_t ow = a; ow < z; ++ow) xr[ow * p.stride_w + off] += wv * dyr[ow];
            }
          }
        }
      }
    }
  });
}

void depthwise_conv2d_backward_weight(float* dw, const float* dy, const float* x, const Conv2dParams& p) {
  // Images are split into one chunk per thread, each with its own float64 partial sums.
  const int64_t wsz = p.OC * p.KH * p.KW, threads = current_num_threads();
  const int64_t chunks = threads > 1 && p.N >= threads ? threads : 1;
  std::vector<double> acc(size_t(chunks * wsz), 0.0);
  parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k)
      accumulate_weight_grad(acc.data() + k * wsz, dy, x, p, k * p.N / chunks, (k + 1) * p.N / chunks);
  });
  for (int64_t i = 0; i < wsz; ++i) {
    double s = 0.0;
    for (int64_t k = 0; k < chunks; ++k) s += acc[size_t(k * wsz + i)];
    dw[i] = float(s);
  }
}

void channel_bias_add(float* t, const float* bias, int64_t N, int64_t C, int64_t HW) {
  parallel_for(N * C, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, HW)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float v = bias[i % C];
      float* row = t + i * HW;
      for (int64_t j = 0; j < HW; ++j) row[j] += v;
    }
  });
}

void channel_sum(float* dbias, const float* dy, int64_t N, int64_t C, int64_t HW) {
  parallel_for(C, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, N * HW)), [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      double s = 0.0;
      for (int64_t n = 0; n < N; ++n) s += double(sum(dy + (n * C + c) * HW, HW));
      dbias[c] = float(s);
    }
  });
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
