// Elementwise kernels over strided, broadcast views (forward and unary backward): the same
// op codes and formulas as cpu/elementwise.cpp, one thread per output element.
#include <cmath>
#include <type_traits>

#include "cpu/elementwise.h"
#include "cuda/common.cuh"
#include "tensorforge/int_math.h"

namespace tf {
namespace cuda {

using namespace ::tf::cpu;  // op codes

namespace {

template <int N, typename F>
__global__ void strided_kernel(StridedDesc<N> d, F f) {
  CUDA_KERNEL_LOOP(i, d.numel) {
    int64_t o[N];
    d.offsets(i, o);
    f(o);
  }
}

template <int N, typename F>
void launch(const TensorView* const (&v)[N], Stream s, F f) {
  StridedDesc<N> d(v);
  if (d.numel == 0) return;
  strided_kernel<N><<<grid_for(d.numel), kThreads, 0, s>>>(d, f);
  CUDA_CHECK_LAUNCH();
}

template <typename T, typename F>
void binary_loop(const TensorView& y, const TensorView& a, const TensorView& b, Stream s, F f) {
  using R = decltype(f(T(), T()));
  R* py = static_cast<R*>(y.data);
  const T* pa = static_cast<const T*>(a.data);
  const T* pb = static_cast<const T*>(b.data);
  const TensorView* v[3] = {&y, &a, &b};
  launch<3>(v, s, [=] __device__(const int64_t(&o)[3]) { py[o[0]] = f(pa[o[1]], pb[o[2]]); });
}

template <typename T>
void binary_typed(const TensorView& y, const TensorView& a, const TensorView& b, int32_t op, Stream s) {
  // NOTE: int32 arithmetic wraps modulo 2^32 as on the CPU (tensorforge/int_math.h).
  if constexpr (std::is_same<T, int32_t>::value) {
    switch (op) {
      case kAdd: return binary_loop<T>(y, a, b, s, [] __device__(int32_t u, int32_t v) { return i32_add(u, v); });
      case kSub: return binary_loop<T>(y, a, b, s, [] __device__(int32_t u, int32_t v) { return i32_sub(u, v); });
      case kMul: return binary_loop<T>(y, a, b, s, [] __device__(int32_t u, int32_t v) { return i32_mul(u, v); });
      case kPow: return binary_loop<T>(y, a, b, s, [] __device__(int32_t u, int32_t v) { return i32_pow(u, v); });
      case kFloorDivide: return binary_loop<T>(y, a, b, s, [] __device__(int32_t u, int32_t v) { return i32_floordiv(u, v); });
      case kRemainder: return binary_loop<T>(y, a, b, s, [] __device__(int32_t u, int32_t v) { return i32_remainder(u, v); });
      default: break;
    }
  }
  if constexpr (std::is_same<T, uint8_t>::value) {
    switch (op) {
      case kFloorDivide: return binary_loop<T>(y, a, b, s, [] __device__(uint8_t u, uint8_t v) { return uint8_t(v ? u / v : 0); });
      case kRemainder: return binary_loop<T>(y, a, b, s, [] __device__(uint8_t u, uint8_t v) { return uint8_t(v ? u % v : 0); });
      default: break;
    }
  }
  switch (op) {
    case kAdd: return binary_loop<T>(y, a, b, s, [] __device__(T u, T v) { return T(u + v); });
    case kSub: return binary_loop<T>(y, a, b, s, [] __device__(T u, T v) { return T(u - v); });
    case kMul: return binary_loop<T>(y, a, b, s, [] __device__(T u, T v) { return T(u * v); });
    case kMaximum: return binary_loop<T>(y, a, b, s, [] __device__(T u, T v) { return (u != u || u > v) ? u : v; });
    case kMinimum: return binary_loop<T>(y, a, b, s, [] __device__(T u, T v) { return (u != u || u < v) ? u : v; });
    case kEq: return binary_loop<T>(y, a, b, s, [] __device__(T u, T v) { return uint8_t(u == v); });
    case kNe: return binary_loop<T>(y, a, b, s, [] __device__(T u, T v) { return uint8_t(u != v); });
    case kLt: return binary_loop<T>(y, a, b, s, [] __device__(T u, T v) { return uint8_t(u < v); });
    case kLe: return binary_loop<T>(y, a, b, s, [] __device__(T u, T v) { return uint8_t(u <= v); });
    case kGt: return binary_loop<T>(y, a, b, s, [] __device__(T u, T v) { return uint8_t(u > v); });
    case kGe: return binary_loop<T>(y, a, b, s, [] __device__(T u, T v) { return uint8_t(u >= v); });
    case kLogicalAnd:
      return binary_loop<T>(y, a, b, s, [] __device__(T u, T v) { return uint8_t(u != T(0) && v != T(0)); });
    case kLogicalOr:
      return binary_loop<T>(y, a, b, s, [] __device__(T u, T v) { return uint8_t(u != T(0) || v != T(0)); });
    default: break;
  }
  if constexpr (std::is_same<T, float>::value) {
    switch (op) {
      case kDiv: return binary_loop<T>(y, a, b, s, [] __device__(float u, float v) { return u / v; });
      case kPow: return binary_loop<T>(y, a, b, s, [] __device__(float u, float v) { return powf(u, v); });
      case kAtan2: return binary_loop<T>(y, a, b, s, [] __device__(float u, float v) { return atan2f(u, v); });
      case kFloorDivide: return binary_loop<T>(y, a, b, s, [] __device__(float u, float v) { return f32_floordiv(u, v); });
      case kRemainder: return binary_loop<T>(y, a, b, s, [] __device__(float u, float v) { return f32_remainder(u, v); });
      default: break;
    }
  }
}

__device__ __forceinline__ float sigmoid_f(float x) { return 1.0f / (1.0f + expf(-x)); }

template <typename T, typename F>
void unary_loop(const TensorView& y, const TensorView& x, Stream s, F f) {
  T* py = static_cast<T*>(y.data);
  const T* px = static_cast<const T*>(x.data);
  const TensorView* v[2] = {&y, &x};
  launch<2>(v, s, [=] __device__(const int64_t(&o)[2]) { py[o[0]] = f(px[o[1]]); });
}

void unary_f32(const TensorView& y, const TensorView& x, int32_t op, float p0, float p1, Stream s) {
  switch (op) {
    case kNeg: return unary_loop<float>(y, x, s, [] __device__(float v) { return -v; });
    case kAbs: return unary_loop<float>(y, x, s, [] __device__(float v) { return fabsf(v); });
    case kExp: return unary_loop<float>(y, x, s, [] __device__(float v) { return expf(v); });
    case kLog: return unary_loop<float>(y, x, s, [] __device__(float v) { return logf(v); });
    case kSqrt: return unary_loop<float>(y, x, s, [] __device__(float v) { return sqrtf(v); });
    case kRsqrt: return unary_loop<float>(y, x, s, [] __device__(float v) { return 1.0f / sqrtf(v); });
    case kRelu: return unary_loop<float>(y, x, s, [] __device__(float v) { return v > 0.0f ? v : (v != v ? v : 0.0f); });
    case kLeakyRelu: return unary_loop<float>(y, x, s, [p0] __device__(float v) { return v > 0.0f ? v : v * p0; });
    case kElu: return unary_loop<float>(y, x, s, [p0] __device__(float v) { return v > 0.0f ? v : p0 * expm1f(v); });
    case kGelu:
      return unary_loop<float>(y, x, s, [] __device__(float v) { return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f)); });
    case kGeluTanh:
      return unary_loop<float>(y, x, s, [] __device__(float v) {
        const float k = 0.7978845608028654f;
        return 0.5f * v * (1.0f + tanhf(k * (v + 0.044715f * v * v * v)));
      });
    case kSilu: return unary_loop<float>(y, x, s, [] __device__(float v) { return v * sigmoid_f(v); });
    case kSigmoid: return unary_loop<float>(y, x, s, [] __device__(float v) { return sigmoid_f(v); });
    case kTanh: return unary_loop<float>(y, x, s, [] __device__(float v) { return tanhf(v); });
    case kSoftplus:
      return unary_loop<float>(y, x, s, [p0, p1] __device__(float v) {
        float bx = p0 * v;
        return bx > p1 ? v : log1pf(expf(bx)) / p0;
      });
    case kClamp:
      return unary_loop<float>(y, x, s, [p0, p1] __device__(float v) { return v != v ? v : (v < p0 ? p0 : (v > p1 ? p1 : v)); });
    case kPowScalar: return unary_loop<float>(y, x, s, [p0] __device__(float v) { return powf(v, p0); });
    case kSquare: return unary_loop<float>(y, x, s, [] __device__(float v) { return v * v; });
    case kSin: return unary_loop<float>(y, x, s, [] __device__(float v) { return sinf(v); });
    case kCos: return unary_loop<float>(y, x, s, [] __device__(float v) { return cosf(v); });
    case kReciprocal: return unary_loop<float>(y, x, s, [] __device__(float v) { return 1.0f / v; });
    case kSign: return unary_loop<float>(y, x, s, [] __device__(float v) { return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : v); });
    case kFloor: return unary_loop<float>(y, x, s, [] __device__(float v) { return floorf(v); });
    case kCeil: return unary_loop<float>(y, x, s, [] __device__(float v) { return ceilf(v); });
    case kRound: return unary_loop<float>(y, x, s, [] __device__(float v) { return rintf(v); });
    case kAffine: return unary_loop<float>(y, x, s, [p0, p1] __device__(float v) { return v * p0 + p1; });
    case kLog1p: return unary_loop<float>(y, x, s, [] __device__(float v) { return log1pf(v); });
    case kExpm1: return unary_loop<float>(y, x, s, [] __device__(float v) { return expm1f(v); });
    default: return;
  }
}

