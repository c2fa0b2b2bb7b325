// Storage, data transfer, memory accounting and backend configuration. A storage lives on
// the CPU (the CPU addon) or a CUDA device (the CUDA addon); read/write/free serve both.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "binding/args.h"
#include "cpu/gemm/gemm.h"
#include "cpu/scratch.h"
#include "cuda/device.h"
#include "runtime/cpu_features.h"

namespace tf {

namespace {

// Returns a block to the allocator of its device; the bytes the CPU allocator gave back to
// the OS (past its cache limit), for V8's external-memory count.
int64_t release_block(Instance& inst, int32_t device, void* ptr, size_t block_bytes) {
  if (device == kCpuDevice) {
    if (inst.stream) inst.stream->clear_poison(ptr);
    return inst.alloc->release(ptr, block_bytes);
  }
  cuda::device(device).allocator().release(ptr, block_bytes);
  return 0;
}

}  // namespace

// Async mode: releases the freed blocks whose last kernel has run (all of them with `all`,
// after waiting for the stream).
void drain_pending(Napi::Env env, Instance& inst, bool all) {
  if (!inst.stream || inst.pending_frees.empty()) return;
  if (all) inst.stream->wait_all();
  const uint64_t done = inst.stream->completed();
  int64_t returned = 0;
  auto& p = inst.pending_frees;
  size_t k = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i].seq <= done) returned += release_block(inst, kCpuDevice, p[i].ptr, p[i].block_bytes);
    else p[k++] = p[i];
  }
  p.resize(k);
  inst.pending_bytes = 0;
  for (const PendingFree& f : p) inst.pending_bytes += f.block_bytes;
  if (returned) Napi::MemoryManagement::AdjustExternalMemory(env, -returned);
}

Instance::~Instance() {
  if (stream) stream->shutdown();  // finish the running kernel, drop the queue, join the thread
  pool.reset();    // join workers before memory goes away
  for (const PendingFree& f : pending_frees) release_block(*this, kCpuDevice, f.ptr, f.block_bytes);
  for (Storage& s : slots)
    if (s.ptr) release_block(*this, s.device, s.ptr, s.block_bytes);
}

namespace {

// NOTE: a block freed while queued kernels use it may serve a new storage at once, as in a
// CUDA caching allocator: every kernel of the new storage is queued after the old ones on
// the same in-order stream. Only host access must wait, so the storage inherits the block's
// last queued use (write() stages its copy behind it; read() waits for the new writers).
void* take_pending(Instance& inst, size_t nbytes, size_t* block, uint64_t* seq) {
  const size_t cls = CpuAllocator::size_class(nbytes);
  auto& p = inst.pending_frees;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i].block_bytes != cls) continue;
    void* ptr = p[i].ptr;
    *block = cls;
    *seq = p[i].seq;
    p[i] = p.back();
    p.pop_back();
    inst.pending_bytes -= cls;
    return ptr;
  }
  return nullptr;
}


void release_storage(Napi::Env env, Instance& inst, uint32_t slot) {
  Storage& s = inst.slots[slot];
  if (inst.stream && s.device == kCpuDevice && s.last_use > inst.stream->completed()) {
    // Queued kernels still use the block: it stays allocated until they have run.
    inst.pending_frees.push_back({s.ptr, s.block_bytes, s.last_use});
    inst.pending_bytes += s.block_bytes;
  } else {
    const int64_t returned = release_block(inst, s.device, s.ptr, s.block_bytes);  // > 0: past the cache limit
    if (returned) Napi::MemoryManagement::AdjustExternalMemory(env, -returned);
  }
  s.last_write = s.last_use = 0;
  s.ptr = nullptr;
  s.gen = (s.gen + 1) & 0x1fffff;  // 21 bits: handle stays below 2^53
  inst.free_slots.push_back(slot);
  inst.live_storages -= 1;
}

