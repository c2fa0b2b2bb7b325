// Driver check, device table, caching allocator and pinned staging (see device.h).
#include <cuda_runtime.h>

#include <cstdlib>
#include <cstring>

#include "cuda/common.cuh"
#include "cuda/device.h"

namespace tf {
namespace cuda {

void throw_cuda_error(cudaError_t err, const char* what, const char* file, int line) {
  const char* base = std::strrchr(file, '/');
  throw CudaError(std::string("CUDA error: ") + cudaGetErrorString(err) + " (" + cudaGetErrorName(err) +
                  ") in " + what + " at " + (base ? base + 1 : file) + ":" + std::to_string(line));
}

std::string version_string(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }

namespace {

DriverStatus probe() {
  DriverStatus st;
  cudaRuntimeGetVersion(&st.runtime_version);
  if (cudaDriverGetVersion(&st.driver_version) != cudaSuccess || st.driver_version == 0) {
    cudaGetLastError();
    st.reason = "no CUDA driver (libcuda.so.1 was not found or could not be loaded)";
    return st;
  }
  // NOTE: minor-version compatibility: a 13.x runtime runs on any 13.y driver.
  const int need = st.runtime_version / 1000 * 1000;
  if (st.driver_version < need) {
    st.reason = "driver too old: found " + version_string(st.driver_version) + ", need " +
                version_string(need) + " (the addon was built with CUDA " +
                version_string(st.runtime_version) + ")";
    return st;
  }
  cudaError_t err = cudaGetDeviceCount(&st.device_count);
  if (err != cudaSuccess) {
    cudaGetLastError();
    st.device_count = 0;
    st.reason = err == cudaErrorNoDevice ? "no CUDA device"
                                         : std::string("cannot enumerate CUDA devices: ") + cudaGetErrorString(err);
    return st;
  }
  if (st.device_count == 0) {
    st.reason = "no CUDA device";
    return st;
  }
  st.ok = true;
  return st;
}

// "4294967296", "4G", "512M", "1.5g" -> bytes; -1 when malformed.
int64_t parse_bytes(const char* s) {
  char* end = nullptr;
  double v = std::strtod(s, &end);
  if (end == s || !(v >= 0)) return -1;
  double mul = 1;
  switch (*end) {
    case 'k': case 'K': mul = 1024.0; ++end; break;
    case 'm': case 'M': mul = 1024.0 * 1024; ++end; break;
    case 'g': case 'G': mul = 1024.0 * 1024 * 1024; ++end; break;
    case 't': case 'T': mul = 1024.0 * 1024 * 1024 * 1024; ++end; break;
    default: break;
  }
  if (*end == 'b' || *end == 'B') ++end;
  if (*end != 0) return -1;
  return int64_t(v * mul);
}

std::mutex g_mu;
int64_t g_limit = [] {
  const char* e = std::getenv("TENSORFORGE_CUDA_MEMORY_LIMIT");
  int64_t v = e ? parse_bytes(e) : 0;
  return v > 0 ? v : 0;
}();
std::vector<Device*>* g_devices = nullptr;  // NOTE: leaked on purpose: no teardown at exit

}  // namespace

const DriverStatus& driver_status() {
  static const DriverStatus st = probe();
  return st;
}

// ---- DeviceAllocator ------------------------------------------------------------------------

// Classes: multiples of 512 bytes up to 1 MiB, then 4 steps per power of two (waste <= 25%).
size_t DeviceAllocator::size_class(size_t n) {
  if (n <= (size_t(1) << 20)) return n == 0 ? 512 : (n + 511) & ~size_t(511);
  int hb = 63 - __builtin_clzll(n - 1);
  size_t step = size_t(1) << (hb - 2);
  return (n + step - 1) / step * step;
}

DeviceAllocator::DeviceAllocator(int device, Stream stream) : device_(device), stream_(stream) {}

int64_t DeviceAllocator::empty_cache_locked() {
  int64_t freed = 0;
  if (st_.cached_bytes == 0) return 0;
  cudaSetDevice(device_);
  cudaStreamSynchronize(stream_);
  for (auto& kv : free_) {
    for (void* p : kv.second) cudaFree(p);
    freed += int64_t(kv.first * kv.second.size());
  }
  free_.clear();
  st_.cached_bytes = 0;
  st_.reserved_bytes -= freed;
  return freed;
}

void* DeviceAllocator::malloc_or_throw(size_t cls) {
  auto oom = [&](const std::string& why) {
    size_t fr = 0, tot = 0;
    cudaMemGetInfo(&fr, &tot);
    cudaGetLastError();
    throw CudaOutOfMemory("CUDA out of memory on cuda:" + std::to_string(device_) + ": requested " +
                          std::to_string(cls) + " bytes, " + std::to_string(fr) + " bytes free of " +
                          std::to_string(tot) + "; " + why + "; this process holds " +
                          std::to_string(st_.reserved_bytes) + " bytes (" + std::to_string(st_.live_bytes) +
                          " in live tensors)");
  };
  if (st_.limit_bytes > 0 && st_.reserved_bytes + int64_t(cls) > st_.limit_bytes) {
    empty_cache_locked();
    if (st_.reserved_bytes + int64_t(cls) > st_.limit_bytes)
      oom("the memory limit is " + std::to_string(st_.limit_bytes) +
          " bytes (cuda.setMemoryLimit / TENSORFORGE_CUDA_MEMORY_LIMIT)");
  }
  CUDA_CHECK(cudaSetDevice(device_));
  void* p = nullptr;
  cudaError_t err = cudaMalloc(&p, cls);
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    empty_cache_locked();
    err = cudaMalloc(&p, cls);
    if (err == cudaErrorMemoryAllocation) oom("cudaMalloc failed");
  }
  if (err != cudaSuccess) throw_cuda_error(err, "cudaMalloc", __FILE__, __LINE__);
  st_.mallocs += 1;
  st_.reserved_bytes += int64_t(cls);
  if (st_.reserved_bytes > st_.peak_reserved_bytes) st_.peak_reserved_bytes = st_.reserved_bytes;
  return p;
}

void* DeviceAllocator::allocate(size_t nbytes, size_t* block_bytes) {
  size_t cls = size_class(nbytes);
  *block_bytes = cls;
  std::lock_guard<std::mutex> lock(mu_);
  void* p = nullptr;
  auto it = free_.find(cls);
  if (it != free_.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
    st_.cached_bytes -= int64_t(cls);
  } else {
    p = malloc_or_throw(cls);
  }
  st_.live_bytes += int64_t(cls);
  return p;
}

void DeviceAllocator::release(void* p, size_t block_bytes) {
  if (!p) return;
  std::lock_guard<std::mutex> lock(mu_);
  free_[block_bytes].push_back(p);
  st_.live_bytes -= int64_t(block_bytes);
  st_.cached_bytes += int64_t(block_bytes);
  if (st_.limit_bytes > 0 && st_.reserved_bytes > st_.limit_bytes) empty_cache_locked();
}

int64_t DeviceAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mu_);
  return empty_cache_locked();
}

