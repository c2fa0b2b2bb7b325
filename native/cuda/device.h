// CUDA runtime layer (plain C++ interface, no CUDA headers): the driver check, one stream
// per device, the caching device allocator and pinned staging for host<->device copies.
// Device state is process-wide (a CUDA context is); every Node environment shares it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "cuda/kernels.h"

namespace tf {
namespace cuda {

// A CUDA API failure (message holds the CUDA error string) or an out-of-memory refusal.
struct CudaError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct CudaOutOfMemory : CudaError {
  using CudaError::CudaError;
};

struct DriverStatus {
  bool ok = false;
  std::string reason;       // why CUDA is off ("no CUDA driver", "driver too old: ...", ...)
  int driver_version = 0;   // e.g. 13000 for 13.0; 0 when no driver
  int runtime_version = 0;  // the statically linked runtime's version
  int device_count = 0;
};
// Probes once (never throws, never aborts) and caches the answer.
const DriverStatus& driver_status();
std::string version_string(int v);  // 13000 -> "13.0"

struct DeviceMemoryStats {
  int64_t live_bytes = 0;     // bytes in blocks handed out (rounded to size class)
  int64_t cached_bytes = 0;   // bytes in freed blocks kept for reuse
  int64_t reserved_bytes = 0; // live + cached: what this process holds from cudaMalloc
  int64_t peak_reserved_bytes = 0;
  int64_t limit_bytes = 0;    // 0 = no cap
  int64_t device_free_bytes = 0, device_total_bytes = 0;
  int64_t mallocs = 0;        // cudaMalloc calls since start
};

// Caching allocator: size-class free lists, one allocator per device bound to that device's
// stream. Every op enqueues on that one stream, so a block released while kernels using it
// are still queued is safe to hand out again at once: the next user is ordered after them.
// NOTE: work on a second stream would need record-stream events before reuse (not yet used).
class DeviceAllocator {
 public:
  DeviceAllocator(int device, Stream stream);
  // Throws CudaOutOfMemory naming the requested and free bytes.
  void* allocate(size_t nbytes, size_t* block_bytes);
  void release(void* p, size_t block_bytes);  // never throws
  int64_t empty_cache();                      // cudaFree of every cached block; bytes freed
  DeviceMemoryStats stats();
  void set_limit(int64_t bytes);              // 0 removes the cap
  static size_t size_class(size_t nbytes);

 private:
  void* malloc_or_throw(size_t cls);
  int64_t empty_cache_locked();
  int device_;
  Stream stream_;
  std::mutex mu_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  DeviceMemoryStats st_;
};

// One CUDA device: its stream, allocator and pinned staging buffers.
class Device {
 public:
  explicit Device(int index);
  int index() const { return index_; }
  Stream stream() const { return stream_; }
  DeviceAllocator& allocator() { return *alloc_; }
  void activate() const;  // cudaSetDevice(index)
  // Host->device (asynchronous past the staging copy) and device->host (synchronizes).
  void copy_to_device(void* dst, const void* src, size_t n);
  void copy_to_host(void* dst, const void* src, size_t n);
  void copy_on_device(void* dst, const void* src, size_t n);  // asynchronous, on the stream
  void synchronize();
  std::string name() const { return name_; }
  int sm_major() const { return major_; }
  int sm_minor() const { return minor_; }

 private:
  int index_;
  Stream stream_ = nullptr;
  std::unique_ptr<DeviceAllocator> alloc_;
  std::mutex copy_mu_;
  static constexpr int kStaging = 2;           // double-buffered
  static constexpr size_t kStagingBytes = 8 << 20;
  void* staging_[kStaging] = {};
  void* staging_event_[kStaging] = {};         // cudaEvent_t
  std::string name_;
  int major_ = 0, minor_ = 0;
};

// Temporary device memory for one call (an op's intermediate buffer), from the device's
// caching allocator; float-typed since every user so far needs floats.
// NOTE: released when the call returns while kernels using it may still be queued: safe,
// since every op of a device runs on its one stream (see DeviceAllocator).
class Scratch {
 public:
  Scratch(DeviceAllocator& alloc, size_t floats) : alloc_(alloc) {
    p_ = static_cast<float*>(alloc_.allocate(floats * sizeof(float), &block_));
  }
  ~Scratch() { alloc_.release(p_, block_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  float* get() const { return p_; }

 private:
  DeviceAllocator& alloc_;
  float* p_ = nullptr;
  size_t block_ = 0;
};

// Name and compute capability without creating a context or stream; false on error.
bool device_info(int index, std::string* name, int* major, int* minor);

// The device table; throws CudaError when CUDA is off or the index is out of range.
Device& device(int index);
int device_count();

// Process-wide settings.
void set_memory_limit(int64_t bytes);  // all devices; env TENSORFORGE_CUDA_MEMORY_LIMIT at start
int64_t memory_limit();

}  // namespace cuda
}  // namespace tf
