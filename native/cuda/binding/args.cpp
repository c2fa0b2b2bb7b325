#include "cuda/binding/args.h"

#include <cmath>

namespace tf {
namespace cudab {

std::vector<BindingEntry>& binding_registry() {
  static std::vector<BindingEntry> reg;
  return reg;
}

Napi::Value translate_exception(Napi::Env env, const std::exception& e) {
  if (dynamic_cast<const cuda::CudaOutOfMemory*>(&e)) {
    Napi::Error err = Napi::RangeError::New(env, e.what());
    err.Set("code", Napi::String::New(env, "ERR_CUDA_OOM"));
    err.ThrowAsJavaScriptException();
  } else {
    Napi::Error err = Napi::Error::New(env, e.what());
    err.Set("code", Napi::String::New(env, "ERR_CUDA"));
    err.ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

CudaStorage* get_storage(const Napi::CallbackInfo& info, size_t i, const char* op) {
  double h = i < info.Length() && info[i].IsNumber() ? info[i].As<Napi::Number>().DoubleValue() : -1;
  uint64_t v = h >= 0 && h == std::floor(h) && h <= 9007199254740991.0 ? uint64_t(h) : 0;
  if (!(v & kCudaSlotBit)) {
    Napi::TypeError::New(info.Env(), std::string(op) + ": argument " + std::to_string(i) +
                                         " is not a CUDA tensor storage handle (a CPU tensor needs .to('cuda') first)")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  Instance& inst = instance(info.Env());
  const uint32_t slot = uint32_t(v & 0x7fffffffu), gen = uint32_t(v >> 32);
  CudaStorage* s = slot < inst.slots.size() ? &inst.slots[slot] : nullptr;
  if (!s || s->gen != gen || !s->ptr) {
    Napi::Error::New(info.Env(), std::string(op) + ": tensor storage was already disposed").ThrowAsJavaScriptException();
    return nullptr;
  }
  return s;
}

ArgReader::ArgReader(const Napi::CallbackInfo& info, const char* op)
    : info_(info), op_(op), inst_(instance(info.Env())) {
  if (!inst_.args) fail("argument buffer not initialised (call setArgBuffer first)");
}

Napi::Value ArgReader::fail(const std::string& msg) {
  if (ok_) {
    ok_ = false;
    Napi::RangeError::New(info_.Env(), std::string(op_) + ": " + msg).ThrowAsJavaScriptException();
  }
  return info_.Env().Undefined();
}

double ArgReader::num() {
  if (!ok_) return 0;
  if (pos_ >= inst_.args_len) {
    fail("argument buffer overrun");
    return 0;
  }
  return inst_.args[pos_++];
}

int64_t ArgReader::int64(int64_t lo, int64_t hi, const char* what) {
  double d = num();
  if (!ok_) return 0;
  if (!std::isfinite(d) || d != std::floor(d) || d < double(lo) || d > double(hi)) {
    fail(std::string(what) + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
         "], got " + std::to_string(d));
    return 0;
  }
  return int64_t(d);
}

TensorView ArgReader::view(size_t storage_arg, const char* what) {
  TensorView v;
  if (!ok_) return v;
  CudaStorage* s = get_storage(info_, storage_arg, op_);
  if (!s) {
    ok_ = false;
    return v;
  }
  if (device_ >= 0 && s->device != device_) {
    fail(std::string(what) + " is on cuda:" + std::to_string(s->device) + " but other operands are on cuda:" +
         std::to_string(device_));
    return v;
  }
  device_ = s->device;
  v.data = s->ptr;
  v.dtype = DType(int64(0, 3, "dtype"));
  v.ndim = int(int64(0, kMaxDims, "ndim"));
  v.offset = int64(0, int64_t(1) << 50, "offset");
  for (int d = 0; d < v.ndim; ++d) v.shape[d] = int64(0, int64_t(1) << 50, "shape");
  for (int d = 0; d < v.ndim; ++d) v.strides[d] = int64(0, int64_t(1) << 50, "stride");
  if (!ok_) return v;
  int64_t numel = 1, last = v.offset;
  for (int d = 0; d < v.ndim; ++d) {
    numel *= v.shape[d];
    if (numel > (int64_t(1) << 50)) {
      fail(std::string(what) + ": too many elements");
      return v;
    }
    if (v.shape[d] > 0) last += (v.shape[d] - 1) * v.strides[d];
  }
  if (numel > 0 && (last + 1) * int64_t(dtype_size(v.dtype)) > int64_t(s->nbytes))
    fail(std::string(what) + ": view reaches element " + std::to_string(last) + " beyond its storage of " +
         std::to_string(s->nbytes) + " bytes");
  return v;
}

TensorView ArgReader::optional_view(size_t storage_arg, const char* what) {
  if (storage_arg < info_.Length() && (info_[storage_arg].IsNull() || info_[storage_arg].IsUndefined()))
    return TensorView();
  return view(storage_arg, what);
}

cuda::Stream ArgReader::stream() {
  cuda::Device& d = cuda::device(device_ < 0 ? 0 : device_);
  d.activate();
  return d.stream();
}

bool same_shape(const TensorView& a, const TensorView& b) {
  if (a.ndim != b.ndim) return false;
  for (int d = 0; d < a.ndim; ++d)
    if (a.shape[d] != b.shape[d]) return false;
  return true;
}

std::string shape_str(const TensorView& v) {
  std::string s = "[";
  for (int d = 0; d < v.ndim; ++d) s += (d ? ", " : "") + std::to_string(v.shape[d]);
  return s + "]";
}

}  // namespace cudab
}  // namespace tf
