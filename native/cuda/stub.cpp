// The CUDA layer of an addon built without CUDA (the CPU addon): the same interface as
// device.h and kernels.h, answering "not built with CUDA". The bindings are compiled
// unchanged against it; since no CUDA storage can be allocated here, none of the kernel
// stubs (inline in kernels.h) is ever reached. Not compiled into tensorforge_cuda.node.
#include "cuda/device.h"

namespace tf {
namespace cuda {

void not_built() { throw CudaError("not built with CUDA (this is the CPU addon; build tensorforge_cuda.node with `npm run build:cuda`)"); }

const DriverStatus& driver_status() {
  static const DriverStatus st = [] {
    DriverStatus s;
    s.reason = "not built with CUDA";
    return s;
  }();
  return st;
}
std::string version_string(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }
bool device_info(int, std::string*, int*, int*) { return false; }
int device_count() { return 0; }
Device& device(int) { not_built(); }
void set_memory_limit(int64_t) { not_built(); }
int64_t memory_limit() { return 0; }

void* DeviceAllocator::allocate(size_t, size_t*) { not_built(); }
void DeviceAllocator::release(void*, size_t) {}
int64_t DeviceAllocator::empty_cache() { return 0; }
DeviceMemoryStats DeviceAllocator::stats() { not_built(); }
void Device::activate() const { not_built(); }
void Device::synchronize() { not_built(); }
void Device::copy_to_device(void*, const void*, size_t) { not_built(); }
void Device::copy_to_host(void*, const void*, size_t) { not_built(); }
void Device::copy_on_device(void*, const void*, size_t) { not_built(); }

}  // namespace cuda
}  // namespace tf
