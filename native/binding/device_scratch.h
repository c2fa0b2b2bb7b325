// Temporary device memory for a binding that needs an intermediate buffer on CUDA (a loss's
// per-row values, an RNN's projections), from the device's caching allocator.
#pragma once
#include <cstddef>

#include "cuda/device.h"
#include "tensorforge/view.h"

namespace tf {

// NOTE: released when the binding returns, while kernels using it may still be queued: safe,
// since every op of a device runs on its one stream (cuda/device.h DeviceAllocator).
class DeviceScratch {
 public:
  DeviceScratch(int device, size_t nbytes) : alloc_(cuda::device(device).allocator()) {
    ptr_ = alloc_.allocate(nbytes, &block_);
  }
  ~DeviceScratch() { alloc_.release(ptr_, block_); }
  DeviceScratch(const DeviceScratch&) = delete;
  DeviceScratch& operator=(const DeviceScratch&) = delete;
  float* f32() const { return static_cast<float*>(ptr_); }

 private:
  cuda::DeviceAllocator& alloc_;
  void* ptr_ = nullptr;
  size_t block_ = 0;
};

// A contiguous float32 view over n elements at p (strides 1), or with stride 0 (every element
// reads p[0]) when broadcast is true.
inline TensorView vector_view(float* p, int64_t n, bool broadcast = false) {
  TensorView v;
  v.data = p;
  v.ndim = 1;
  v.shape[0] = n;
  v.strides[0] = broadcast ? 0 : 1;
  return v;
}

}  // namespace tf