DeviceMemoryStats DeviceAllocator::stats() {
  std::lock_guard<std::mutex> lock(mu_);
  DeviceMemoryStats s = st_;
  size_t fr = 0, tot = 0;
  if (cudaSetDevice(device_) == cudaSuccess && cudaMemGetInfo(&fr, &tot) == cudaSuccess) {
    s.device_free_bytes = int64_t(fr);
    s.device_total_bytes = int64_t(tot);
  }
  cudaGetLastError();
  return s;
}

void DeviceAllocator::set_limit(int64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  st_.limit_bytes = bytes;
  if (bytes > 0 && st_.reserved_bytes > bytes) empty_cache_locked();
}

// ---- Device ------------------------------------------------------------------------------

Device::Device(int index) : index_(index) {
  CUDA_CHECK(cudaSetDevice(index));
  cudaDeviceProp prop;
  CUDA_CHECK(cudaGetDeviceProperties(&prop, index));
  name_ = prop.name;
  major_ = prop.major;
  minor_ = prop.minor;
  cudaStream_t st;
  CUDA_CHECK(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
  stream_ = st;
  alloc_ = std::make_unique<DeviceAllocator>(index, stream_);
}

void Device::activate() const { CUDA_CHECK(cudaSetDevice(index_)); }

void Device::synchronize() {
  activate();
  CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void Device::copy_to_device(void* dst, const void* src, size_t n) {
  if (n == 0) return;
  std::lock_guard<std::mutex> lock(copy_mu_);
  activate();
  for (int k = 0; k < kStaging; ++k) {
    if (!staging_[k]) {
      CUDA_CHECK(cudaHostAlloc(&staging_[k], kStagingBytes, cudaHostAllocPortable));
      cudaEvent_t ev;
      CUDA_CHECK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming));
      staging_event_[k] = ev;
    }
  }
  size_t off = 0;
  for (int k = 0; off < n; k ^= 1) {
    size_t len = n - off < kStagingBytes ? n - off : kStagingBytes;
    auto ev = static_cast<cudaEvent_t>(staging_event_[k]);
    CUDA_CHECK(cudaEventSynchronize(ev));  // the copy that last used this buffer is done
    std::memcpy(staging_[k], static_cast<const char*>(src) + off, len);
    CUDA_CHECK(cudaMemcpyAsync(static_cast<char*>(dst) + off, staging_[k], len, cudaMemcpyHostToDevice, stream_));
    CUDA_CHECK(cudaEventRecord(ev, stream_));
    off += len;
  }
}

