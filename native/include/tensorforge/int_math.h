// int32 arithmetic with PyTorch's semantics and no undefined behaviour, shared by the CPU
// kernels (every ISA) and the CUDA kernels: sums, differences and products wrap modulo 2^32
// (computed in uint32, where overflow is defined); pow is exact repeated squaring.
#pragma once
#include <cmath>
#include <cstdint>

#ifdef __CUDACC__
#define TF_HOST_DEVICE __host__ __device__
#else
#define TF_HOST_DEVICE
#endif

namespace tf {

// The int32 whose two's-complement bits are u. NOTE: written out because a plain int32_t(u)
// of u >= 2^31 is implementation-defined before C++20; compilers fold this to nothing.
TF_HOST_DEVICE inline int32_t i32_from_bits(uint32_t u) {
  return u < 0x80000000u ? int32_t(u) : int32_t(u - 0x80000000u) - 2147483647 - 1;
}

TF_HOST_DEVICE inline int32_t i32_add(int32_t a, int32_t b) { return i32_from_bits(uint32_t(a) + uint32_t(b)); }
TF_HOST_DEVICE inline int32_t i32_sub(int32_t a, int32_t b) { return i32_from_bits(uint32_t(a) - uint32_t(b)); }
TF_HOST_DEVICE inline int32_t i32_mul(int32_t a, int32_t b) { return i32_from_bits(uint32_t(a) * uint32_t(b)); }
TF_HOST_DEVICE inline int32_t i32_neg(int32_t a) { return i32_from_bits(0u - uint32_t(a)); }

// base ** exp with int32 wrap-around, by repeated squaring in uint32. A negative exponent
// follows PyTorch's integer pow of tensors: 1 ** e = 1, (-1) ** e = +-1 by parity, 0 otherwise
// (0 ** negative included). The public op refuses a negative scalar exponent before this.
TF_HOST_DEVICE inline int32_t i32_pow(int32_t base, int32_t exp) {
  if (exp < 0) {
    if (base == 1) return 1;
    if (base == -1) return (exp & 1) ? -1 : 1;
    return 0;
  }
  uint32_t result = 1u, b = uint32_t(base), e = uint32_t(exp);
  while (e) {
    if (e & 1u) result *= b;
    b *= b;
    e >>= 1;
  }
  return i32_from_bits(result);
}

// A double parameter as a uint32 modulo 2^32 (truncated toward zero first; NaN and infinities
// give 0), so integer kernels take any double without an out-of-range conversion.
inline uint32_t u32_wrap(double v) {
  if (!(v - v == 0.0)) return 0u;  // NaN or +-inf
  double r = std::fmod(std::trunc(v), 4294967296.0);  // exact, in (-2^32, 2^32)
  if (r < 0) r += 4294967296.0;
  return uint32_t(r);
}

// A double clamped into int32's range and truncated toward zero (NaN gives 0): clamp's bounds
// on int32 tensors. Host only, like u32_wrap (kernel parameters are converted before launch).
inline int32_t i32_saturate(double v) {
  if (v != v) return 0;
  if (v <= -2147483648.0) return -2147483647 - 1;
  if (v >= 2147483647.0) return 2147483647;
  return int32_t(v);
}

}  // namespace tf
