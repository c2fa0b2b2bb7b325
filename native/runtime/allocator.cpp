#include "allocator.h"

#include <cstdlib>

namespace tf {

// Classes: multiples of 64 bytes up to 1 KiB, then 4 steps per power of two (waste <= 25%).
size_t CpuAllocator::size_class(size_t n) {
  if (n <= 1024) return n == 0 ? 64 : (n + 63) & ~size_t(63);
  int hb = 63 - __builtin_clzll(n - 1);  // n-1 < 2^(hb+1)
  size_t step = size_t(1) << (hb - 2);
  return (n + step - 1) / step * step;
}

CpuAllocator::~CpuAllocator() { empty_cache(); }

void* CpuAllocator::allocate(size_t nbytes, size_t* block_bytes, int64_t* os_bytes) {
  size_t cls = size_class(nbytes);
  *block_bytes = cls;
  *os_bytes = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = free_.find(cls);
    if (it != free_.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      stats_.cached_bytes -= static_cast<int64_t>(cls);
      stats_.live_bytes += static_cast<int64_t>(cls);
      stats_.live_blocks += 1;
      return p;
    }
  }
  void* p = std::aligned_alloc(64, cls);
  if (!p) return nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  *os_bytes = static_cast<int64_t>(cls);
  stats_.os_allocs += 1;
  stats_.live_bytes += static_cast<int64_t>(cls);
  stats_.live_blocks += 1;
  return p;
}

void CpuAllocator::release(void* p, size_t block_bytes) {
  if (!p) return;
  std::lock_guard<std::mutex> lock(mu_);
  free_[block_bytes].push_back(p);
  stats_.live_bytes -= static_cast<int64_t>(block_bytes);
  stats_.live_blocks -= 1;
  stats_.cached_bytes += static_cast<int64_t>(block_bytes);
}

int64_t CpuAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t freed = 0;
  for (auto& kv : free_) {
    for (void* p : kv.second) std::free(p);
    freed += static_cast<int64_t>(kv.first * kv.second.size());
  }
  free_.clear();
  stats_.cached_bytes = 0;
  return freed;
}

AllocatorStats CpuAllocator::stats() {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace tf
