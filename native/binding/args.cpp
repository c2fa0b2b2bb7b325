#include "binding/args.h"

#include <cstdio>

namespace tf {

std::vector<BindingEntry>& binding_registry() {
  static std::vector<BindingEntry> reg;
  return reg;
}

Storage* lookup_storage(Instance& inst, double h) {
  if (!(h >= 0) || h != std::floor(h) || h > 9007199254740991.0) return nullptr;
  uint64_t v = uint64_t(h);
  uint32_t slot = uint32_t(v & 0xffffffffu), gen = uint32_t(v >> 32);
  if (slot >= inst.slots.size()) return nullptr;
  Storage* s = &inst.slots[slot];
  return s->gen == gen ? s : nullptr;
}

Storage* get_storage(const Napi::CallbackInfo& info, size_t i, const char* op) {
  if (i >= info.Length() || !info[i].IsNumber()) {
    Napi::TypeError::New(info.Env(), std::string(op) + ": argument " + std::to_string(i) +
                                         " is not a tensor storage handle")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  const double h = info[i].As<Napi::Number>().DoubleValue();
  // NOTE: CUDA handles carry bit 31 of the slot (native/cuda/binding/args.h kCudaSlotBit).
  if (h >= 0 && h < 9007199254740992.0 && (uint64_t(h) & 0x80000000u)) {
    Napi::TypeError::New(info.Env(), std::string(op) + ": argument " + std::to_string(i) +
                                         " is a CUDA tensor, and this op has no CUDA kernel yet; move it with .to('cpu')")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  Storage* s = lookup_storage(instance(info.Env()), h);
  if (!s || !s->ptr) {
    Napi::Error::New(info.Env(), std::string(op) + ": tensor storage was already disposed")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  return s;
}

ArgReader::ArgReader(const Napi::CallbackInfo& info, const char* op)
    : info_(info), op_(op), inst_(instance(info.Env())) {
  if (!inst_.args) fail("argument buffer not initialised");
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
    fail(std::string(what) + " must be an integer in [" + std::to_string(lo) + ", " +
         std::to_string(hi) + "], got " + fmt_num(d));
    return 0;
  }
  return int64_t(d);
}

TensorView ArgReader::view(size_t storage_arg, const char* what) {
  TensorView v;
  Storage* s = get_storage(info_, storage_arg, op_);
  if (!s) {
    ok_ = false;
    return v;
  }
  v.data = s->ptr;
  v.dtype = DType(int64(0, 3, "dtype"));
  v.ndim = int(int64(0, kMaxDims, "ndim"));
  v.offset = int64(0, int64_t(1) << 50, "offset");
  for (int d = 0; d < v.ndim; ++d) v.shape[d] = int64(0, int64_t(1) << 50, "shape");
  for (int d = 0; d < v.ndim; ++d) v.strides[d] = int64(0, int64_t(1) << 50, "stride");
  if (!ok_) return v;
  // Bounds: the furthest element must lie inside the storage.
  int64_t numel = 1, last = v.offset;
  for (int d = 0; d < v.ndim; ++d) {
    numel *= v.shape[d];
    if (numel > (int64_t(1) << 50)) {
      fail(std::string(what) + ": too many elements");
      return v;
    }
    if (v.shape[d] > 0) last += (v.shape[d] - 1) * v.strides[d];
  }
  if (numel > 0 && (last + 1) * int64_t(dtype_size(v.dtype)) > int64_t(s->nbytes)) {
    fail(std::string(what) + ": view reaches element " + std::to_string(last) +
         " beyond its storage of " + std::to_string(s->nbytes) + " bytes");
  }
  return v;
}

std::string fmt_num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

bool same_shape(const TensorView& a, const TensorView& b) {
  if (a.ndim != b.ndim) return false;
  for (int d = 0; d < a.ndim; ++d)
    if (a.shape[d] != b.shape[d]) return false;
  return true;
}

}  // namespace tf
