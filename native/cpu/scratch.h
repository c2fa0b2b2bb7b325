// Grow-only, 64-byte aligned, thread-local float buffers for kernel temporaries (packed GEMM
// panels, im2col tiles, Winograd planes). Each Tag (a type private to the calling file) owns
// kSlots independent buffers, so two files never hand out the same memory however their
// calls nest; within one Tag, a slot's contents are valid until that slot is asked for again.
#pragma once
#include <cstdint>
#include <vector>

namespace tf {
namespace cpu {

template <typename Tag, int kSlots>
float* thread_scratch(int slot, int64_t n) {
  thread_local std::vector<float> buf[kSlots];
  std::vector<float>& v = buf[slot];
  if (int64_t(v.size()) < n + 16) v.resize(size_t(n + 16));
  const uintptr_t p = reinterpret_cast<uintptr_t>(v.data());
  return reinterpret_cast<float*>((p + 63) & ~uintptr_t(63));
}

}  // namespace cpu
}  // namespace tf
