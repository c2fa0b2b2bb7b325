#include "binding/args.h"

#include <cstdio>
#include <algorithm>
#include <new>

#include "cuda/device.h"

namespace tf {

std::vector<BindingEntry>& binding_registry() {
  static std::vector<BindingEntry> reg;
  return reg;
}

// NOTE: rethrows the exception being handled and catches it by type (the addon is built
// without RTTI, so no dynamic_cast).
Napi::Value translate_current_exception(Napi::Env env) {
  try {
    throw;
  } catch (const cuda::CudaOutOfMemory& e) {
    Napi::Error err = Napi::RangeError::New(env, e.what());
    err.Set("code", Napi::String::New(env, "ERR_CUDA_OOM"));
    err.ThrowAsJavaScriptException();
  } catch (const cuda::CudaError& e) {
    Napi::Error err = Napi::Error::New(env, e.what());
    err.Set("code", Napi::String::New(env, "ERR_CUDA"));
    err.ThrowAsJavaScriptException();
  } catch (const std::bad_alloc&) {
    Napi::RangeError::New(env, "out of memory").ThrowAsJavaScriptException();
  } catch (const std::exception& e) {
    Napi::Error::New(env, e.what()).ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

std::string device_name(int32_t device) { return device < 0 ? "cpu" : "cuda:" + std::to_string(device); }

// A handle: slot in the low 31 bits, kCudaSlotBit for a CUDA storage, generation above.
// NOTE: the tag must match the storage's device, so a CUDA handle given to the CPU addon
// (or a CPU handle given to the CUDA addon) never names an unrelated storage of this one.
Storage* lookup_storage(Instance& inst, double h) {
  if (!(h >= 0 && h <= 9007199254740991.0)) return nullptr;
  const uint64_t v = uint64_t(h);
  if (double(v) != h) return nullptr;  // not a whole number
  const uint32_t slot = uint32_t(v & (kCudaSlotBit - 1)), gen = uint32_t(v >> 32);
  const bool cuda_tag = (v & kCudaSlotBit) != 0;
  if (slot >= inst.slots.size()) return nullptr;
  Storage* s = &inst.slots[slot];
  return s->gen == gen && (s->device >= 0) == cuda_tag ? s : nullptr;
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
  Storage* s = lookup_storage(inst, h);
  if (s && s->ptr) return s;
  // A handle of the other addon: its tag says which device it lives on.
  const bool cuda_tag = h >= 0 && h < 9007199254740992.0 && (uint64_t(h) & kCudaSlotBit);
  if (cuda_tag && !cuda::kBuilt) {
    Napi::TypeError::New(info.Env(), std::string(op) + ": argument " + std::to_string(i) +
                                         " is a CUDA tensor, and this addon is not built with CUDA; "
                                         "move it with .to('cpu')")
        .ThrowAsJavaScriptException();
  } else if (!cuda_tag && cuda::kBuilt && !s) {
    Napi::TypeError::New(info.Env(), std::string(op) + ": argument " + std::to_string(i) +
                                         " is a CPU tensor, and this call runs on CUDA; tensors of one op "
                                         "must share a device (move it with .to('cuda'))")
        .ThrowAsJavaScriptException();
  } else {
    Napi::Error::New(info.Env(), std::string(op) + ": tensor storage was already disposed")
        .ThrowAsJavaScriptException();
  }
  return nullptr;
}

ArgReader::ArgReader(const Napi::CallbackInfo& info, const char* op, Kernels kernels)
    : info_(info), op_(op), inst_(instance(info.Env())), dec_(inst_.args, inst_.args_len),
      cuda_kernel_(kernels == Kernels::CpuAndCuda) {
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

void ArgReader::fail_error(const std::string& msg) {
  if (thrown_) return;
  dec_.fail(msg);
  thrown_ = true;
  Napi::Error::New(info_.Env(), std::string(op_) + ": " + msg).ThrowAsJavaScriptException();
}

// The first view fixes the call's device; a later one on another device is an Error naming
// both, and a device the binding has no kernel for is an Error naming op and device.
bool ArgReader::adopt_device(const Storage& s, const char* what) {
  if (device_ != kNoDevice) {
    fail_error(std::string(what) + " is on " + device_name(s.device) + " but other operands are on " +
               device_name(device_));
  } else if (s.device >= 0 && !cuda_kernel_) {
    fail_error("no CUDA kernel (" + std::string(what) + " on " + device_name(s.device) + ")");
  } else {
    device_ = s.device;
    return true;
  }
  return false;
}

TensorView ArgReader::view(size_t storage_arg, const char* what) {
  if (!ok()) { throw_if_failed(); return TensorView(); }
  Storage* s = get_storage(inst_, info_, storage_arg, op_);
  if (!s) {
    dec_.fail("bad storage argument");
    thrown_ = true;  // get_storage already threw
    return TensorView();
  }
  // NOTE: one predictable compare per view; the first view and mismatches go out of line.
  if (__builtin_expect(s->device != device_, 0) && !adopt_device(*s, what)) return TensorView();
  if (storage_arg < size_t(Stream::kMaxStorages)) {
    storages_[storage_arg] = s;
    if (int(storage_arg) >= nstorage_) nstorage_ = int(storage_arg) + 1;
  }
  return checked(dec_.view(s->ptr, s->nbytes, what));
}

// Outputs first (the leading `nout` storage arguments; all when nout < 0), then the rest.
int ArgReader::fill_task_storages(Stream::Task& t, int nout) const {
  const int nw = nout < 0 ? nstorage_ : std::min(nout, nstorage_);
  int k = 0;
  for (int i = 0; i < nw; ++i)
    if (storages_[i]) t.storages[k++] = storages_[i]->ptr;
  const int written = k;
  for (int i = nw; i < nstorage_; ++i)
    if (storages_[i]) t.storages[k++] = storages_[i]->ptr;
  t.nstorage = k;
  return written;
}

void ArgReader::mark_storages(uint64_t seq, int nout) {
  for (int i = 0; i < nstorage_; ++i) {
    if (!storages_[i]) continue;
    storages_[i]->last_use = seq;
    if (nout < 0 || i < nout) storages_[i]->last_write = seq;
  }
}

// NOTE: 64 KiB of operands take microseconds: running them inline costs the event loop
// nothing measurable and saves a handoff to the stream thread per op in interactive loops.
constexpr size_t kInlineBytes = size_t(64) << 10;

bool ArgReader::small_call() const {
  size_t bytes = 0;
  for (int i = 0; i < nstorage_; ++i)
    if (storages_[i]) bytes += storages_[i]->nbytes;
  return bytes <= kInlineBytes;
}

bool ArgReader::storages_idle() const {
  if (!inst_.stream) return true;
  const uint64_t done = inst_.stream->completed();
  for (int i = 0; i < nstorage_; ++i)
    if (storages_[i] && storages_[i]->last_use > done) return false;
  return true;
}

bool ArgReader::wait_writes(std::initializer_list<int> storage_args) {
  Stream* st = inst_.stream.get();
  if (!st || !ok()) return ok();
  uint64_t seq = 0;
  for (int i : storage_args)
    if (i < nstorage_ && storages_[i] && storages_[i]->last_write > seq) seq = storages_[i]->last_write;
  st->wait(seq);
  for (int i : storage_args) {
    if (i >= nstorage_ || !storages_[i]) continue;
    const std::string err = st->poison_of(storages_[i]->ptr);
    if (!err.empty()) { fail_error("input was not computed: " + err); return false; }
  }
  return true;
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

std::string shape_str(std::initializer_list<int64_t> dims) {
  std::string s = "[";
  for (int64_t d : dims) s += (s.size() > 1 ? ", " : "") + std::to_string(d);
  return s + "]";
}

}  // namespace tf
