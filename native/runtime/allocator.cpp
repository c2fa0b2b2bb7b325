#include "allocator.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace tf {

// Classes: multiples of 64 bytes up to 1 KiB, then 8 steps per power of two (waste < 12.5%);
// every class is a multiple of 64, and from kMmapBytes on a multiple of the 4 KiB page.
size_t CpuAllocator::size_class(size_t n) {
  if (n <= 1024) return n == 0 ? 64 : (n + 63) & ~size_t(63);
  int hb = 63 - __builtin_clzll(n - 1);  // n-1 < 2^(hb+1)
  size_t step = size_t(1) << (hb - 3);
  return (n + step - 1) / step * step;
}

int64_t CpuAllocator::default_cache_limit() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  int64_t phys = pages > 0 && page > 0 ? int64_t(pages) * page : int64_t(8) << 30;
  return std::min(phys / 8, int64_t(2) << 30);
}

void* CpuAllocator::os_alloc(size_t bytes) {
  if (bytes < kMmapBytes) return std::aligned_alloc(64, bytes);
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

void CpuAllocator::os_free(void* p, size_t bytes) {
  if (bytes < kMmapBytes) std::free(p);
  else munmap(p, bytes);
}

CpuAllocator::CpuAllocator() { stats_.limit_bytes = default_cache_limit(); }

CpuAllocator::~CpuAllocator() { empty_cache(); }

void* CpuAllocator::allocate(size_t nbytes, size_t* block_bytes, int64_t* os_bytes) {
  const size_t cls = size_class(nbytes);
  *os_bytes = 0;
  int64_t recycled = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // NOTE: best fit among cached blocks no more than 25% larger than the class: waste stays
    // bounded, and a block is not kept busy by a request far smaller than it.
    auto it = free_.lower_bound(cls);
    if (it != free_.end() && (it->first <= cls + cls / kMaxOversize || cls >= kMmapBytes)) {
      const size_t got = it->first;
      void* p = it->second;
      free_.erase(it);
      stats_.cached_bytes -= int64_t(got);
      // NOTE: a larger mapped block is split: its tail goes back to the OS (munmap of whole
      // pages), its head, already faulted in, serves the request (PyTorch's allocator splits
      // and keeps the remainder; returning it keeps the cache from holding odd leftovers).
      size_t keep = got;
      if (got > cls + cls / kMaxOversize) {
        munmap(static_cast<char*>(p) + cls, got - cls);
        keep = cls;
        *os_bytes = -int64_t(got - cls);
        stats_.os_frees += 1;
      }
      *block_bytes = keep;
      stats_.live_bytes += int64_t(keep);
      stats_.live_blocks += 1;
      return p;
    }
    // NOTE: no cached block can serve a mapped request: cached mapped blocks (all smaller)
    // go back to the OS, largest first, until they make up for the new one, so a change of
    // working set (training -> evaluation) recycles memory instead of adding to it.
    while (cls >= kMmapBytes && recycled < int64_t(cls) && !free_.empty()) {
      auto last = std::prev(free_.end());
      if (last->first < kMmapBytes) break;
      os_free(last->second, last->first);
      recycled += int64_t(last->first);
      stats_.cached_bytes -= int64_t(last->first);
      stats_.os_frees += 1;
      free_.erase(last);
    }
  }
  *os_bytes = -recycled;
  void* p = os_alloc(cls);
  if (!p) {
    // The OS refused: give the cache back and try once more.
    *os_bytes -= empty_cache();
    p = os_alloc(cls);
    if (!p) return nullptr;
  }
  std::lock_guard<std::mutex> lock(mu_);
  *block_bytes = cls;
  *os_bytes += int64_t(cls);
  stats_.os_allocs += 1;
  stats_.live_bytes += int64_t(cls);
  stats_.live_blocks += 1;
  return p;
}

int64_t CpuAllocator::release(void* p, size_t block_bytes) {
  if (!p) return 0;
  std::lock_guard<std::mutex> lock(mu_);
  stats_.live_bytes -= int64_t(block_bytes);
  stats_.live_blocks -= 1;
  // NOTE: a block that does not fit under the limit is freed rather than evicting cached
  // ones: the blocks already cached are the ones a steady loop keeps reusing.
  if (stats_.cached_bytes + int64_t(block_bytes) > stats_.limit_bytes) {
    os_free(p, block_bytes);
    stats_.os_frees += 1;
    return int64_t(block_bytes);
  }
  free_.emplace(block_bytes, p);
  stats_.cached_bytes += int64_t(block_bytes);
  return 0;
}

int64_t CpuAllocator::trim_locked(int64_t target) {
  int64_t freed = 0;
  while (stats_.cached_bytes > target && !free_.empty()) {
    auto it = std::prev(free_.end());  // largest first: fewest blocks to reach the target
    os_free(it->second, it->first);
    freed += int64_t(it->first);
    stats_.cached_bytes -= int64_t(it->first);
    stats_.os_frees += 1;
    free_.erase(it);
  }
  return freed;
}

int64_t CpuAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mu_);
  return trim_locked(0);
}

int64_t CpuAllocator::set_limit(int64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  stats_.limit_bytes = std::max<int64_t>(0, bytes);
  return trim_locked(stats_.limit_bytes);
}

AllocatorStats CpuAllocator::stats() {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace tf
