// Argument decoding for the CUDA addon: the arg-buffer protocol of native/binding/args.h
// (lib/native.ts ArgWriter: a view is [dtype, ndim, offset, ...shape, ...strides]) over CUDA
// storage handles. Handles are numbers like the CPU addon's (slot + generation, see
// native/binding/instance.h) with bit 31 of the slot field set, so a CPU handle passed to a
// CUDA op is rejected with a TypeError instead of naming some unrelated CUDA storage.
#pragma once
#include <napi.h>

#include "tensorforge/arg_decode.h"

#include <string>
#include <vector>

#include "cuda/device.h"
#include "tensorforge/view.h"

namespace tf {
namespace cudab {

struct CudaStorage {
  void* ptr = nullptr;       // device pointer; null when the slot is free
  size_t nbytes = 0;         // bytes requested
  size_t block_bytes = 0;    // bytes of the allocator block
  int device = 0;
  uint32_t gen = 0;
  cuda::DeviceAllocator* alloc = nullptr;  // process-lifetime (never destroyed)
};

constexpr uint32_t kCudaSlotBit = 0x80000000u;

// Per-environment state: the shared argument buffer and the settings of this environment.
struct Instance {
  Napi::Reference<Napi::Float64Array> arg_ref;
  double* args = nullptr;
  size_t args_len = 0;
  uint64_t seed = 0x5eed;   // Philox key (same derivation as the CPU addon's manualSeed)
  uint64_t rng_offset = 0;
  int32_t precision = cuda::kPrecisionHighest;
  std::vector<CudaStorage> slots;
  std::vector<uint32_t> free_slots;
  int64_t live_storages = 0;
  ~Instance() {
    for (CudaStorage& s : slots)
      if (s.ptr) s.alloc->release(s.ptr, s.block_bytes);
  }
};
inline Instance& instance(Napi::Env env) { return *env.GetInstanceData<Instance>(); }

// Storage argument i (a live CUDA storage handle) or nullptr after throwing.
CudaStorage* get_storage(const Napi::CallbackInfo& info, size_t i, const char* op);

class ArgReader {
 public:
  ArgReader(const Napi::CallbackInfo& info, const char* op);
  bool ok() const { return dec_.ok(); }
  double num() { return checked(dec_.num()); }
  int64_t int64(int64_t lo, int64_t hi, const char* what) { return checked(dec_.int64(lo, hi, what)); }
  bool flag(const char* what) { return int64(0, 1, what) != 0; }
  // Next view on storage argument `storage_arg`; checks dtype, dims, bounds, same device.
  TensorView view(size_t storage_arg, const char* what);
  // Like view(), but the storage argument may be null/undefined (an absent optional input):
  // then nothing is read from the buffer and the returned view has data == nullptr.
  TensorView optional_view(size_t storage_arg, const char* what);
  Napi::Value fail(const std::string& msg);  // throws RangeError; returns undefined
  int device() const { return device_; }
  cuda::Stream stream();  // activates the device of the views read so far

 private:
  template <typename T> T checked(T v) { throw_if_failed(); return v; }
  void throw_if_failed();  // turns the decoder's first failure into a RangeError, once

  const Napi::CallbackInfo& info_;
  const char* op_;
  ArgDecoder dec_;  // shared with the CPU addon: tensorforge/arg_decode.h
  bool thrown_ = false;
  int device_ = -1;
};

// Binding registry with C++-exception translation: CudaError and friends become JS Errors
// carrying the CUDA error string.
using BindingFn = Napi::Value (*)(const Napi::CallbackInfo&);
struct BindingEntry { const char* name; BindingFn fn; };
std::vector<BindingEntry>& binding_registry();
struct BindingRegistrar {
  BindingRegistrar(const char* name, BindingFn fn) { binding_registry().push_back({name, fn}); }
};
Napi::Value translate_exception(Napi::Env env, const std::exception& e);

#define TF_CUDA_BINDING(name)                                                       \
  static Napi::Value impl_##name(const Napi::CallbackInfo& info);                   \
  static Napi::Value binding_##name(const Napi::CallbackInfo& info) {               \
    try {                                                                           \
      return impl_##name(info);                                                     \
    } catch (const Napi::Error&) {                                                  \
      throw;                                                                        \
    } catch (const std::exception& e) {                                             \
      return ::tf::cudab::translate_exception(info.Env(), e);                       \
    }                                                                               \
  }                                                                                 \
  static ::tf::cudab::BindingRegistrar registrar_##name(#name, &binding_##name);    \
  static Napi::Value impl_##name(const Napi::CallbackInfo& info)

#define TF_THROW(env, kind, msg)                             \
  do {                                                       \
    Napi::kind::New(env, msg).ThrowAsJavaScriptException();  \
    return env.Undefined();                                  \
  } while (0)

bool same_shape(const TensorView& a, const TensorView& b);
std::string shape_str(const TensorView& v);
// Device pointer of a view's first element.
template <typename T> T* dptr(const TensorView& v) { return v.data ? static_cast<T*>(v.data) + v.offset : nullptr; }

}  // namespace cudab
}  // namespace tf
