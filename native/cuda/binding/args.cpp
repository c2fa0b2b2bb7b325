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
    : info_(info), op_(op), dec_(instance(info.Env()).args, instance(info.Env()).args_len) {
  throw_if_failed();
}

void ArgReader::throw_if_failed() {
  if (dec_.ok() || thrown_) return;
  thrown_ = true;
  Napi::RangeError::New(info_.Env(), std::string(op_) + ": " + dec_.error()).ThrowAsJavaScriptException();
}

Napi::Value ArgReader::fail(const std::string& msg) {
  dec_.fail(msg);
  throw_if_failed();
  return info_.Env().Undefined();
}

TensorView ArgReader::view(size_t storage_arg, const char* what) {
  if (!ok()) { throw_if_failed(); return TensorView(); }
  CudaStorage* s = get_storage(info_, storage_arg, op_);
  if (!s) {
    dec_.fail("bad storage argument");
    thrown_ = true;  // get_storage already threw
    return TensorView();
  }
  if (device_ >= 0 && s->device != device_) {
    fail(std::string(what) + " is on cuda:" + std::to_string(s->device) + " but other operands are on cuda:" +
         std::to_string(device_));
    return TensorView();
  }
  device_ = s->device;
  return checked(dec_.view(s->ptr, s->nbytes, what));
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
