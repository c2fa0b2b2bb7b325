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

}  // namespace TF_ISA
}  // namespace tf
