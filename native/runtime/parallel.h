// Fork-join parallelism for kernels. Kernels call tf::parallel_for; the binding layer
// installs the calling environment's thread pool for the duration of the call
// (ScopedPool), so kernels stay free of N-API and per-instance state.
#pragma once
#include <cstdint>
#include <functional>

namespace tf {

class ThreadPool;

// Runs fn(begin, end) over [0, n) split into contiguous chunks. Runs serially when
// n < grain * 2, when no pool is installed, or when called from inside a pool task.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

// Number of threads parallel_for would use right now (1 if no pool is installed).
int current_num_threads();

struct ScopedPool {
  explicit ScopedPool(ThreadPool* pool);
  ~ScopedPool();
  ThreadPool* prev;
};

}  // namespace tf