// The shared metadata buffer; lib/native.ts calls this once at load.
TF_BINDING(setArgBuffer) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    TF_THROW(env, TypeError, "setArgBuffer: expected a Float64Array");
  Instance& inst = instance(env);
  auto arr = info[0].As<Napi::Float64Array>();
  inst.arg_ref = Napi::Persistent(arr);
  inst.args = arr.Data();
  inst.args_len = arr.ElementLength();
  return env.Undefined();
}

// alloc(nbytes, device?) -> storage handle (uninitialised). The CPU addon allocates host
// memory (64-byte aligned; device ignored), the CUDA addon memory on cuda:device (default
// 0) from that device's caching allocator: lib/tensor.ts picks the addon by device.
TF_BINDING(alloc) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) TF_THROW(env, TypeError, "alloc: nbytes must be a number");
  double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 0) || n > double(int64_t(1) << 48) || n != std::floor(n))
    TF_THROW(env, RangeError, "alloc: nbytes must be a non-negative integer, got " + fmt_num(n));
  Instance& inst = instance(env);
  int32_t device = kCpuDevice;
  if (cuda::kBuilt && info.Length() > 1 && !info[1].IsUndefined()) {
    const double d = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0 && d <= 1024) || d != std::floor(d))
      TF_THROW(env, RangeError, "alloc: device index must be a non-negative integer");
    device = int32_t(d);
  } else if (cuda::kBuilt) {
    device = 0;
  }
  if (inst.slots.size() >= kCudaSlotBit && inst.free_slots.empty())
    TF_THROW(env, RangeError, "alloc: too many live storages");
  size_t block = 0;
  int64_t os_bytes = 0;
  uint64_t inherited = 0;  // async mode: the last queued use of a reused pending block
  void* p = nullptr;
  if (inst.stream && device == kCpuDevice) {
    // Past kPendingLimit bytes held for queued kernels, wait for them (backpressure on memory).
    drain_pending(env, inst, inst.pending_bytes > kPendingLimit);
    p = take_pending(inst, size_t(n), &block, &inherited);
  }
  if (!p) p = device == kCpuDevice ? inst.alloc->allocate(size_t(n), &block, &os_bytes)
                                   : cuda::device(device).allocator().allocate(size_t(n), &block);  // throws OOM
  if (!p && inst.stream && !inst.pending_frees.empty()) {
    drain_pending(env, inst, true);  // memory held for queued kernels: wait for them, then retry
    p = inst.alloc->allocate(size_t(n), &block, &os_bytes);
  }
  if (os_bytes) Napi::MemoryManagement::AdjustExternalMemory(env, os_bytes);
  if (!p) TF_THROW(env, RangeError, "alloc: out of memory allocating " + std::to_string(int64_t(n)) + " bytes");
  uint32_t slot;
  if (!inst.free_slots.empty()) {
    slot = inst.free_slots.back();
    inst.free_slots.pop_back();
  } else {
    slot = uint32_t(inst.slots.size());
    inst.slots.emplace_back();
  }
  Storage& s = inst.slots[slot];
  s.ptr = p;
  s.nbytes = size_t(n);
  s.block_bytes = block;
  s.device = device;
  s.last_write = s.last_use = inherited;
  inst.live_storages += 1;
  const uint64_t tag = device == kCpuDevice ? 0 : kCudaSlotBit;
  return Napi::Number::New(env, double((uint64_t(s.gen) << 32) | tag | slot));
}

// free(handle): returns the block to the cache now; later uses throw "disposed".
TF_BINDING(free) {
  Storage* s = get_storage(info, 0, "dispose");
  if (!s) return info.Env().Undefined();
  Instance& inst = instance(info.Env());
  release_storage(info.Env(), inst, uint32_t(s - inst.slots.data()));
  return info.Env().Undefined();
}

Stream* inst_stream(const Napi::CallbackInfo& info) { return instance(info.Env()).stream.get(); }

