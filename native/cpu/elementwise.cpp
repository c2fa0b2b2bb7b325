// Elementwise binary/unary/where/cast/fill kernels (forward and unary backward).
// Compiled once per ISA; the inner loops are written so the compiler vectorizes the
// contiguous and scalar-broadcast cases for the target's vector width.
#include "cpu/elementwise.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include "cpu/simd.h"
#include "cpu/strided.h"
#include "tensorforge/int_math.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

using namespace ::tf::TF_ISA;  // vf, vload, vstore, vexp, vtanh, ... (simd.h)

namespace {

constexpr int64_t kGrainCheap = 32768;
constexpr int64_t kGrainMath = 8192;

template <typename T, typename F>
void binary_loop(const TensorView& y, const TensorView& a, const TensorView& b, F f) {
  using R = decltype(f(T(), T()));
  const TensorView* v[3] = {&y, &a, &b};
  StridedIter<3> it(v);
  it.run(kGrainCheap, [&](char** p, const int64_t* s, int64_t n) {
    R* __restrict o = reinterpret_cast<R*>(p[0]);
    const T* x0 = reinterpret_cast<const T*>(p[1]);
    const T* x1 = reinterpret_cast<const T*>(p[2]);
    constexpr int64_t es = sizeof(T), eo = sizeof(R);
    if (s[0] == eo && s[1] == es && s[2] == es) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(x0[i], x1[i]);
    } else if (s[0] == eo && s[1] == es && s[2] == 0) {
      const T c = *x1;
      for (int64_t i = 0; i < n; ++i) o[i] = f(x0[i], c);
    } else if (s[0] == eo && s[1] == 0 && s[2] == es) {
      const T c = *x0;
      for (int64_t i = 0; i < n; ++i) o[i] = f(c, x1[i]);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<R*>(p[0] + i * s[0]) = f(*reinterpret_cast<const T*>(p[1] + i * s[1]),
                                                   *reinterpret_cast<const T*>(p[2] + i * s[2]));
    }
  });
}

template <typename T>
void binary_typed(const TensorView& y, const TensorView& a, const TensorView& b, int32_t op) {
  // NOTE: int32 arithmetic wraps modulo 2^32 like PyTorch (tensorforge/int_math.h computes it
  // in uint32: signed overflow would be undefined). uint8 promotes to int and narrows back.
  if constexpr (std::is_same<T, int32_t>::value) {
    switch (op) {
      case kAdd: return binary_loop<T>(y, a, b, [](int32_t u, int32_t v) { return i32_add(u, v); });
      case kSub: return binary_loop<T>(y, a, b, [](int32_t u, int32_t v) { return i32_sub(u, v); });
      case kMul: return binary_loop<T>(y, a, b, [](int32_t u, int32_t v) { return i32_mul(u, v); });
      case kPow: return binary_loop<T>(y, a, b, [](int32_t u, int32_t v) { return i32_pow(u, v); });
      case kFloorDivide: return binary_loop<T>(y, a, b, [](int32_t u, int32_t v) { return i32_floordiv(u, v); });
      case kRemainder: return binary_loop<T>(y, a, b, [](int32_t u, int32_t v) { return i32_remainder(u, v); });
      default: break;
    }
  }
  if constexpr (std::is_same<T, uint8_t>::value) {
    switch (op) {
      case kFloorDivide: return binary_loop<T>(y, a, b, [](uint8_t u, uint8_t v) { return uint8_t(v ? u / v : 0); });
      case kRemainder: return binary_loop<T>(y, a, b, [](uint8_t u, uint8_t v) { return uint8_t(v ? u % v : 0); });
      default: break;
    }
  }
  switch (op) {
    case kAdd: return binary_loop<T>(y, a, b, [](T u, T v) { return T(u + v); });
    case kSub: return binary_loop<T>(y, a, b, [](T u, T v) { return T(u - v); });
    case kMul: return binary_loop<T>(y, a, b, [](T u, T v) { return T(u * v); });
    case kMaximum:
      return binary_loop<T>(y, a, b, [](T u, T v) { return (u != u || u > v) ? u : v; });
    case kMinimum:
      return binary_loop<T>(y, a, b, [](T u, T v) { return (u != u || u < v) ? u : v; });
    case kEq: return binary_loop<T>(y, a, b, [](T u, T v) { return uint8_t(u == v); });
    case kNe: return binary_loop<T>(y, a, b, [](T u, T v) { return uint8_t(u != v); });
    case kLt: return binary_loop<T>(y, a, b, [](T u, T v) { return uint8_t(u < v); });
    case kLe: return binary_loop<T>(y, a, b, [](T u, T v) { return uint8_t(u <= v); });
    case kGt: return binary_loop<T>(y, a, b, [](T u, T v) { return uint8_t(u > v); });
    case kGe: return binary_loop<T>(y, a, b, [](T u, T v) { return uint8_t(u >= v); });
    case kLogicalAnd:
      return binary_loop<T>(y, a, b, [](T u, T v) { return uint8_t(u != T(0) && v != T(0)); });
    case kLogicalOr:
      return binary_loop<T>(y, a, b, [](T u, T v) { return uint8_t(u != T(0) || v != T(0)); });
    default: break;
  }
  if constexpr (std::is_same<T, float>::value) {
    switch (op) {
      case kDiv: return binary_loop<T>(y, a, b, [](float u, float v) { return u / v; });
      case kPow: return binary_loop<T>(y, a, b, [](float u, float v) { return std::pow(u, v); });
      case kAtan2:
        return binary_loop<T>(y, a, b, [](float u, float v) { return std::atan2(u, v); });
      case kFloorDivide: return binary_loop<T>(y, a, b, [](float u, float v) { return f32_floordiv(u, v); });
      case kRemainder: return binary_loop<T>(y, a, b, [](float u, float v) { return f32_remainder(u, v); });
      default: break;
    }
  }
}