void unary_i32(const TensorView& y, const TensorView& x, int32_t op, double p0, double p1, Stream s) {
  switch (op) {
    case kNeg: return unary_loop<int32_t>(y, x, s, [] __device__(int32_t v) { return i32_neg(v); });
    case kAbs: return unary_loop<int32_t>(y, x, s, [] __device__(int32_t v) { return v < 0 ? i32_neg(v) : v; });
    case kSquare: return unary_loop<int32_t>(y, x, s, [] __device__(int32_t v) { return i32_mul(v, v); });
    case kSign: return unary_loop<int32_t>(y, x, s, [] __device__(int32_t v) { return int32_t((v > 0) - (v < 0)); });
    case kClamp: {
      const int32_t lo = i32_saturate(p0), hi = i32_saturate(p1);
      return unary_loop<int32_t>(y, x, s, [lo, hi] __device__(int32_t v) { return v < lo ? lo : (v > hi ? hi : v); });
    }
    case kAffine: {  // x * p0 + p1 modulo 2^32
      const uint32_t m = u32_wrap(p0), c = u32_wrap(p1);
      return unary_loop<int32_t>(y, x, s, [m, c] __device__(int32_t v) { return i32_from_bits(uint32_t(v) * m + c); });
    }
    default: return;
  }
}