// (storage, byteOffset, TypedArray) of write/read, checked to lie inside the storage;
// nullptr after throwing.
Storage* transfer_args(const Napi::CallbackInfo& info, const char* op, uint8_t** storage_bytes, uint8_t** host,
                       size_t* len) {
  Napi::Env env = info.Env();
  Storage* s = get_storage(info, 0, op);
  if (!s) return nullptr;
  if (info.Length() < 3 || !info[1].IsNumber() || !info[2].IsTypedArray()) {
    Napi::TypeError::New(env, std::string(op) + ": expected (storage, byteOffset, TypedArray)").ThrowAsJavaScriptException();
    return nullptr;
  }
  double off = info[1].As<Napi::Number>().DoubleValue();
  auto arr = info[2].As<Napi::TypedArray>();
  *len = arr.ByteLength();
  if (!(off >= 0) || off != std::floor(off) || size_t(off) + *len > s->nbytes) {
    Napi::RangeError::New(env, std::string(op) + ": " + std::to_string(*len) + " bytes at offset " +
                                   std::to_string(int64_t(off)) + " exceed storage of " + std::to_string(s->nbytes) +
                                   " bytes")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  *storage_bytes = static_cast<uint8_t*>(s->ptr) + size_t(off);
  *host = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
  return s;
}

// write(handle, byteOffset, typedArray): copies bytes in. CUDA: through pinned staging,
// returning once staged (the device copy is ordered before later ops on the stream).
TF_BINDING(write) {
  uint8_t *dst = nullptr, *src = nullptr;
  size_t len = 0;
  Storage* s = transfer_args(info, "write", &dst, &src, &len);
  if (!s || !len) return info.Env().Undefined();
  Stream* st = inst_stream(info);
  if (s->device == kCpuDevice && st && s->last_use > st->completed()) {
    // Queued kernels still use the block: the copy is queued behind them from a staging
    // buffer (the caller's array may change once this returns), so nothing waits here.
    auto staged = std::make_shared<std::vector<uint8_t>>(src, src + len);
    Stream::Task t;
    t.fn = [dst, staged] { std::memcpy(dst, staged->data(), staged->size()); };
    t.op = "write";
    t.storages[0] = s->ptr;
    t.nstorage = t.nout = 1;
    s->last_write = s->last_use = st->enqueue(std::move(t));
  } else if (s->device == kCpuDevice) {
    std::memcpy(dst, src, len);
  } else {
    cuda::device(s->device).copy_to_device(dst, src, len);
  }
  return info.Env().Undefined();
}

// read(handle, byteOffset, typedArray): copies bytes out into the given array. CUDA: waits
// for the queued work (synchronizes).
TF_BINDING(read) {
  uint8_t *src = nullptr, *dst = nullptr;
  size_t len = 0;
  Storage* s = transfer_args(info, "read", &src, &dst, &len);
  if (!s || !len) return info.Env().Undefined();
  if (s->device == kCpuDevice) {
    if (Stream* st = inst_stream(info)) {
      st->wait(s->last_write);  // blocks until the kernels writing it have run
      const std::string err = st->poison_of(s->ptr);
      if (!err.empty()) TF_THROW(info.Env(), Error, "read: tensor was not computed: " + err);
    }
    std::memcpy(dst, src, len);
  } else {
    cuda::device(s->device).copy_to_host(dst, src, len);
  }
  return info.Env().Undefined();
}

TF_BINDING(memoryStats) {
  Napi::Env env = info.Env();
  Instance& inst = instance(env);
  drain_pending(env, inst, true);  // async mode: counts what disposed tensors gave back
  AllocatorStats st = inst.alloc->stats();
  Napi::Object o = Napi::Object::New(env);
  o.Set("storages", double(inst.live_storages));
  o.Set("liveBytes", double(st.live_bytes));
  o.Set("cachedBytes", double(st.cached_bytes));
  o.Set("osAllocs", double(st.os_allocs));
  o.Set("osFrees", double(st.os_frees));
  o.Set("cacheLimit", double(st.limit_bytes));
  o.Set("scratchBytes", double(cpu::scratch_bytes_held().load()));
  return o;
}

// emptyCache(device?) -> bytes returned to the system: the CPU cache and, in the CUDA
// addon, every device's cache (or only cuda:device's when given).
TF_BINDING(emptyCache) {
  Napi::Env env = info.Env();
  int64_t freed = 0;
  if (cuda::kBuilt && info.Length() > 0 && !info[0].IsUndefined()) {
    const double d = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0 && d <= 1024) || d != std::floor(d))
      TF_THROW(env, RangeError, "emptyCache: device index must be a non-negative integer");
    return Napi::Number::New(env, double(cuda::device(int(d)).allocator().empty_cache()));
  }
  drain_pending(env, instance(env), true);
  freed = instance(env).alloc->empty_cache();
  if (freed) Napi::MemoryManagement::AdjustExternalMemory(env, -freed);
  for (int i = 0; i < cuda::device_count(); ++i) freed += cuda::device(i).allocator().empty_cache();
  return Napi::Number::New(env, double(freed));
}