// GELU, tanh approximation: 0.5 x (1 + tanh(u)) = x sigmoid(2u), u = sqrt(2/pi)(x + 0.044715 x^3);
// the sigmoid form keeps the negative tail accurate instead of cancelling in 1 + tanh(u).
inline vf gelu_tanh_v(vf x) {
  const float k2 = 2.0f * 0.7978845608028654f;  // 2 sqrt(2/pi)
  return x * vsigmoid(k2 * (x + 0.044715f * x * x * x));
}
// Softplus as PyTorch: log1p(exp(beta x)) / beta, x itself above the threshold; written as
// max(bx, 0) + log1p(exp(-|bx|)) so exp never overflows.
inline vf softplus_v(vf x, float beta, float threshold) {
  vf bx = beta * x;
  vf r = ((bx > 0.0f ? bx : vbroadcast(0.0f)) + vlog1p(vexp(-vabs(bx)))) / beta;
  return bx > threshold ? x : r;
}
template <typename T, typename F>
void unary_loop(const TensorView& y, const TensorView& x, int64_t grain, F f) {
  const TensorView* v[2] = {&y, &x};
  StridedIter<2> it(v);
  it.run(grain, [&](char** p, const int64_t* s, int64_t n) {
    T* __restrict o = reinterpret_cast<T*>(p[0]);
    const T* u = reinterpret_cast<const T*>(p[1]);
    if (s[0] == int64_t(sizeof(T)) && s[1] == int64_t(sizeof(T))) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(u[i]);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<T*>(p[0] + i * s[0]) = f(*reinterpret_cast<const T*>(p[1] + i * s[1]));
    }
  });
}

// Like unary_loop for float ops written on vectors: full vectors of a contiguous run go
// straight through f; tails and strided runs are gathered into one vector, so every element
// takes the same path whatever its position.
template <typename F>
void unary_vloop(const TensorView& y, const TensorView& x, int64_t grain, F f) {
  constexpr int64_t W = kVecWidth;
  const TensorView* v[2] = {&y, &x};
  StridedIter<2> it(v);
  it.run(grain, [&](char** p, const int64_t* s, int64_t n) {
    int64_t i = 0;
    if (s[0] == 4 && s[1] == 4) {
      float* o = reinterpret_cast<float*>(p[0]);
      const float* u = reinterpret_cast<const float*>(p[1]);
      for (; i + W <= n; i += W) vstore(o + i, f(vload(u + i)));
    }
    for (; i < n; i += W) {
      const int64_t m = n - i < W ? n - i : W;
      vf a{};
      for (int64_t j = 0; j < m; ++j) a[j] = *reinterpret_cast<const float*>(p[1] + (i + j) * s[1]);
      const vf r = f(a);
      for (int64_t j = 0; j < m; ++j) *reinterpret_cast<float*>(p[0] + (i + j) * s[0]) = r[j];
    }
  });
}

