// The CUDA addon's device extras, which are no ops and have no CPU counterpart: status,
// device-to-device copy, synchronize, allocator statistics and limits, matmul precision.
// Compiled into tensorforge_cuda.node only (tools/sources.js cuda-addon); storage, transfers
// and every op binding are the shared ones in native/binding/.
#include <cmath>
#include <string>

#include "binding/args.h"
#include "cuda/device.h"

namespace tf {
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
TF_BINDING(status) {
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

// copy(dst, dstByteOffset, src, srcByteOffset, nbytes): device -> device, same device.
TF_BINDING(copy) {
  Napi::Env env = info.Env();
  Storage* d = get_storage(info, 0, "cuda copy");
  if (!d) return env.Undefined();
  Storage* s = get_storage(info, 2, "cuda copy");
  if (!s) return env.Undefined();
  double doff = 0, soff = 0, n = 0;
  if (!read_number(info, 1, &doff) || !read_number(info, 3, &soff) || !read_number(info, 4, &n))
    TF_THROW(env, TypeError, "cuda copy: expected (dst, dstByteOffset, src, srcByteOffset, nbytes)");
  if (!(doff >= 0 && soff >= 0 && n >= 0) || doff != std::floor(doff) || soff != std::floor(soff) ||
      n != std::floor(n) || doff + n > double(d->nbytes) || soff + n > double(s->nbytes))
    TF_THROW(env, RangeError, "cuda copy: range outside the storages");
  if (d->device != s->device || d->device == kCpuDevice)
    TF_THROW(env, RangeError, "cuda copy: storages on " + device_name(d->device) + " and " + device_name(s->device));
  cuda::device(d->device).copy_on_device(static_cast<uint8_t*>(d->ptr) + size_t(doff),
                                         static_cast<const uint8_t*>(s->ptr) + size_t(soff), size_t(n));
  return env.Undefined();
}

TF_BINDING(synchronize) {
  cuda::device(device_arg(info, 0)).synchronize();
  return info.Env().Undefined();
}

// memory(device) -> allocator statistics in bytes.
TF_BINDING(memory) {
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
TF_BINDING(setMemoryLimit) {
  Napi::Env env = info.Env();
  double b = 0;
  if (!read_number(info, 0, &b)) TF_THROW(env, TypeError, "cuda.setMemoryLimit: bytes must be a number");
  if (!(b >= 0) || b != std::floor(b) || b > 9007199254740991.0)
    TF_THROW(env, RangeError, "cuda.setMemoryLimit: bytes must be a non-negative integer, got " + fmt_num(b));
  cuda::set_memory_limit(int64_t(b));
  return env.Undefined();
}

TF_BINDING(memoryLimit) { return Napi::Number::New(info.Env(), double(cuda::memory_limit())); }

TF_BINDING(setMatmulPrecision) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) TF_THROW(env, TypeError, "setMatmulPrecision: expected a string");
  std::string p = info[0].As<Napi::String>();
  if (p == "highest") instance(env).matmul_precision = cuda::kPrecisionHighest;
  else if (p == "high" || p == "medium") instance(env).matmul_precision = cuda::kPrecisionHigh;
  else TF_THROW(env, RangeError, "setMatmulPrecision: expected 'highest', 'high' or 'medium', got '" + p + "'");
  return env.Undefined();
}

TF_BINDING(getMatmulPrecision) {
  return Napi::String::New(info.Env(),
                           instance(info.Env()).matmul_precision == cuda::kPrecisionHigh ? "high" : "highest");
}

}  // namespace
}  // namespace tf
