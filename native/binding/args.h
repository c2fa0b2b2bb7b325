// Argument decoding for the binding layer, compiled into the CPU and the CUDA addon alike.
// Tensor metadata travels in a Float64Array shared with lib/native.ts (written by
// `ArgWriter` there, read by `ArgReader` here) so a call passes only storage handles;
// everything read is validated before a kernel sees it. The reader also learns the device
// of the call's tensors: a binding validates once, then dispatches cpu:: or cuda::.
#pragma once
#include <napi.h>

#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

#include "binding/instance.h"
#include "runtime/parallel.h"
#include "cuda/kernels.h"
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

// Which devices a binding has kernels for. A view on a device the binding lacks throws
// "<op>: no CUDA kernel (<what> on cuda:N)" before anything runs.
enum class Kernels { CpuOnly, CpuAndCuda };

class ArgReader {
 public:
  ArgReader(const Napi::CallbackInfo& info, const char* op, Kernels kernels = Kernels::CpuOnly);
  bool ok() const { return dec_.ok(); }
  // Next number in the buffer; integers are checked to be finite and whole.
  double num() { return checked(dec_.num()); }
  int64_t int64(int64_t lo, int64_t hi, const char* what) { return checked(dec_.int64(lo, hi, what)); }
  // Next view, attached to storage argument `storage_arg`; checks dtype, dims, bounds, and
  // that its device is the one of the views read before (an Error naming both otherwise).
  TensorView view(size_t storage_arg, const char* what);
  // Device of the views read so far: true when the call runs on a CUDA device.
  bool on_cuda() const { return device_ >= 0; }
  int32_t device() const { return device_; }
  cuda::Stream stream();  // the stream of the call's CUDA device (activates it)
  Napi::Value fail(const std::string& msg);  // throws RangeError; returns undefined
  void fail_error(const std::string& msg);   // throws Error("<op>: msg"): not a bad argument
  // This environment's instance data (looked up once per call).
  Instance& inst() const { return inst_; }

  // Runs a CPU kernel: at once on this thread in synchronous mode, or queued on the
  // instance's stream in async mode. `fn` captures by value only (views, numbers): it may
  // run on the stream thread after the binding has returned. `nout`: how many leading
  // storage arguments the kernel writes (-1: all of them, the safe default).
  template <typename F>
  void launch(int nout, F&& fn) {
    launch_sized(nout, small_call() ? KernelSize::kSmall : KernelSize::kMedium, std::forward<F>(fn));
  }
  template <typename F> void launch(F&& fn) { launch(-1, std::forward<F>(fn)); }

  // How long a kernel runs, as its binding judges it (a GEMM by its FLOP count; launch()
  // judges by operand bytes, small_call()):
  //   kSmall:  tens of microseconds at most; runs inline when the stream is idle
  //   kMedium: queued
  //   kLong:   a hundred microseconds or more on every pool thread; queued, and readers
  //            waiting for it sleep at once (Stream::Task::long_running)
  enum class KernelSize { kSmall, kMedium, kLong };
  template <typename F>
  void launch_sized(int nout, KernelSize size, F&& fn) {
    Stream* st = inst_.async_on ? inst_.stream.get() : nullptr;
    if (!st) {
      ScopedPool pool(inst_.pool.get());
      fn();
      return;
    }
    const bool fault = !inst_.fault_op.empty() && inst_.fault_op == op_;
    if (!fault && st->completed() == st->enqueued() && size == KernelSize::kSmall) {
      // Nothing queued or running: a small kernel runs here at once, as in synchronous
      // mode (no thread handoff for tiny ops; the pool is free while the stream is idle).
      ScopedPool pool(inst_.pool.get());
      fn();
      return;
    }
    Stream::Task t;
    t.fn = std::forward<F>(fn);
    t.op = op_;
    t.long_running = size == KernelSize::kLong;
    t.nout = fill_task_storages(t, nout);
    if (fault) { t.fault = true; inst_.fault_op.clear(); }
    const uint64_t seq = st->enqueue(std::move(t));
    mark_storages(seq, nout);
  }

  // Async mode: blocks until every queued kernel writing the storages of these arguments
  // has run, so host code may read them (index checks). Returns false after throwing the
  // error of a poisoned storage.
  bool wait_writes(std::initializer_list<int> storage_args);
  // Async mode: true when no queued kernel uses any of this call's storages, so a kernel
  // on them may run right here, before queued work it does not depend on.
  bool storages_idle() const;

 private:
  template <typename T> T checked(T v) { throw_if_failed(); return v; }
  void throw_if_failed();  // turns the decoder's first failure into a RangeError, once
  bool adopt_device(const Storage& s, const char* what);  // first view, or a mismatch

  int fill_task_storages(Stream::Task& t, int nout) const;
  bool small_call() const;  // every storage of the call together is at most kInlineBytes
  void mark_storages(uint64_t seq, int nout);

  const Napi::CallbackInfo& info_;
  const char* op_;
  Storage* storages_[Stream::kMaxStorages] = {};  // by storage argument index
  int nstorage_ = 0;
  Instance& inst_;
  ArgDecoder dec_;
  bool thrown_ = false;
  bool cuda_kernel_;
  int32_t device_ = kNoDevice;
  static constexpr int32_t kNoDevice = -2;  // no view read yet
};

// "cpu" or "cuda:N".
std::string device_name(int32_t device);

// Binding functions register themselves at static-init time (an immutable table, not
// per-instance state); addon.cpp exports them all for each environment. C++ exceptions
// from a kernel or the CUDA runtime become JS Errors (CudaOutOfMemory: a RangeError with
// code ERR_CUDA_OOM; other CUDA failures: code ERR_CUDA).
using BindingFn = Napi::Value (*)(const Napi::CallbackInfo&);
struct BindingEntry { const char* name; BindingFn fn; };
std::vector<BindingEntry>& binding_registry();
struct BindingRegistrar {
  BindingRegistrar(const char* name, BindingFn fn) { binding_registry().push_back({name, fn}); }
};
Napi::Value translate_current_exception(Napi::Env env);  // inside a catch block
#define TF_BINDING(name)                                                    \
  static Napi::Value impl_##name(const Napi::CallbackInfo& info);           \
  static Napi::Value binding_##name(const Napi::CallbackInfo& info) {       \
    try {                                                                   \
      return impl_##name(info);                                             \
    } catch (const Napi::Error&) {                                          \
      throw;                                                                \
    } catch (const std::exception&) {                                       \
      return ::tf::translate_current_exception(info.Env());                 \
    }                                                                       \
  }                                                                         \
  static ::tf::BindingRegistrar registrar_##name(#name, &binding_##name);   \
  static Napi::Value impl_##name(const Napi::CallbackInfo& info)

// True if two views share storage memory.
inline bool same_storage(const TensorView& a, const TensorView& b) { return a.data == b.data; }
// Checks that views have identical shapes (the caller broadcast them).
bool same_shape(const TensorView& a, const TensorView& b);

// "[2, 3]": a view's shape, or a list of sizes, for error messages.
std::string shape_str(const TensorView& v);
std::string shape_str(std::initializer_list<int64_t> dims);

}  // namespace tf