void unary_f32(const TensorView& y, const TensorView& x, int32_t op, float p0, float p1) {
  const int64_t G = kGrainCheap, M = kGrainMath;
  switch (op) {
    case kNeg: return unary_loop<float>(y, x, G, [](float v) { return -v; });
    case kAbs: return unary_loop<float>(y, x, G, [](float v) { return std::fabs(v); });
    case kExp: return unary_vloop(y, x, M, [](vf v) { return vexp(v); });
    case kLog: return unary_vloop(y, x, M, [](vf v) { return vlog(v); });
    case kSqrt: return unary_loop<float>(y, x, G, [](float v) { return std::sqrt(v); });
    case kRsqrt: return unary_loop<float>(y, x, G, [](float v) { return 1.0f / std::sqrt(v); });
    case kRelu: return unary_loop<float>(y, x, G, [](float v) { return v > 0.0f ? v : (v != v ? v : 0.0f); });
    case kLeakyRelu: return unary_loop<float>(y, x, G, [p0](float v) { return v > 0.0f ? v : v * p0; });
    case kElu: return unary_vloop(y, x, M, [p0](vf v) { return v > 0.0f ? v : p0 * vexpm1(v); });
    case kGelu: return unary_vloop(y, x, M, [](vf v) { return vgelu(v); });  // x Phi(x)
    case kGeluTanh: return unary_vloop(y, x, M, [](vf v) { return gelu_tanh_v(v); });
    case kSilu: return unary_vloop(y, x, M, [](vf v) { return v * vsigmoid(v); });
    case kSigmoid: return unary_vloop(y, x, M, [](vf v) { return vsigmoid(v); });
    case kTanh: return unary_vloop(y, x, M, [](vf v) { return vtanh(v); });
    case kSoftplus: return unary_vloop(y, x, M, [p0, p1](vf v) { return softplus_v(v, p0, p1); });
    case kClamp:
      return unary_loop<float>(y, x, G, [p0, p1](float v) { return v != v ? v : (v < p0 ? p0 : (v > p1 ? p1 : v)); });
    case kPowScalar: return unary_loop<float>(y, x, M, [p0](float v) { return std::pow(v, p0); });
    case kSquare: return unary_loop<float>(y, x, G, [](float v) { return v * v; });
    case kSin: return unary_loop<float>(y, x, M, [](float v) { return std::sin(v); });
    case kCos: return unary_loop<float>(y, x, M, [](float v) { return std::cos(v); });
    case kReciprocal: return unary_loop<float>(y, x, G, [](float v) { return 1.0f / v; });
    case kSign: return unary_loop<float>(y, x, G, [](float v) { return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : v); });
    case kFloor: return unary_loop<float>(y, x, G, [](float v) { return std::floor(v); });
    case kCeil: return unary_loop<float>(y, x, G, [](float v) { return std::ceil(v); });
    case kRound: return unary_loop<float>(y, x, G, [](float v) { return std::nearbyint(v); });
    case kAffine: return unary_loop<float>(y, x, G, [p0, p1](float v) { return v * p0 + p1; });
    case kLog1p: return unary_vloop(y, x, M, [](vf v) { return vlog1p(v); });
    case kExpm1: return unary_vloop(y, x, M, [](vf v) { return vexpm1(v); });
    default: return;
  }
}

void unary_i32(const TensorView& y, const TensorView& x, int32_t op, double p0, double p1) {
  const int64_t G = kGrainCheap;
  // NOTE: int32 negation/abs of INT32_MIN wraps to INT32_MIN like PyTorch (in uint32, no UB).
  switch (op) {
    case kNeg: return unary_loop<int32_t>(y, x, G, [](int32_t v) { return i32_neg(v); });
    case kAbs: return unary_loop<int32_t>(y, x, G, [](int32_t v) { return v < 0 ? i32_neg(v) : v; });
    case kSquare: return unary_loop<int32_t>(y, x, G, [](int32_t v) { return i32_mul(v, v); });
    case kSign: return unary_loop<int32_t>(y, x, G, [](int32_t v) { return int32_t((v > 0) - (v < 0)); });
    case kClamp: {
      const int32_t lo = i32_saturate(p0), hi = i32_saturate(p1);
      return unary_loop<int32_t>(y, x, G, [lo, hi](int32_t v) { return v < lo ? lo : (v > hi ? hi : v); });
    }
    case kAffine: {  // x * p0 + p1 modulo 2^32
      const uint32_t m = u32_wrap(p0), c = u32_wrap(p1);
      return unary_loop<int32_t>(y, x, G, [m, c](int32_t v) { return i32_from_bits(uint32_t(v) * m + c); });
    }
    default: return;
  }
}