template <typename F>
void grad_loop(const TensorView& dx, const TensorView& dy, const TensorView& x, const TensorView& y, Stream s, F f) {
  float* pdx = static_cast<float*>(dx.data);
  const float* pdy = static_cast<const float*>(dy.data);
  const float* px = static_cast<const float*>(x.data);
  const float* py = static_cast<const float*>(y.data);
  const TensorView* v[4] = {&dx, &dy, &x, &y};
  launch<4>(v, s, [=] __device__(const int64_t(&o)[4]) { pdx[o[0]] = f(pdy[o[1]], px[o[2]], py[o[3]]); });
}

// Float to integer: NaN -> 0, saturating (cpu/elementwise.cpp convert()).
template <typename To, typename From>
__device__ __forceinline__ To convert(From v) {
  if constexpr (std::is_same<To, From>::value) {
    return v;
  } else if constexpr (std::is_floating_point<From>::value && !std::is_floating_point<To>::value) {
    if (!(v == v)) return To(0);
    const double lo = std::is_same<To, int32_t>::value ? -2147483648.0 : 0.0;
    const double hi = std::is_same<To, int32_t>::value ? 2147483647.0 : 255.0;
    double d = double(v);
    if (d <= lo) return To(lo);
    if (d >= hi) return To(hi);
    return To(d);
  } else {
    return To(v);
  }
}

template <typename To, typename From>
void cast_typed(const TensorView& y, const TensorView& x, Stream s) {
  To* py = static_cast<To*>(y.data);
  const From* px = static_cast<const From*>(x.data);
  const bool to_bool = y.dtype == DType::Bool;
  const TensorView* v[2] = {&y, &x};
  launch<2>(v, s, [=] __device__(const int64_t(&o)[2]) {
    From u = px[o[1]];
    py[o[0]] = to_bool ? To(u != From(0)) : convert<To, From>(u);
  });
}

