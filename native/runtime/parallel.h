// Fork-join parallelism for kernels. Kernels call tf::parallel_for; the binding layer
// installs the calling environment's thread pool for the duration of the call
// (ScopedPool), so kernels stay free of N-API and per-instance state.
#pragma once
#include <cstdint>
#include <functional>

namespace tf {

class ThreadPool;

// Chunks per pool thread when work is split for dynamic assignment (parallel_for here, the
// GEMM's column and row chunks): a descheduled thread then holds up one small chunk.
constexpr int kChunksPerThread = 4;

// Runs fn(begin, end) over [0, n) split into contiguous chunks of at least `grain` (up to
// kChunksPerThread per thread, taken dynamically). Runs serially when n < grain * 2, when no pool is
// installed, or when called from inside a pool task.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

// Runs fn(begin, end) over [0, n) in chunks of `chunk` (the last one shorter), handed out
// one at a time from an atomic counter to whichever pool thread is free: with several
// chunks per thread, a thread the OS deschedules delays only the chunk it holds, and the
// others finish the rest. Serial (one fn(0, n) call) when there is one chunk, no pool, or
// when called from inside a pool task.
void parallel_for_chunks(int64_t n, int64_t chunk, const std::function<void(int64_t, int64_t)>& fn);

// Number of threads parallel_for would use right now (1 if no pool is installed).
int current_num_threads();

struct ScopedPool {
  explicit ScopedPool(ThreadPool* pool);
  ~ScopedPool();
  ThreadPool* prev;
};

}  // namespace tf
