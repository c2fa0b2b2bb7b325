// The one thin ISA header. Each kernel translation unit is compiled three times with
// -DTF_ISA=generic|avx2|avx512 and the matching -m flags; code written against `vf`
// (GCC vector extensions) lowers to SSE, AVX2+FMA or AVX-512 accordingly.
#pragma once
#include <cstdint>
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
inline vf vbroadcast(float x) { return vf{} + x; }

typedef int32_t vi __attribute__((vector_size(kVecWidth * 4)));

// exp (Cephes expf polynomial, ~1 ulp) for x <= 88; below -87 it returns 0; NaN propagates.
inline vf vexp(vf x0) {
  const vf hi = vbroadcast(88.0f), lo = vbroadcast(-87.0f);
  vf x = x0 > hi ? hi : x0;
  x = x < lo ? lo : x;
  vf n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest
  vf r = x - n * 0.693359375f + n * 2.12194440e-4f;
  vf p = vbroadcast(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  vi bits = (__builtin_convertvector(n, vi) + 127) << 23;
  vf e = p * (vf)bits;  // 2^n: a same-size vector cast reinterprets the bits
  return x0 < lo ? vbroadcast(0.0f) : e;
}

}  // namespace TF_ISA
}  // namespace tf