template <typename F>
void grad_loop(const TensorView& dx, const TensorView& dy, const TensorView& x,
               const TensorView& y, F f) {
  const TensorView* v[4] = {&dx, &dy, &x, &y};
  StridedIter<4> it(v);
  it.run(kGrainMath, [&](char** p, const int64_t* s, int64_t n) {
    if (s[0] == 4 && s[1] == 4 && s[2] == 4 && s[3] == 4) {
      float* __restrict o = reinterpret_cast<float*>(p[0]);
      const float* g = reinterpret_cast<const float*>(p[1]);
      const float* u = reinterpret_cast<const float*>(p[2]);
      const float* w = reinterpret_cast<const float*>(p[3]);
      for (int64_t i = 0; i < n; ++i) o[i] = f(g[i], u[i], w[i]);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<float*>(p[0] + i * s[0]) =
            f(*reinterpret_cast<const float*>(p[1] + i * s[1]),
              *reinterpret_cast<const float*>(p[2] + i * s[2]),
              *reinterpret_cast<const float*>(p[3] + i * s[3]));
    }
  });
}

// grad_loop for derivatives written on vectors; tails and strided runs as in unary_vloop.
template <typename F>
void grad_vloop(const TensorView& dx, const TensorView& dy, const TensorView& x,
                const TensorView& y, F f) {
  constexpr int64_t W = kVecWidth;
  const TensorView* v[4] = {&dx, &dy, &x, &y};
  StridedIter<4> it(v);
  it.run(kGrainMath, [&](char** p, const int64_t* s, int64_t n) {
    int64_t i = 0;
    if (s[0] == 4 && s[1] == 4 && s[2] == 4 && s[3] == 4) {
      float* o = reinterpret_cast<float*>(p[0]);
      const float* g = reinterpret_cast<const float*>(p[1]);
      const float* u = reinterpret_cast<const float*>(p[2]);
      const float* w = reinterpret_cast<const float*>(p[3]);
      for (; i + W <= n; i += W) vstore(o + i, f(vload(g + i), vload(u + i), vload(w + i)));
    }
    for (; i < n; i += W) {
      const int64_t m = n - i < W ? n - i : W;
      vf a[3] = {};
      for (int k = 0; k < 3; ++k)
        for (int64_t j = 0; j < m; ++j) a[k][j] = *reinterpret_cast<const float*>(p[k + 1] + (i + j) * s[k + 1]);
      const vf r = f(a[0], a[1], a[2]);
      for (int64_t j = 0; j < m; ++j) *reinterpret_cast<float*>(p[0] + (i + j) * s[0]) = r[j];
    }
  });
}

}  // namespace

void binary(const TensorView& y, const TensorView& a, const TensorView& b, int32_t op) {
  switch (a.dtype) {
    case DType::F32: return binary_typed<float>(y, a, b, op);
    case DType::I32: return binary_typed<int32_t>(y, a, b, op);
    case DType::U8:
    case DType::Bool: return binary_typed<uint8_t>(y, a, b, op);
  }
}

void unary(const TensorView& y, const TensorView& x, int32_t op, double p0, double p1) {
  if (x.dtype == DType::F32) return unary_f32(y, x, op, float(p0), float(p1));
  if (x.dtype == DType::I32) return unary_i32(y, x, op, p0, p1);
  if (op == kLogicalNot)
    return unary_loop<uint8_t>(y, x, kGrainCheap, [](uint8_t v) { return uint8_t(v == 0); });
}

