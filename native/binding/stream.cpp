// The execution mode and the CPU stream's JS surface: async mode on/off, synchronize,
// promise-returning reads (resolved off the event loop), and fault injection for tests.
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <climits>
#include <cstring>
#include <memory>
#include <string>

#include "binding/args.h"
#include "cuda/device.h"

namespace tf {
namespace {

// NOTE: 4096 queued kernels is tens of training steps of a small model; past that the JS
// thread waits (backpressure). Memory held for queued work is bounded by kPendingLimit.
constexpr size_t kStreamCapacity = 4096;

void settle_waiters(Napi::Env env, Instance& inst);
void start_stream(Napi::Env env, Instance& inst);

// setAsync(on): switches the CPU addon between synchronous kernels and the stream.
// Switching off waits for queued work first.
TF_BINDING(setAsync) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBoolean()) TF_THROW(env, TypeError, "setAsync: expected a boolean");
  Instance& inst = instance(env);
  const bool on = info[0].As<Napi::Boolean>().Value();
  if (on) {
    if (!inst.stream) start_stream(env, inst);
    inst.async_on = true;
  } else if (inst.async_on) {
    inst.stream->wait_all();
    settle_waiters(env, inst);
    drain_pending(env, inst, true);  // every block queued work held goes back now
    inst.async_on = false;
  }
  return env.Undefined();
}

// synchronize(): blocks until every queued kernel has run.
TF_BINDING(synchronize) {
  Instance& inst = instance(info.Env());
  if (inst.stream) inst.stream->wait_all();
  return info.Env().Undefined();
}

// streamStats() -> { async, queued, enqueued, completed, pendingFrees }
TF_BINDING(streamStats) {
  Napi::Env env = info.Env();
  Instance& inst = instance(env);
  Napi::Object o = Napi::Object::New(env);
  Stream* st = inst.stream.get();
  o.Set("async", inst.async_on);
  o.Set("queued", double(st ? st->queued() : 0));
  o.Set("enqueued", double(st ? st->enqueued() : 0));
  o.Set("completed", double(st ? st->completed() : 0));
  o.Set("pendingFrees", double(inst.pending_frees.size()));
  return o;
}

// injectKernelFault(name): the next queued kernel of binding `name` fails on the stream
// instead of running (tests of error propagation); "" cancels.
TF_BINDING(injectKernelFault) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) TF_THROW(env, TypeError, "injectKernelFault: expected a binding name");
  instance(env).fault_op = info[0].As<Napi::String>().Utf8Value();
  return env.Undefined();
}

// Settles the waiters the stream has passed (JS thread; from the progress callback, or at
// once when a waiter's work is already done). Leaves a notification armed for the rest.
void settle_waiters(Napi::Env env, Instance& inst) {
  Stream* st = inst.stream.get();
  for (;;) {
    if (st) st->rearm();
    const uint64_t done = st ? st->completed() : UINT64_MAX;
    while (!inst.waiters.empty() && inst.waiters.begin()->first <= done) {
      auto node = inst.waiters.extract(inst.waiters.begin());
      StreamWaiter& w = node.mapped();
      if (w.error && !w.error->empty()) w.deferred.Reject(Napi::Error::New(env, *w.error).Value());
      else w.deferred.Resolve(env.Undefined());
    }
    if (inst.waiters.empty()) {
      inst.progress.Unref(env);
      return;
    }
    if (!st->notify_at(inst.waiters.begin()->first)) return;  // a notification will come
  }
}

// A promise for the stream reaching `seq`.
Napi::Promise add_waiter(Napi::Env env, Instance& inst, uint64_t seq, std::shared_ptr<std::string> error, Napi::Object keep) {
  if (inst.waiters.empty()) inst.progress.Ref(env);
  auto it = inst.waiters.emplace(seq, StreamWaiter{Napi::Promise::Deferred::New(env), std::move(error), Napi::Persistent(keep)});
  Napi::Promise p = it->second.deferred.Promise();
  if (inst.stream->notify_at(inst.waiters.begin()->first)) settle_waiters(env, inst);
  return p;
}

// The stream thread's notifier: a coalesced call into the JS thread.
void start_stream(Napi::Env env, Instance& inst) {
  if (!inst.progress) {
    inst.progress = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
                                                  "tensorforge.stream", 0, 1);
    inst.progress.Unref(env);
  }
  inst.stream = std::make_shared<Stream>(inst.pool.get(), kStreamCapacity);
  Napi::ThreadSafeFunction tsfn = inst.progress;
  inst.stream->set_notifier([tsfn]() mutable {
    tsfn.NonBlockingCall([](Napi::Env env, Napi::Function) { settle_waiters(env, instance(env)); });
  });
}

