// Kernel-layer API: the plain structs kernels see. No N-API, no allocation policy.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tf {

// NOTE: the numbering is shared with lib/dtype.ts (DTYPE_CODE); change both together.
enum class DType : int32_t { F32 = 0, I32 = 1, U8 = 2, Bool = 3 };

inline size_t dtype_size(DType d) { return d == DType::F32 || d == DType::I32 ? 4 : 1; }

constexpr int kMaxDims = 12;

// A strided view over one storage. Strides and offset are in elements, not bytes.
struct TensorView {
  void* data = nullptr;       // storage base pointer (not yet offset)
  DType dtype = DType::F32;
  int ndim = 0;
  int64_t offset = 0;
  int64_t shape[kMaxDims] = {};
  int64_t strides[kMaxDims] = {};

  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < ndim; ++i) n *= shape[i];
    return n;
  }
  bool is_contiguous() const {
    int64_t s = 1;
    for (int i = ndim - 1; i >= 0; --i) {
      if (shape[i] != 1 && strides[i] != s) return false;
      s *= shape[i];
    }
    return true;
  }
  template <typename T> T* ptr() const { return static_cast<T*>(data) + offset; }
};

// Instruction-set variants compiled into one binary and chosen at run time.
enum class Isa : int32_t { Generic = 0, Avx2 = 1, Avx512 = 2 };

}  // namespace tf

// Declares a kernel in every ISA namespace: TF_DECL_ALL(void foo(float* y, int64_t n));
#define TF_DECL_ALL(...)                   \
  namespace generic { __VA_ARGS__; }       \
  namespace avx2 { __VA_ARGS__; }          \
  namespace avx512 { __VA_ARGS__; }

// Calls the variant of a kernel for the given ISA: TF_ISA_CALL(isa, tf::cpu, foo)(y, n).
#define TF_ISA_CALL(isa, ns, fn)                          \
  ((isa) == ::tf::Isa::Avx512 ? ns::avx512::fn            \
   : (isa) == ::tf::Isa::Avx2 ? ns::avx2::fn : ns::generic::fn)