void unary_backward(const TensorView& dx, const TensorView& dy, const TensorView& x,
                    const TensorView& y, int32_t op, double p0d, double p1d) {
  const float p0 = float(p0d), p1 = float(p1d);
  switch (op) {
    case kNeg: return grad_loop(dx, dy, x, y, [](float g, float, float) { return -g; });
    case kAbs: return grad_loop(dx, dy, x, y, [](float g, float u, float) { return u > 0 ? g : (u < 0 ? -g : 0.0f); });
    case kExp: return grad_loop(dx, dy, x, y, [](float g, float, float w) { return g * w; });
    case kLog: return grad_loop(dx, dy, x, y, [](float g, float u, float) { return g / u; });
    case kSqrt: return grad_loop(dx, dy, x, y, [](float g, float, float w) { return g / (2.0f * w); });
    case kRsqrt: return grad_loop(dx, dy, x, y, [](float g, float u, float w) { return -0.5f * g * w / u; });
    case kRelu: return grad_loop(dx, dy, x, y, [](float g, float u, float) { return u > 0 ? g : 0.0f; });
    case kLeakyRelu: return grad_loop(dx, dy, x, y, [p0](float g, float u, float) { return u > 0 ? g : g * p0; });
    case kElu: return grad_loop(dx, dy, x, y, [p0](float g, float u, float w) { return u > 0 ? g : g * (w + p0); });
    case kGelu:  // Phi(u) + u phi(u)
      return grad_vloop(dx, dy, x, y, [](vf g, vf u, vf) { return g * vgelu_grad(u); });
    case kGeluTanh:  // d/du [u sigmoid(2k(u + c u^3))] with s = sigmoid(.): s + 2 u s (1 - s) k (1 + 3 c u^2)
      return grad_vloop(dx, dy, x, y, [](vf g, vf u, vf) {
        const float k = 0.7978845608028654f, c = 0.044715f;
        vf s = vsigmoid(2.0f * k * (u + c * u * u * u));
        return g * (s + 2.0f * k * u * s * (1.0f - s) * (1.0f + 3.0f * c * u * u));
      });
    case kSilu:
      return grad_vloop(dx, dy, x, y, [](vf g, vf u, vf) {
        vf s = vsigmoid(u);
        return g * s * (1.0f + u * (1.0f - s));
      });
    case kSigmoid: return grad_loop(dx, dy, x, y, [](float g, float, float w) { return g * w * (1.0f - w); });
    case kTanh: return grad_loop(dx, dy, x, y, [](float g, float, float w) { return g * (1.0f - w * w); });
    case kSoftplus:
      return grad_vloop(dx, dy, x, y, [p0, p1](vf g, vf u, vf) {
        vf bx = p0 * u;
        return bx > p1 ? g : g * vsigmoid(bx);
      });
    case kClamp: return grad_loop(dx, dy, x, y, [p0, p1](float g, float u, float) { return (u >= p0 && u <= p1) ? g : 0.0f; });
    case kPowScalar:
      return grad_loop(dx, dy, x, y, [p0](float g, float u, float) { return p0 == 0.0f ? 0.0f : g * p0 * std::pow(u, p0 - 1.0f); });
    case kSquare: return grad_loop(dx, dy, x, y, [](float g, float u, float) { return 2.0f * g * u; });
    case kSin: return grad_loop(dx, dy, x, y, [](float g, float u, float) { return g * std::cos(u); });
    case kCos: return grad_loop(dx, dy, x, y, [](float g, float u, float) { return -g * std::sin(u); });
    case kReciprocal: return grad_loop(dx, dy, x, y, [](float g, float, float w) { return -g * w * w; });
    case kAffine: return grad_loop(dx, dy, x, y, [p0](float g, float, float) { return g * p0; });
    case kLog1p: return grad_loop(dx, dy, x, y, [](float g, float u, float) { return g / (1.0f + u); });
    case kExpm1: return grad_loop(dx, dy, x, y, [](float g, float, float w) { return g * (w + 1.0f); });
    default:  // sign, floor, ceil, round: zero gradient
      return grad_loop(dx, dy, x, y, [](float, float, float) { return 0.0f; });
  }
}