// Sets a copy-done flag for a thread of another addon (the process group's worker waits on it
// instead of on the event loop): 1 copied, 2 failed; then a futex wake of its waiters.
void signal_copy(int32_t* flag, bool ok) {
  if (!flag) return;
  __atomic_store_n(flag, ok ? 1 : 2, __ATOMIC_RELEASE);
#if defined(__linux__)
  syscall(SYS_futex, flag, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
#endif  // elsewhere the waiter polls
}

// readAsync(handle, byteOffset, typedArray, signal?) -> Promise<void>: copies bytes out once the
// kernels writing the storage have run, without blocking the event loop. The copy itself
// is queued on the stream, so the storage cannot be released (even if disposed meanwhile)
// before it has been read. Synchronous mode and CUDA storages: copies now and resolves.
// `signal` (an Int32Array over the same ArrayBuffer as typedArray, so it lives as long):
// signal[0] becomes 1 (2 on failure) right after the copy, on the stream thread.
TF_BINDING(readAsync) {
  Napi::Env env = info.Env();
  Storage* s = get_storage(info, 0, "data");
  if (!s) return env.Undefined();
  if (info.Length() < 3 || !info[1].IsNumber() || !info[2].IsTypedArray())
    TF_THROW(env, TypeError, "data: expected (storage, byteOffset, TypedArray)");
  int32_t* flag = nullptr;
  if (info.Length() > 3 && !info[3].IsUndefined()) {
    const bool typed = info[3].IsTypedArray() && info[3].As<Napi::TypedArray>().TypedArrayType() == napi_int32_array;
    if (!typed || info[3].As<Napi::TypedArray>().ArrayBuffer().Data() != info[2].As<Napi::TypedArray>().ArrayBuffer().Data())
      TF_THROW(env, TypeError, "data: signal must be an Int32Array over the destination's ArrayBuffer");
    auto sig = info[3].As<Napi::Int32Array>();
    if (sig.ElementLength() < 1) TF_THROW(env, RangeError, "data: signal must hold at least one element");
    flag = sig.Data();
  }
  const double off = info[1].As<Napi::Number>().DoubleValue();
  auto arr = info[2].As<Napi::TypedArray>();
  const size_t len = arr.ByteLength();
  if (!(off >= 0) || off != std::floor(off) || size_t(off) + len > s->nbytes)
    TF_THROW(env, RangeError, "data: " + std::to_string(len) + " bytes at offset " + std::to_string(int64_t(off)) +
                                  " exceed storage of " + std::to_string(s->nbytes) + " bytes");
  uint8_t* src = static_cast<uint8_t*>(s->ptr) + size_t(off);
  uint8_t* dst = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
  Instance& inst = instance(env);
  Stream* st = inst.stream.get();
  if (!st || s->device != kCpuDevice || s->last_write <= st->completed()) {
    auto d = Napi::Promise::Deferred::New(env);
    std::string err = st && s->device == kCpuDevice ? st->poison_of(s->ptr) : std::string();
    if (!err.empty()) {
      d.Reject(Napi::Error::New(env, "data: tensor was not computed: " + err).Value());
    } else if (len) {
      if (s->device == kCpuDevice) std::memcpy(dst, src, len);
      else cuda::device(s->device).copy_to_host(dst, src, len);
    }
    if (err.empty()) d.Resolve(env.Undefined());
    signal_copy(flag, err.empty());
    return d.Promise();
  }
  auto res = std::make_shared<std::string>();
  Stream::Task t;
  void* base = s->ptr;
  // NOTE: the copy checks poison itself (no storages listed, so the stream never skips it).
  t.fn = [st, base, src, dst, len, res, flag] {
    std::string err = st->poison_of(base);
    if (!err.empty()) *res = "data: tensor was not computed: " + err;
    else if (len) std::memcpy(dst, src, len);
    signal_copy(flag, err.empty());
  };
  t.op = "data";
  const uint64_t seq = st->enqueue(std::move(t));
  s->last_use = seq;
  return add_waiter(env, inst, seq, res, arr);
}

// whenIdle() -> Promise<void>: resolves once every kernel queued so far has run.
TF_BINDING(whenIdle) {
  Napi::Env env = info.Env();
  Instance& inst = instance(env);
  Stream* st = inst.stream.get();
  if (!st || st->completed() >= st->enqueued()) {
    auto d = Napi::Promise::Deferred::New(env);
    d.Resolve(env.Undefined());
    return d.Promise();
  }
  return add_waiter(env, inst, st->enqueued(), nullptr, Napi::Object::New(env));
}

}  // namespace
}  // namespace tf
