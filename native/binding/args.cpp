#include "binding/args.h"

#include <cstdio>

namespace tf {

std::vector<BindingEntry>& binding_registry() {
  static std::vector<BindingEntry> reg;
  return reg;
}

Storage* lookup_storage(Instance& inst, double h) {
  if (!(h >= 0 && h <= 9007199254740991.0)) return nullptr;
  const uint64_t v = uint64_t(h);
  if (double(v) != h) return nullptr;  // not a whole number
  uint32_t slot = uint32_t(v & 0xffffffffu), gen = uint32_t(v >> 32);
  if (slot >= inst.slots.size()) return nullptr;
  Storage* s = &inst.slots[slot];
  return s->gen == gen ? s : nullptr;
}

Storage* get_storage(const Napi::CallbackInfo& info, size_t i, const char* op) {
  return get_storage(instance(info.Env()), info, i, op);
}

Storage* get_storage(Instance& inst, const Napi::CallbackInfo& info, size_t i, const char* op) {
  double h = 0;
  // NOTE: one napi_get_value_double (it fails for non-numbers) instead of IsNumber + DoubleValue.
  if (i >= info.Length() || napi_get_value_double(info.Env(), info[i], &h) != napi_ok) {
    Napi::TypeError::New(info.Env(), std::string(op) + ": argument " + std::to_string(i) +
                                         " is not a tensor storage handle")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  // NOTE: CUDA handles carry bit 31 of the slot (native/cuda/binding/args.h kCudaSlotBit).
  if (h >= 0 && h < 9007199254740992.0 && (uint64_t(h) & 0x80000000u)) {
    Napi::TypeError::New(info.Env(), std::string(op) + ": argument " + std::to_string(i) +
                                         " is a CUDA tensor, and this op has no CUDA kernel yet; move it with .to('cpu')")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  Storage* s = lookup_storage(inst, h);
  if (!s || !s->ptr) {
    Napi::Error::New(info.Env(), std::string(op) + ": tensor storage was already disposed")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  return s;
}

ArgReader::ArgReader(const Napi::CallbackInfo& info, const char* op)
    : info_(info), op_(op), inst_(instance(info.Env())), dec_(inst_.args, inst_.args_len) {
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
  Storage* s = get_storage(inst_, info_, storage_arg, op_);
  if (!s) {
    dec_.fail("bad storage argument");
    thrown_ = true;  // get_storage already threw
    return TensorView();
  }
  return checked(dec_.view(s->ptr, s->nbytes, what));
}

bool same_shape(const TensorView& a, const TensorView& b) {
  if (a.ndim != b.ndim) return false;
  for (int d = 0; d < a.ndim; ++d)
    if (a.shape[d] != b.shape[d]) return false;
  return true;
}

}  // namespace tf
