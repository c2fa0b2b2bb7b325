// Status, storage, transfers, memory accounting and settings of the CUDA addon.
#include <cmath>
#include <cstring>

#include "cuda/binding/args.h"

namespace tf {
namespace cudab {

namespace {

bool read_number(const Napi::CallbackInfo& info, size_t i, double* out) {
  if (i >= info.Length() || !info[i].IsNumber()) return false;
  *out = info[i].As<Napi::Number>().DoubleValue();
  return true;
}

// Optional device index argument (default 0).
int device_arg(const Napi::CallbackInfo& info, size_t i) {
  double d = 0;
  if (i < info.Length() && !info[i].IsUndefined()) {
    if (!read_number(info, i, &d) || d != std::floor(d) || d < 0 || d > 1024)
      throw Napi::RangeError::New(info.Env(), "cuda: device index must be a non-negative integer");
  }
  return int(d);
}

// status() -> { available, reason, driverVersion, runtimeVersion, deviceCount, devices }
TF_CUDA_BINDING(status) {
  Napi::Env env = info.Env();
  const cuda::DriverStatus& st = cuda::driver_status();
  Napi::Object o = Napi::Object::New(env);
  o.Set("available", st.ok);
  o.Set("reason", st.ok ? std::string() : st.reason);
  o.Set("driverVersion", st.driver_version ? cuda::version_string(st.driver_version) : std::string());
  o.Set("runtimeVersion", cuda::version_string(st.runtime_version));
  o.Set("deviceCount", st.ok ? st.device_count : 0);
  Napi::Array devs = Napi::Array::New(env);
  if (st.ok) {
    // NOTE: properties only: no context is created until a tensor goes to the device.
    for (int i = 0; i < st.device_count; ++i) {
      std::string name;
      int major = 0, minor = 0;
      if (!cuda::device_info(i, &name, &major, &minor)) {
        o.Set("available", false);
        o.Set("reason", "cannot query cuda:" + std::to_string(i));
        break;
      }
      Napi::Object di = Napi::Object::New(env);
      di.Set("index", i);
      di.Set("name", name);
      di.Set("capability", std::to_string(major) + "." + std::to_string(minor));
      devs.Set(uint32_t(i), di);
    }
  }
  o.Set("devices", devs);
  return o;
}

TF_CUDA_BINDING(setArgBuffer) {
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

// alloc(nbytes, device) -> storage handle (uninitialised device memory).
TF_CUDA_BINDING(alloc) {
  Napi::Env env = info.Env();
  double n = 0;
  if (!read_number(info, 0, &n)) TF_THROW(env, TypeError, "cuda alloc: nbytes must be a number");
  if (!(n >= 0) || n > double(int64_t(1) << 48) || n != std::floor(n))
    TF_THROW(env, RangeError, "cuda alloc: nbytes must be a non-negative integer, got " + std::to_string(n));
  cuda::Device& d = cuda::device(device_arg(info, 1));
  size_t block = 0;
  void* p = d.allocator().allocate(size_t(n), &block);  // throws CudaOutOfMemory
  Instance& inst = instance(env);
  uint32_t slot;
  if (!inst.free_slots.empty()) {
    slot = inst.free_slots.back();
    inst.free_slots.pop_back();
  } else {
    if (inst.slots.size() >= kCudaSlotBit) {
      d.allocator().release(p, block);
      TF_THROW(env, RangeError, "cuda alloc: too many live storages");
    }
    slot = uint32_t(inst.slots.size());
    inst.slots.emplace_back();
  }
  CudaStorage& s = inst.slots[slot];
  s.ptr = p;
  s.nbytes = size_t(n);
  s.block_bytes = block;
  s.device = d.index();
  s.alloc = &d.allocator();
  inst.live_storages += 1;
  return Napi::Number::New(env, double((uint64_t(s.gen) << 32) | kCudaSlotBit | slot));
}

// free(handle): returns the block to the cache now; later uses throw "disposed".
TF_CUDA_BINDING(free) {
  CudaStorage* s = get_storage(info, 0, "dispose");
  if (!s) return info.Env().Undefined();
  Instance& inst = instance(info.Env());
  s->alloc->release(s->ptr, s->block_bytes);
  s->ptr = nullptr;
  s->gen = (s->gen + 1) & 0x1fffff;  // 21 bits: handle stays below 2^53
  inst.free_slots.push_back(uint32_t(s - inst.slots.data()));
  inst.live_storages -= 1;
  return info.Env().Undefined();
}

// Shared checks of write/read: (storage, byteOffset, TypedArray) within bounds.
CudaStorage* transfer_args(const Napi::CallbackInfo& info, const char* op, size_t* off, uint8_t** host,
                           size_t* len) {
  CudaStorage* s = get_storage(info, 0, op);
  if (!s) return nullptr;
  double o = 0;
  if (!read_number(info, 1, &o) || info.Length() < 3 || !info[2].IsTypedArray())
    throw Napi::TypeError::New(info.Env(), std::string(op) + ": expected (storage, byteOffset, TypedArray)");
  auto arr = info[2].As<Napi::TypedArray>();
  *len = arr.ByteLength();
  if (!(o >= 0) || o != std::floor(o) || size_t(o) + *len > s->nbytes)
    throw Napi::RangeError::New(info.Env(), std::string(op) + ": " + std::to_string(*len) + " bytes at offset " +
                                                std::to_string(o) + " exceed storage of " +
                                                std::to_string(s->nbytes) + " bytes");
  *off = size_t(o);
  *host = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
  return s;
}

// write(handle, byteOffset, typedArray): host -> device through pinned staging; returns
// once the data is staged (the device copy is ordered before later ops on the stream).
TF_CUDA_BINDING(write) {
  size_t off = 0, len = 0;
  uint8_t* host = nullptr;
  CudaStorage* s = transfer_args(info, "cuda write", &off, &host, &len);
  if (!s) return info.Env().Undefined();
  cuda::device(s->device).copy_to_device(static_cast<uint8_t*>(s->ptr) + off, host, len);
  return info.Env().Undefined();
}

// read(handle, byteOffset, typedArray): device -> host; waits for queued work (synchronizes).
TF_CUDA_BINDING(read) {
  size_t off = 0, len = 0;
  uint8_t* host = nullptr;
  CudaStorage* s = transfer_args(info, "cuda read", &off, &host, &len);
  if (!s) return info.Env().Undefined();
  cuda::device(s->device).copy_to_host(host, static_cast<const uint8_t*>(s->ptr) + off, len);
  return info.Env().Undefined();
}

// copy(dst, dstByteOffset, src, srcByteOffset, nbytes): device -> device, same device.
TF_CUDA_BINDING(copy) {
  Napi::Env env = info.Env();
  CudaStorage* d = get_storage(info, 0, "cuda copy");
  if (!d) return env.Undefined();
  CudaStorage* s = get_storage(info, 2, "cuda copy");
  if (!s) return env.Undefined();
  double doff = 0, soff = 0, n = 0;
  if (!read_number(info, 1, &doff) || !read_number(info, 3, &soff) || !read_number(info, 4, &n))
    TF_THROW(env, TypeError, "cuda copy: expected (dst, dstByteOffset, src, srcByteOffset, nbytes)");
  if (!(doff >= 0 && soff >= 0 && n >= 0) || doff != std::floor(doff) || soff != std::floor(soff) ||
      n != std::floor(n) || doff + n > double(d->nbytes) || soff + n > double(s->nbytes))
    TF_THROW(env, RangeError, "cuda copy: range outside the storages");
  if (d->device != s->device)
    TF_THROW(env, RangeError, "cuda copy: storages on cuda:" + std::to_string(d->device) + " and cuda:" +
                                  std::to_string(s->device));
  cuda::device(d->device).copy_on_device(static_cast<uint8_t*>(d->ptr) + size_t(doff),
                                         static_cast<const uint8_t*>(s->ptr) + size_t(soff), size_t(n));
  return env.Undefined();
}

TF_CUDA_BINDING(synchronize) {
  cuda::device(device_arg(info, 0)).synchronize();
  return info.Env().Undefined();
}

// memory(device) -> allocator statistics in bytes.
TF_CUDA_BINDING(memory) {
  Napi::Env env = info.Env();
  cuda::DeviceMemoryStats st = cuda::device(device_arg(info, 0)).allocator().stats();
  Napi::Object o = Napi::Object::New(env);
  o.Set("liveBytes", double(st.live_bytes));
  o.Set("cachedBytes", double(st.cached_bytes));
  o.Set("reservedBytes", double(st.reserved_bytes));
  o.Set("peakReservedBytes", double(st.peak_reserved_bytes));
  o.Set("limitBytes", double(st.limit_bytes));
  o.Set("deviceFreeBytes", double(st.device_free_bytes));
  o.Set("deviceTotalBytes", double(st.device_total_bytes));
  o.Set("mallocs", double(st.mallocs));
  o.Set("storages", double(instance(env).live_storages));
  return o;
}

// setMemoryLimit(bytes): cap on what the allocator holds per device; 0 removes it.
TF_CUDA_BINDING(setMemoryLimit) {
  Napi::Env env = info.Env();
  double b = 0;
  if (!read_number(info, 0, &b)) TF_THROW(env, TypeError, "cuda.setMemoryLimit: bytes must be a number");
  if (!(b >= 0) || b != std::floor(b) || b > 9007199254740991.0)
    TF_THROW(env, RangeError, "cuda.setMemoryLimit: bytes must be a non-negative integer, got " + std::to_string(b));
  cuda::set_memory_limit(int64_t(b));
  return env.Undefined();
}

TF_CUDA_BINDING(memoryLimit) { return Napi::Number::New(info.Env(), double(cuda::memory_limit())); }

// emptyCache(device?) -> bytes returned to the driver (all devices when omitted).
TF_CUDA_BINDING(emptyCache) {
  Napi::Env env = info.Env();
  int64_t freed = 0;
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    freed = cuda::device(device_arg(info, 0)).allocator().empty_cache();
  } else {
    for (int i = 0; i < cuda::device_count(); ++i) freed += cuda::device(i).allocator().empty_cache();
  }
  return Napi::Number::New(env, double(freed));
}

TF_CUDA_BINDING(setMatmulPrecision) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) TF_THROW(env, TypeError, "setMatmulPrecision: expected a string");
  std::string p = info[0].As<Napi::String>();
  if (p == "highest") instance(env).precision = cuda::kPrecisionHighest;
  else if (p == "high" || p == "medium") instance(env).precision = cuda::kPrecisionHigh;
  else TF_THROW(env, RangeError, "setMatmulPrecision: expected 'highest', 'high' or 'medium', got '" + p + "'");
  return env.Undefined();
}

TF_CUDA_BINDING(getMatmulPrecision) {
  return Napi::String::New(info.Env(), instance(info.Env()).precision == cuda::kPrecisionHigh ? "high" : "highest");
}

// manualSeed(seed): the CPU addon's derivation, so both backends draw the same stream.
TF_CUDA_BINDING(manualSeed) {
  Napi::Env env = info.Env();
  double s = 0;
  if (!read_number(info, 0, &s)) TF_THROW(env, TypeError, "manualSeed: seed must be a number");
  if (!(s >= 0) || s != std::floor(s) || s > 9007199254740991.0)
    TF_THROW(env, RangeError, "manualSeed: seed must be an integer in [0, 2^53), got " + std::to_string(s));
  Instance& inst = instance(env);
  inst.seed = uint64_t(s) * 0x9E3779B97F4A7C15ull + 0x5eed;
  inst.rng_offset = 0;
  return env.Undefined();
}

TF_CUDA_BINDING(rngState) {
  Napi::Env env = info.Env();
  Instance& inst = instance(env);
  Napi::Array a = Napi::Array::New(env, 4);
  a.Set(0u, double(inst.seed >> 32));
  a.Set(1u, double(inst.seed & 0xffffffffu));
  a.Set(2u, double(inst.rng_offset >> 32));
  a.Set(3u, double(inst.rng_offset & 0xffffffffu));
  return a;
}

TF_CUDA_BINDING(setRngState) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) TF_THROW(env, TypeError, "setRngState: expected an array of 4 numbers");
  Napi::Array a = info[0].As<Napi::Array>();
  if (a.Length() != 4) TF_THROW(env, RangeError, "setRngState: expected 4 numbers");
  uint64_t w[4];
  for (uint32_t i = 0; i < 4; ++i) {
    Napi::Value v = a.Get(i);
    double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0 && d <= 4294967295.0) || d != std::floor(d)) TF_THROW(env, RangeError, "setRngState: bad word");
    w[i] = uint64_t(d);
  }
  Instance& inst = instance(env);
  inst.seed = (w[0] << 32) | w[1];
  inst.rng_offset = (w[2] << 32) | w[3];
  return env.Undefined();
}

}  // namespace
}  // namespace cudab
}  // namespace tf
