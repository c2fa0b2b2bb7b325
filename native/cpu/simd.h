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

inline vf vload(const float* p) { vf v; std::memcpy(&v, p, sizeof(vf)); return v; }
inline void vstore(float* p, vf v) { std::memcpy(p, &v, sizeof(vf)); }
inline vf vbroadcast(float x) { return vf{} + x; }

}  // namespace TF_ISA
}  // namespace tf
