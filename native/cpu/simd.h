// The one thin ISA header. Each kernel translation unit is compiled three times with
// -DTF_ISA=generic|avx2|avx512 and the matching -m flags; code written against `vf`
// (GCC vector extensions) lowers to SSE, AVX2+FMA or AVX-512 accordingly.
#pragma once
#include <cstdint>
#include <climits>
#include <cstring>

#ifndef TF_ISA
#define TF_ISA generic
#endif

namespace tf {
namespace TF_ISA {

#if defined(__AVX512F__)
constexpr int kVecWidth = 16;
#elif defined(__AVX2__)
constexpr int kVecWidth = 8;
#else
constexpr int kVecWidth = 4;
#endif

typedef float vf __attribute__((vector_size(kVecWidth * 4), aligned(4)));
// The unaligned, aliasing access type (as GCC's own __m256_u) behind vload/vstore.
typedef float vf_u __attribute__((vector_size(kVecWidth * 4), aligned(4), may_alias));

// NOTE: not memcpy: with -mavx2 and GCC's generic tuning (which splits unaligned 256-bit
// accesses), a 32-byte memcpy into a vector becomes two 16-byte loads, two stores to the
// stack and a reload that stalls store forwarding: 37x slower in a plain axpy-like loop.
inline vf vload(const float* p) { return *reinterpret_cast<const vf_u*>(p); }
inline void vstore(float* p, vf v) { *reinterpret_cast<vf_u*>(p) = v; }
// x - 0 (not x + 0) so that -0 stays -0.
inline vf vbroadcast(float x) { return x - vf{}; }

typedef int32_t vi __attribute__((vector_size(kVecWidth * 4)));

// ---- Vector math: IEEE special values (NaN propagates, +-Inf, overflow to Inf, gradual
// underflow), a few ulp over the whole float range. The scalar forms (s*) run the same
// vector code on one lane, so a result never depends on where an element sits in a loop.

inline vf vabs(vf x) { return (vf)((vi)x & 0x7fffffff); }
inline vf vnan_to(vf x, vf r) { return x != x ? x : r; }  // NaN inputs come back unchanged

// x = n ln2 + r with n = round(x / ln2), |r| <= ln2/2 (Cephes split of ln2: the first part
// has few bits so n * 0.693359375 is exact for |n| < 2^15).
inline vf vreduce_ln2(vf x, vf* n) {
  *n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // 1.5*2^23: round to nearest
  return x - *n * 0.693359375f + *n * 2.12194440e-4f;
}
// 2^n for integer-valued n in [-126, 127].
inline vf vpow2i(vi n) { return (vf)((n + 127) << 23); }

// e^r 2^n for |r| <= ln2/2 (Cephes expf polynomial, ~1 ulp) and integer-valued n in
// [-150, 128]: 2^n is applied as two factors, so results overflow to +Inf and underflow
// gradually through the subnormals.
inline vf vexp_scaled(vf r, vf n) {
  vf p = vbroadcast(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  vi ni = __builtin_convertvector(n, vi);
  vi n1 = ni >> 1;  // floor(n/2): both factors stay normal numbers
  return p * vpow2i(n1) * vpow2i(ni - n1);
}

// exp. exp(x > 88.72) = +Inf, exp(-Inf) = 0, subnormal results below 2^-126.
inline vf vexp(vf x0) {
  vf x = x0 > 89.0f ? vbroadcast(89.0f) : x0;
  x = x < -104.0f ? vbroadcast(-104.0f) : x;
  vf n;
  vf r = vreduce_ln2(x, &n);
  return vnan_to(x0, vexp_scaled(r, n));
}

// expm1 = 2^n (1 + expm1(r)) - 1, with expm1(r) a Taylor polynomial to r^8 (|r| <= 0.347,
// truncation < 0.2 ulp); accurate relative to x for tiny x. Computed at half scale so n = 128
// (x up to 88.72) stays representable; overflows to +Inf; -1 below x = -17.
inline vf vexpm1(vf x0) {
  vf x = x0 > 89.0f ? vbroadcast(89.0f) : x0;
  x = x < -30.0f ? vbroadcast(-30.0f) : x;
  vf n;
  vf r = vreduce_ln2(x, &n);
  vf p = vbroadcast(2.48015873e-5f);  // 1/8!
  p = p * r + 1.98412698e-4f;         // 1/7!
  p = p * r + 1.38888889e-3f;
  p = p * r + 8.33333333e-3f;
  p = p * r + 4.16666667e-2f;
  p = p * r + 1.66666667e-1f;
  p = p * r + 0.5f;
  vf em = p * (r * r) + r;
  vf h = vpow2i(__builtin_convertvector(n, vi) - 1);  // 2^(n-1)
  vf e = (h * em + (h - 0.5f)) * 2.0f;
  e = vabs(x0) < 2.98e-8f ? x0 : e;  // |x| < 2^-25: expm1(x) rounds to x (keeps -0)
  return vnan_to(x0, e);
}

// log: Cephes logf. x = m 2^e with m in [sqrt(1/2), sqrt(2)); log = e ln2 + log1p(m - 1).
// Subnormals are scaled up first; log(0) = -Inf, log(x < 0) = NaN, log(Inf) = Inf.
inline vf vlog(vf x0) {
  vi sub = x0 < 1.17549435e-38f;
  vf x = sub ? x0 * 8388608.0f : x0;  // 2^23
  vi bits = (vi)x;
  vi e = ((bits >> 23) & 0xff) - 126;  // x = m 2^e, m in [0.5, 1)
  e = sub ? e - 23 : e;
  vf m = (vf)((bits & 0x007fffff) | 0x3f000000);
  vi lo = m < 0.707106781186547524f;
  vf f = lo ? m + m - 1.0f : m - 1.0f;
  vf fe = __builtin_convertvector(lo ? e - 1 : e, vf);
  vf z = f * f;
  vf y = vbroadcast(7.0376836292e-2f);
  y = y * f - 1.1514610310e-1f;
  y = y * f + 1.1676998740e-1f;
  y = y * f - 1.2420140846e-1f;
  y = y * f + 1.4249322787e-1f;
  y = y * f - 1.6668057665e-1f;
  y = y * f + 2.0000714765e-1f;
  y = y * f - 2.4999993993e-1f;
  y = y * f + 3.3333331174e-1f;
  y = y * f * z;
  y = y - 2.12194440e-4f * fe;
  y = y - 0.5f * z;
  vf r = f + y + 0.693359375f * fe;
  const float inf = __builtin_inff();
  r = x0 == 0.0f ? vbroadcast(-inf) : r;
  r = x0 < 0.0f ? vbroadcast(__builtin_nanf("")) : r;
  r = x0 == inf ? x0 : r;
  return vnan_to(x0, r);
}

// log1p(x) = log(u) * x / (u - 1) with u = 1 + x (Goldberg: the rounding of u cancels).
inline vf vlog1p(vf x) {
  vf u = 1.0f + x;
  vf r = vlog(u) * (x / (u - 1.0f));
  r = u == 1.0f ? x : r;
  return x == __builtin_inff() ? x : r;
}

// tanh: Cephes tanhf's odd polynomial below |x| = 0.625 (so tiny x is exact relative to x),
// 1 - 2/(e^{2|x|} + 1) above (e^{2|x|} = Inf gives 1); the sign of x is restored, so
// tanh(-0) = -0. Worst 1.3 ulp (tools/dev/vmath-check.cpp); ~15% faster than an expm1 form.
inline vf vtanh(vf x) {
  vi sign = (vi)x & INT32_MIN;
  vf ax = (vf)((vi)x ^ sign);
  vf big = 1.0f - 2.0f / (vexp(ax + ax) + 1.0f);
  vf z = ax * ax;
  vf p = vbroadcast(-5.70498872745e-3f);
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  vf small = p * z * ax + ax;
  vf t = ax < 0.625f ? small : big;
  return (vf)((vi)t | sign);
}

// sigmoid = 1 / (1 + e^-x), as e^x / (1 + e^x) for x < 0: no overflow, accurate in both tails.
inline vf vsigmoid(vf x) {
  vf e = vexp(-vabs(x));
  return (x >= 0.0f ? vbroadcast(1.0f) : e) / (1.0f + e);
}

// ---- Double-precision helpers for results that must round once. vd holds half of vf's lanes
// as doubles (one native register); vmap_d widens each half of a vf, applies f, rounds back.
// NOTE: not a vector of kVecWidth doubles: GCC lowers compares and selects on vectors wider
// than the ISA's lane by lane, which made gelu 50x slower.
typedef double vd __attribute__((vector_size(kVecWidth * 4)));
typedef int64_t vl __attribute__((vector_size(kVecWidth * 4)));
typedef float vfh __attribute__((vector_size(kVecWidth * 2)));

template <class F>
inline vf vmap_d(vf x, F f) {
  vfh h[2];
  std::memcpy(h, &x, sizeof x);
  for (vfh& v : h) v = __builtin_convertvector(f(__builtin_convertvector(v, vd)), vfh);
  vf r;
  std::memcpy(&r, h, sizeof r);
  return r;
}

// e^x in double for x in [-1000, 0] (e^-708 below -708): n = round(x / ln2), |r| <= ln2/2,
// Taylor to r^10 (truncation < 1e-12, far below a float ulp), 2^n assembled in the exponent
// field. NOTE: n is read from the bits of x/ln2 + 1.5*2^52 rather than converted: packed
// double -> int64 conversion needs AVX512DQ.
inline vd vexp_d(vd x) {
  x = x < -708.0 ? vd{} - 708.0 : x;
  vd k = x * 1.4426950408889634 + 6755399441055744.0;  // 1.5*2^52: n in the low mantissa bits
  vd n = k - 6755399441055744.0;
  vd r = (x - n * 0.693147180369123816) - n * 1.90821492927058770e-10;  // ln2 split (Cephes)
  vd p = vd{} + 1.0 / 3628800;
  p = p * r + 1.0 / 362880;
  p = p * r + 1.0 / 40320;
  p = p * r + 1.0 / 5040;
  p = p * r + 1.0 / 720;
  p = p * r + 1.0 / 120;
  p = p * r + 1.0 / 24;
  p = p * r + 1.0 / 6;
  p = p * r + 0.5;
  p = p * (r * r) + r + 1.0;
  vl ni = (vl)k - 0x4338000000000000LL;  // n as an integer, n >= -1022
  return p * (vd)((ni + 1023) << 52);
}

// Standard normal CDF in double for float-valued x: Phi(x) = erfc(-x/sqrt2)/2. For z = |x|/sqrt2:
// erfc(z) = t exp(-z^2 + P(t)), t = 1/(1 + z/2), P a degree-10 least-squares fit (error < 1e-8
// relative, ~0.2 float ulp) in t - 4/7 over z in [0, 12]; Phi(x >= 0) = 1 - Phi(-x). Evaluated
// in double (x^2/2 is exact there), so a float result rounds once: vnormcdf and gelu stay
// within ~1 ulp over the whole range, including the tail where Phi(x) is a float subnormal
// but x Phi(x) is not (x ~ -13). NaN propagates; Phi(-Inf) = 0, Phi(Inf) = 1.
inline vd vnormcdf_d(vd x) {
  vd a = x < 0.0 ? -x : x;
  vd t = 1.0 / (1.0 + 0.353553390593273762 * a);  // z / 2 = |x| / (2 sqrt 2)
  vd v = t - 0.571428597;
  vd p = vd{} - 1.211634022e-01;
  p = p * v + 1.583560767e-01;
  p = p * v + 1.167755360e-01;
  p = p * v - 2.566177937e-01;
  p = p * v - 3.037867524e-02;
  p = p * v + 2.980947507e-01;
  p = p * v - 5.243928959e-02;
  p = p * v - 4.053205060e-01;
  p = p * v + 1.052086641e-01;
  p = p * v + 1.366404722e+00;
  p = p * v - 5.748762730e-01;
  vd c = a > 16.0 ? vd{} + 16.0 : a;  // Phi(-16) ~ 6e-58: x Phi(x) is 0 in float already
  vd q = 0.5 * t * vexp_d(p - 0.5 * c * c);
  q = a > 16.0 ? vd{} : q;  // also keeps +-Inf from NaN
  vd r = x < 0.0 ? q : 1.0 - q;
  // |x| < 1/2: 1/2 + erf(x/sqrt2)/2 from erf's Taylor series to z^11 (error < 2e-10), where
  // P's cancelling terms would cost a few ulp around 1/2.
  vd z2 = 0.5 * x * x;
  vd e = vd{} - 1.0 / 1320.0;
  e = e * z2 + 1.0 / 216.0;
  e = e * z2 - 1.0 / 42.0;
  e = e * z2 + 1.0 / 10.0;
  e = e * z2 - 1.0 / 3.0;
  e = e * z2 + 1.0;
  vd small = 0.5 + (0.398942280401432678 * x) * e;  // erf(z)/2 = z e / sqrt(pi), z = x/sqrt2
  r = a < 0.5 ? small : r;
  return x != x ? x : r;
}

inline vf vnormcdf(vf x) { return vmap_d(x, [](vd u) { return vnormcdf_d(u); }); }

// GELU x Phi(x), rounded once from double.
inline vf vgelu(vf x) { return vmap_d(x, [](vd u) { return u * vnormcdf_d(u); }); }

// GELU's derivative Phi(u) + u phi(u), rounded once from double (u^2/2 is exact there). Near
// its zero at u = -0.7518 the two terms cancel: the error is relative to the terms, not the
// sum. NaN at +-Inf (Inf * 0), as PyTorch.
inline vf vgelu_grad(vf x) {
  return vmap_d(x, [](vd u) { return vnormcdf_d(u) + u * (0.398942280401432678 * vexp_d(-0.5 * u * u)); });
}

inline float sexp(float x) { return vexp(vbroadcast(x))[0]; }
inline float sexpm1(float x) { return vexpm1(vbroadcast(x))[0]; }
inline float slog(float x) { return vlog(vbroadcast(x))[0]; }
inline float slog1p(float x) { return vlog1p(vbroadcast(x))[0]; }
inline float stanh(float x) { return vtanh(vbroadcast(x))[0]; }
inline float ssigmoid(float x) { return vsigmoid(vbroadcast(x))[0]; }
inline float snormcdf(float x) { return vnormcdf(vbroadcast(x))[0]; }

}  // namespace TF_ISA
}  // namespace tf