void Device::copy_to_host(void* dst, const void* src, size_t n) {
  if (n == 0) {
    synchronize();
    return;
  }
  std::lock_guard<std::mutex> lock(copy_mu_);
  activate();
  for (int k = 0; k < kStaging; ++k) {
    if (!staging_[k]) {
      CUDA_CHECK(cudaHostAlloc(&staging_[k], kStagingBytes, cudaHostAllocPortable));
      cudaEvent_t ev;
      CUDA_CHECK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming));
      staging_event_[k] = ev;
    }
  }
  // Double-buffered: chunk i+1 copies into one buffer while chunk i is memcpy'd out.
  auto issue = [&](size_t off, int k) {
    size_t len = n - off < kStagingBytes ? n - off : kStagingBytes;
    CUDA_CHECK(cudaMemcpyAsync(staging_[k], static_cast<const char*>(src) + off, len, cudaMemcpyDeviceToHost, stream_));
    CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(staging_event_[k]), stream_));
    return len;
  };
  size_t off = 0, len = issue(0, 0);
  for (int k = 0; off < n; k ^= 1) {
    size_t next = off + len, next_len = 0;
    if (next < n) next_len = issue(next, k ^ 1);
    CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(staging_event_[k])));
    std::memcpy(static_cast<char*>(dst) + off, staging_[k], len);
    off = next;
    len = next_len;
  }
}

void Device::copy_on_device(void* dst, const void* src, size_t n) {
  if (n == 0) return;
  activate();
  CUDA_CHECK(cudaMemcpyAsync(dst, src, n, cudaMemcpyDeviceToDevice, stream_));
}

// ---- table and settings ------------------------------------------------------------------

bool device_info(int index, std::string* name, int* major, int* minor) {
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, index) != cudaSuccess) {
    cudaGetLastError();
    return false;
  }
  *name = prop.name;
  *major = prop.major;
  *minor = prop.minor;
  return true;
}

int device_count() {
  const DriverStatus& st = driver_status();
  return st.ok ? st.device_count : 0;
}

Device& device(int index) {
  const DriverStatus& st = driver_status();
  if (!st.ok) throw CudaError("CUDA is not available: " + st.reason);
  if (index < 0 || index >= st.device_count)
    throw CudaError("cuda:" + std::to_string(index) + " does not exist (" + std::to_string(st.device_count) +
                    " CUDA device" + (st.device_count == 1 ? "" : "s") + ")");
  std::lock_guard<std::mutex> lock(g_mu);
  if (!g_devices) g_devices = new std::vector<Device*>(size_t(st.device_count), nullptr);
  Device*& d = (*g_devices)[size_t(index)];
  if (!d) {
    d = new Device(index);
    d->allocator().set_limit(g_limit);
  }
  return *d;
}

void set_memory_limit(int64_t bytes) {
  std::vector<Device*> devs;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    g_limit = bytes > 0 ? bytes : 0;
    if (g_devices) devs = *g_devices;
  }
  for (Device* d : devs)
    if (d) d->allocator().set_limit(bytes > 0 ? bytes : 0);
}

int64_t memory_limit() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_limit;
}

}  // namespace cuda
}  // namespace tf
