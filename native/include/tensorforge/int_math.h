// int32 arithmetic with PyTorch's semantics and no undefined behaviour, shared by the CPU
// kernels (every ISA) and the CUDA kernels: sums, differences and products wrap modulo 2^32
// (computed in uint32, where overflow is defined); pow is exact repeated squaring; floor
// division and remainder (with their float32 forms, so both backends round alike).
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

// Floor division and remainder with the sign of the divisor (Python's // and %), as PyTorch's
// floor_divide and remainder. int32: INT_MIN // -1 wraps to INT_MIN (remainder 0) instead of
// trapping; a zero divisor gives 0 here, but the public ops refuse one before any kernel runs
// (PyTorch raises ZeroDivisionError), so that value is never seen.
TF_HOST_DEVICE inline int32_t i32_floordiv(int32_t a, int32_t b) {
  if (b == 0) return 0;
  if (b == -1) return i32_neg(a);
  const int32_t q = a / b, r = a % b;  // |b| >= 2 or b == 1: no overflow
  return (r != 0 && (r < 0) != (b < 0)) ? q - 1 : q;
}
TF_HOST_DEVICE inline int32_t i32_remainder(int32_t a, int32_t b) {
  if (b == 0 || b == -1) return 0;
  const int32_t r = a % b;
  return (r != 0 && (r < 0) != (b < 0)) ? r + b : r;  // r and b of opposite signs: no overflow
}
// float32 versions, PyTorch's algorithm: the quotient comes from the exact fmod, so a // b is
// the floor of the exact quotient (floorf(a / b) would round 3 / 0.1f up to 30), and a zero
// divisor gives IEEE a / b (floor division) or NaN (remainder).
TF_HOST_DEVICE inline float f32_floordiv(float a, float b) {
  if (b == 0.0f) return a / b;
  const float mod = fmodf(a, b);
  float div = (a - mod) / b;
  if (mod != 0.0f && (b < 0.0f) != (mod < 0.0f)) div -= 1.0f;
  if (div == 0.0f) return copysignf(0.0f, a / b);
  float q = floorf(div);
  return div - q > 0.5f ? q + 1.0f : q;
}
TF_HOST_DEVICE inline float f32_remainder(float a, float b) {
  float mod = fmodf(a, b);
  if (mod != 0.0f && (b < 0.0f) != (mod < 0.0f)) mod += b;
  return mod;
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