TF_BINDING(backendInfo) {
  Napi::Env env = info.Env();
  Instance& inst = instance(env);
  Napi::Object o = Napi::Object::New(env);
  o.Set("isa", isa_name(inst.isa));
  Napi::Array sup = Napi::Array::New(env);
  uint32_t k = 0;
  for (Isa i : {Isa::Generic, Isa::Avx2, Isa::Avx512})
    if (isa_supported(i)) sup.Set(k++, isa_name(i));
  o.Set("supportedIsas", sup);
  o.Set("threads", inst.pool->num_threads());
  // How autocast('bfloat16') GEMMs run with this ISA (matmul.cpp chooses the same way): AMX
  // tiles, VDPBF16PS, or rounded fp32.
  o.Set("bf16Gemm", bf16_uses_amx(inst) ? "amx" : TF_ISA_CALL(inst.isa, cpu, sbgemm_native)() ? "avx512bf16" : "rounded-fp32");
  Napi::Object amx_info = Napi::Object::New(env);
  amx_info.Set("available", amx_bf16_usable());
  amx_info.Set("enabled", inst.amx);
  o.Set("amx", amx_info);
  return o;
}

TF_BINDING(setNumThreads) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) TF_THROW(env, TypeError, "setNumThreads: n must be a number");
  double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 1 && n <= 1024) || n != std::floor(n))
    TF_THROW(env, RangeError, "setNumThreads: n must be an integer in [1, 1024], got " + fmt_num(n));
  Instance& inst = instance(env);
  if (int(n) != inst.pool->num_threads()) {
    if (inst.stream) inst.stream->wait_all();  // no kernel may be using the old pool
    inst.pool = std::make_unique<ThreadPool>(int(n));
    if (inst.stream) inst.stream->set_pool(inst.pool.get());
  }
  return env.Undefined();
}

TF_BINDING(setAmx) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBoolean()) TF_THROW(env, TypeError, "setAmx: enabled must be a boolean");
  instance(env).amx = info[0].As<Napi::Boolean>().Value();
  return env.Undefined();
}

TF_BINDING(setIsa) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) TF_THROW(env, TypeError, "setIsa: name must be a string");
  std::string name = info[0].As<Napi::String>();
  for (Isa i : {Isa::Generic, Isa::Avx2, Isa::Avx512}) {
    if (name == isa_name(i)) {
      if (!isa_supported(i)) TF_THROW(env, RangeError, "setIsa: this CPU does not support " + name);
      instance(env).isa = i;
      return env.Undefined();
    }
  }
  TF_THROW(env, RangeError, "setIsa: unknown ISA '" + name + "' (expected generic, avx2 or avx512)");
}

}  // namespace
}  // namespace tf
