// Argument decoding for the binding layer. Tensor metadata travels in a Float64Array shared
// with lib/native.ts (written by `ArgWriter` there, read by `ArgReader` here) so a call
// passes only storage handles; everything read is validated before a kernel sees it.
#pragma once
#include <napi.h>

#include <cmath>
#include <string>
#include <vector>

#include "binding/instance.h"
#include "tensorforge/arg_decode.h"
#include "tensorforge/view.h"

namespace tf {

#define TF_THROW(env, kind, msg)                             \
  do {                                                       \
    Napi::kind::New(env, msg).ThrowAsJavaScriptException();  \
    return env.Undefined();                                  \
  } while (0)

// The live storage for JS argument i (a handle number), or nullptr after throwing.
Storage* get_storage(const Napi::CallbackInfo& info, size_t i, const char* op);
Storage* get_storage(Instance& inst, const Napi::CallbackInfo& info, size_t i, const char* op);
Storage* lookup_storage(Instance& inst, double handle);

class ArgReader {
 public:
  ArgReader(const Napi::CallbackInfo& info, const char* op);
  bool ok() const { return dec_.ok(); }
  // Next number in the buffer; integers are checked to be finite and whole.
  double num() { return checked(dec_.num()); }
  int64_t int64(int64_t lo, int64_t hi, const char* what) { return checked(dec_.int64(lo, hi, what)); }
  // Next view, attached to storage argument `storage_arg`; checks dtype, dims, bounds.
  TensorView view(size_t storage_arg, const char* what);
  Napi::Value fail(const std::string& msg);  // throws RangeError; returns undefined
  // This environment's instance data (looked up once per call).
  Instance& inst() const { return inst_; }

 private:
  template <typename T> T checked(T v) { throw_if_failed(); return v; }
  void throw_if_failed();  // turns the decoder's first failure into a RangeError, once

  const Napi::CallbackInfo& info_;
  const char* op_;
  Instance& inst_;
  ArgDecoder dec_;
  bool thrown_ = false;
};

// Binding functions register themselves at static-init time (an immutable table, not
// per-instance state); addon.cpp exports them all for each environment.
using BindingFn = Napi::Value (*)(const Napi::CallbackInfo&);
struct BindingEntry { const char* name; BindingFn fn; };
std::vector<BindingEntry>& binding_registry();
struct BindingRegistrar {
  BindingRegistrar(const char* name, BindingFn fn) { binding_registry().push_back({name, fn}); }
};
#define TF_BINDING(name)                                                    \
  static Napi::Value binding_##name(const Napi::CallbackInfo& info);        \
  static ::tf::BindingRegistrar registrar_##name(#name, &binding_##name);   \
  static Napi::Value binding_##name(const Napi::CallbackInfo& info)

// True if two views share storage memory.
inline bool same_storage(const TensorView& a, const TensorView& b) { return a.data == b.data; }
// Checks that views have identical shapes (the caller broadcast them).
bool same_shape(const TensorView& a, const TensorView& b);

}  // namespace tf