namespace {
template <typename T>
void where_typed(const TensorView& y, const TensorView& c, const TensorView& a, const TensorView& b) {
  const TensorView* v[4] = {&y, &c, &a, &b};
  StridedIter<4> it(v);
  it.run(kGrainCheap, [&](char** p, const int64_t* s, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<T*>(p[0] + i * s[0]) =
          *reinterpret_cast<const uint8_t*>(p[1] + i * s[1]) ? *reinterpret_cast<const T*>(p[2] + i * s[2])
                                                             : *reinterpret_cast<const T*>(p[3] + i * s[3]);
  });
}

template <typename To, typename From>
inline To convert(From v) {
  if constexpr (std::is_same<To, From>::value) {
    return v;
  } else if constexpr (std::is_floating_point<From>::value && !std::is_floating_point<To>::value) {
    if (std::is_same<To, uint8_t>::value && sizeof(To) == 1) {
      // bool/uint8 from float: bool is v != 0 (handled by caller), uint8 wraps like a C cast of int
    }
    if (!(v == v)) return To(0);
    double lo = double(std::numeric_limits<To>::min()), hi = double(std::numeric_limits<To>::max());
    double d = double(v);
    if (d <= lo) return std::numeric_limits<To>::min();
    if (d >= hi) return std::numeric_limits<To>::max();
    return To(d);
  } else {
    return To(v);
  }
}

template <typename To, typename From>
void cast_typed(const TensorView& y, const TensorView& x, bool to_bool) {
  const TensorView* v[2] = {&y, &x};
  StridedIter<2> it(v);
  it.run(kGrainCheap, [&](char** p, const int64_t* s, int64_t n) {
    if (s[0] == int64_t(sizeof(To)) && s[1] == int64_t(sizeof(From))) {
      To* __restrict o = reinterpret_cast<To*>(p[0]);
      const From* u = reinterpret_cast<const From*>(p[1]);
      if (to_bool) {
        for (int64_t i = 0; i < n; ++i) o[i] = To(u[i] != From(0));
      } else {
        for (int64_t i = 0; i < n; ++i) o[i] = convert<To, From>(u[i]);
      }
    } else {
      for (int64_t i = 0; i < n; ++i) {
        From u = *reinterpret_cast<const From*>(p[1] + i * s[1]);
        *reinterpret_cast<To*>(p[0] + i * s[0]) = to_bool ? To(u != From(0)) : convert<To, From>(u);
      }
    }
  });
}

template <typename To>
void cast_from(const TensorView& y, const TensorView& x) {
  bool to_bool = y.dtype == DType::Bool;
  switch (x.dtype) {
    case DType::F32: return cast_typed<To, float>(y, x, to_bool);
    case DType::I32: return cast_typed<To, int32_t>(y, x, to_bool);
    case DType::U8:
    case DType::Bool: return cast_typed<To, uint8_t>(y, x, to_bool);
  }
}
}  // namespace

void where(const TensorView& y, const TensorView& c, const TensorView& a, const TensorView& b) {
  switch (y.dtype) {
    case DType::F32:
    case DType::I32: return where_typed<int32_t>(y, c, a, b);  // bitwise move of 4 bytes
    case DType::U8:
    case DType::Bool: return where_typed<uint8_t>(y, c, a, b);
  }
}

void cast(const TensorView& y, const TensorView& x) {
  switch (y.dtype) {
    case DType::F32: return cast_from<float>(y, x);
    case DType::I32: return cast_from<int32_t>(y, x);
    case DType::U8:
    case DType::Bool: return cast_from<uint8_t>(y, x);
  }
}

void fill(const TensorView& y, double value) {
  const TensorView* v[1] = {&y};
  StridedIter<1> it(v);
  auto go = [&](auto val) {
    using T = decltype(val);
    it.run(kGrainCheap, [&](char** p, const int64_t* s, int64_t n) {
      if (s[0] == int64_t(sizeof(T))) {
        T* o = reinterpret_cast<T*>(p[0]);
        for (int64_t i = 0; i < n; ++i) o[i] = val;
      } else {
        for (int64_t i = 0; i < n; ++i) *reinterpret_cast<T*>(p[0] + i * s[0]) = val;
      }
    });
  };
  switch (y.dtype) {
    case DType::F32: return go(float(value));
    case DType::I32: return go(convert<int32_t, double>(value));
    case DType::U8: return go(convert<uint8_t, double>(value));
    case DType::Bool: return go(uint8_t(value != 0.0));
  }
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