template <typename To>
void cast_from(const TensorView& y, const TensorView& x, Stream s) {
  switch (x.dtype) {
    case DType::F32: return cast_typed<To, float>(y, x, s);
    case DType::I32: return cast_typed<To, int32_t>(y, x, s);
    case DType::U8:
    case DType::Bool: return cast_typed<To, uint8_t>(y, x, s);
  }
}

template <typename T>
void where_typed(const TensorView& y, const TensorView& c, const TensorView& a, const TensorView& b, Stream s) {
  T* py = static_cast<T*>(y.data);
  const uint8_t* pc = static_cast<const uint8_t*>(c.data);
  const T* pa = static_cast<const T*>(a.data);
  const T* pb = static_cast<const T*>(b.data);
  const TensorView* v[4] = {&y, &c, &a, &b};
  launch<4>(v, s, [=] __device__(const int64_t(&o)[4]) { py[o[0]] = pc[o[1]] ? pa[o[2]] : pb[o[3]]; });
}

template <typename T>
void fill_typed(const TensorView& y, T val, Stream s) {
  T* py = static_cast<T*>(y.data);
  const TensorView* v[1] = {&y};
  launch<1>(v, s, [=] __device__(const int64_t(&o)[1]) { py[o[0]] = val; });
}

// Host-side twin of convert() for fill values.
template <typename To>
To convert_host(double v) {
  if (!(v == v)) return To(0);
  const double lo = std::is_same<To, int32_t>::value ? -2147483648.0 : 0.0;
  const double hi = std::is_same<To, int32_t>::value ? 2147483647.0 : 255.0;
  return v <= lo ? To(lo) : v >= hi ? To(hi) : To(v);
}

}  // namespace

void binary(const TensorView& y, const TensorView& a, const TensorView& b, int32_t op, Stream s) {
  switch (a.dtype) {
    case DType::F32: return binary_typed<float>(y, a, b, op, s);
    case DType::I32: return binary_typed<int32_t>(y, a, b, op, s);
    case DType::U8:
    case DType::Bool: return binary_typed<uint8_t>(y, a, b, op, s);
  }
}

void unary(const TensorView& y, const TensorView& x, int32_t op, double p0, double p1, Stream s) {
  if (x.dtype == DType::F32) return unary_f32(y, x, op, float(p0), float(p1), s);
  if (x.dtype == DType::I32) return unary_i32(y, x, op, p0, p1, s);
  if (op == kLogicalNot) return unary_loop<uint8_t>(y, x, s, [] __device__(uint8_t v) { return uint8_t(v == 0); });
}

