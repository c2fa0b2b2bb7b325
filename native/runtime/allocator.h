// Caching CPU allocator: 64-byte aligned blocks in size classes, freed blocks kept for
// reuse (touching freshly mapped pages costs ~0.5 us per page on these VMs), released to
// the OS only by empty_cache() or when the owning environment goes away.
#pragma once
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace tf {

struct AllocatorStats {
  int64_t live_blocks = 0;
  int64_t live_bytes = 0;      // bytes in blocks handed out (rounded to size class)
  int64_t cached_bytes = 0;    // bytes in freed blocks kept for reuse
  int64_t os_allocs = 0;       // blocks obtained from the OS since start
};

class CpuAllocator {
 public:
  ~CpuAllocator();
  // Returns a 64-byte aligned block of at least nbytes (nbytes may be 0), or nullptr when
  // the OS refuses. *os_bytes receives how many bytes were newly obtained from the OS.
  void* allocate(size_t nbytes, size_t* block_bytes, int64_t* os_bytes);
  void release(void* p, size_t block_bytes);
  // Frees all cached blocks; returns the bytes given back to the OS.
  int64_t empty_cache();
  AllocatorStats stats();
  static size_t size_class(size_t nbytes);

 private:
  std::mutex mu_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  AllocatorStats stats_;
};

}  // namespace tf
