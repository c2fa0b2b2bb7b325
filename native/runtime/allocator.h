// Caching CPU allocator: 64-byte aligned blocks in size classes (waste <= 12.5%), freed blocks
// kept for reuse (touching freshly mapped pages costs ~0.5 us per page on these VMs) up to a
// cache limit; past the limit a freed block goes back to the OS at once. A cached block up to
// kMaxOversize larger than the request may serve it, so a cache filled at one batch size
// serves the next. Blocks of kMmapBytes or more are mmap()ed and munmap()ed, so returning
// them really lowers RSS (glibc keeps freed heap chunks below its moving mmap threshold); a
// larger cached mapped block serves a smaller request by giving its tail back, and a mapped
// request that nothing cached can serve first returns cached mapped blocks to the OS.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>

namespace tf {

struct AllocatorStats {
  int64_t live_blocks = 0;
  int64_t live_bytes = 0;      // bytes in blocks handed out (rounded to size class)
  int64_t cached_bytes = 0;    // bytes in freed blocks kept for reuse (<= limit_bytes)
  int64_t limit_bytes = 0;     // cache limit (see default_cache_limit)
  int64_t os_allocs = 0;       // blocks obtained from the OS since start
  int64_t os_frees = 0;        // blocks given back to the OS since start
};

class CpuAllocator {
 public:
  static constexpr size_t kMmapBytes = size_t(1) << 20;    // blocks this big are mmap()ed
  // A cached block may serve a request whose class is up to 1/kMaxOversize smaller (25%).
  static constexpr size_t kMaxOversize = 4;

  CpuAllocator();
  ~CpuAllocator();
  // Returns a 64-byte aligned block of at least nbytes (nbytes may be 0), or nullptr when
  // the OS refuses. *block_bytes receives the block's size (pass it back to release);
  // *os_bytes the change in bytes held from the OS (negative when cached blocks were split
  // or given back to serve the request, even if it then failed).
  void* allocate(size_t nbytes, size_t* block_bytes, int64_t* os_bytes);
  // Caches the block, or frees it when the cache would pass its limit; returns the bytes
  // given back to the OS (0 or block_bytes).
  int64_t release(void* p, size_t block_bytes);
  // Frees all cached blocks; returns the bytes given back to the OS.
  int64_t empty_cache();
  // Sets the cache limit (0: cache nothing) and frees cached blocks, largest first, until
  // the cache fits; returns the bytes given back to the OS.
  int64_t set_limit(int64_t bytes);
  AllocatorStats stats();
  static size_t size_class(size_t nbytes);
  // 1/8 of physical memory, at most 2 GiB.
  static int64_t default_cache_limit();

 private:
  static void* os_alloc(size_t bytes);
  static void os_free(void* p, size_t bytes);
  int64_t trim_locked(int64_t target);

  std::mutex mu_;
  std::multimap<size_t, void*> free_;  // cached blocks by size: best fit is lower_bound
  AllocatorStats stats_;
};

}  // namespace tf