void unary_backward(const TensorView& dx, const TensorView& dy, const TensorView& x, const TensorView& y,
                    int32_t op, double p0d, double p1d, Stream s) {
  const float p0 = float(p0d), p1 = float(p1d);
  switch (op) {
    case kNeg: return grad_loop(dx, dy, x, y, s, [] __device__(float g, float, float) { return -g; });
    case kAbs: return grad_loop(dx, dy, x, y, s, [] __device__(float g, float u, float) { return u > 0 ? g : (u < 0 ? -g : 0.0f); });
    case kExp: return grad_loop(dx, dy, x, y, s, [] __device__(float g, float, float w) { return g * w; });
    case kLog: return grad_loop(dx, dy, x, y, s, [] __device__(float g, float u, float) { return g / u; });
    case kSqrt: return grad_loop(dx, dy, x, y, s, [] __device__(float g, float, float w) { return g / (2.0f * w); });
    case kRsqrt: return grad_loop(dx, dy, x, y, s, [] __device__(float g, float u, float w) { return -0.5f * g * w / u; });
    case kRelu: return grad_loop(dx, dy, x, y, s, [] __device__(float g, float u, float) { return u > 0 ? g : 0.0f; });
    case kLeakyRelu: return grad_loop(dx, dy, x, y, s, [p0] __device__(float g, float u, float) { return u > 0 ? g : g * p0; });
    case kElu: return grad_loop(dx, dy, x, y, s, [p0] __device__(float g, float u, float w) { return u > 0 ? g : g * (w + p0); });
    case kGelu:
      return grad_loop(dx, dy, x, y, s, [] __device__(float g, float u, float) {
        float cdf = 0.5f * (1.0f + erff(u * 0.70710678118654752f));
        float pdf = 0.3989422804014327f * expf(-0.5f * u * u);
        return g * (cdf + u * pdf);
      });
    case kGeluTanh:
      return grad_loop(dx, dy, x, y, s, [] __device__(float g, float u, float) {
        const float k = 0.7978845608028654f;
        float t = tanhf(k * (u + 0.044715f * u * u * u));
        float dinner = k * (1.0f + 3.0f * 0.044715f * u * u);
        return g * (0.5f * (1.0f + t) + 0.5f * u * (1.0f - t * t) * dinner);
      });
    case kSilu:
      return grad_loop(dx, dy, x, y, s, [] __device__(float g, float u, float) {
        float sg = sigmoid_f(u);
        return g * sg * (1.0f + u * (1.0f - sg));
      });
    case kSigmoid: return grad_loop(dx, dy, x, y, s, [] __device__(float g, float, float w) { return g * w * (1.0f - w); });
    case kTanh: return grad_loop(dx, dy, x, y, s, [] __device__(float g, float, float w) { return g * (1.0f - w * w); });
    case kSoftplus:
      return grad_loop(dx, dy, x, y, s, [p0, p1] __device__(float g, float u, float) {
        float bx = p0 * u;
        return bx > p1 ? g : g * sigmoid_f(bx);
      });
    case kClamp: return grad_loop(dx, dy, x, y, s, [p0, p1] __device__(float g, float u, float) { return (u >= p0 && u <= p1) ? g : 0.0f; });
    case kPowScalar:
      return grad_loop(dx, dy, x, y, s, [p0] __device__(float g, float u, float) { return p0 == 0.0f ? 0.0f : g * p0 * powf(u, p0 - 1.0f); });
    case kSquare: return grad_loop(dx, dy, x, y, s, [] __device__(float g, float u, float) { return 2.0f * g * u; });
    case kSin: return grad_loop(dx, dy, x, y, s, [] __device__(float g, float u, float) { return g * cosf(u); });
    case kCos: return grad_loop(dx, dy, x, y, s, [] __device__(float g, float u, float) { return -g * sinf(u); });
    case kReciprocal: return grad_loop(dx, dy, x, y, s, [] __device__(float g, float, float w) { return -g * w * w; });
    case kAffine: return grad_loop(dx, dy, x, y, s, [p0] __device__(float g, float, float) { return g * p0; });
    case kLog1p: return grad_loop(dx, dy, x, y, s, [] __device__(float g, float u, float) { return g / (1.0f + u); });
    case kExpm1: return grad_loop(dx, dy, x, y, s, [] __device__(float g, float, float w) { return g * (w + 1.0f); });
    default: return grad_loop(dx, dy, x, y, s, [] __device__(float, float, float) { return 0.0f; });
  }
}

void where(const TensorView& y, const TensorView& c, const TensorView& a, const TensorView& b, Stream s) {
  switch (y.dtype) {
    case DType::F32:
    case DType::I32: return where_typed<int32_t>(y, c, a, b, s);  // bitwise move of 4 bytes
    case DType::U8:
    case DType::Bool: return where_typed<uint8_t>(y, c, a, b, s);
  }
}

void cast(const TensorView& y, const TensorView& x, Stream s) {
  switch (y.dtype) {
    case DType::F32: return cast_from<float>(y, x, s);
    case DType::I32: return cast_from<int32_t>(y, x, s);
    case DType::U8:
    case DType::Bool: return cast_from<uint8_t>(y, x, s);
  }
}

void fill(const TensorView& y, double value, Stream s) {
  switch (y.dtype) {
    case DType::F32: return fill_typed<float>(y, float(value), s);
    case DType::I32: return fill_typed<int32_t>(y, convert_host<int32_t>(value), s);
    case DType::U8: return fill_typed<uint8_t>(y, convert_host<uint8_t>(value), s);
    case DType::Bool: return fill_typed<uint8_t>(y, uint8_t(value != 0.0), s);
  }
}

}  // namespace cuda
}  // namespace tf
