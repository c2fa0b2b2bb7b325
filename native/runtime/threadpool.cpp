#include "threadpool.h"

#include <cstdlib>
#include <thread>

#include "parallel.h"

namespace tf {

namespace {
thread_local ThreadPool* t_pool = nullptr;
thread_local bool t_in_task = false;
// NOTE: workers spin this many iterations before sleeping: training steps issue many
// small parallel ops back to back, and a futex wake costs tens of microseconds. `pause`
// is ~65 cycles on Zen, so 2,000 spins are ~40 us; 20,000 (~0.4 ms) burnt 17% of an MLP
// profile on a loaded 2-core machine (bench helper's perf record).
constexpr int kSpinIters = 2000;
}  // namespace

int default_num_threads() {
  if (const char* env = std::getenv("TENSORFORGE_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n >= 1 && n <= 1024) return n;
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

ThreadPool::ThreadPool(int num_threads) : num_threads_(num_threads < 1 ? 1 : num_threads) {
  for (int i = 1; i < num_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    generation_.fetch_add(1);
  }
  cv_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::run(int num_tasks, const std::function<void(int)>& task) {
  if (num_tasks <= 0) return;
  if (num_tasks == 1 || workers_.empty()) {
    for (int i = 0; i < num_tasks; ++i) task(i);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    task_ = &task;
    num_tasks_ = num_tasks;
    next_task_.store(0);
    pending_.store(num_tasks);
    generation_.fetch_add(1, std::memory_order_release);
  }
  cv_.notify_all();
  t_in_task = true;
  for (int i; (i = next_task_.fetch_add(1)) < num_tasks;) {
    task(i);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
  t_in_task = false;
  // NOTE: spin briefly for the workers' last tasks, then yield: when another process holds
  // a core, the worker that took a task may be waiting for this very core, and spinning
  // would keep it off for a whole time slice.
  for (int spins = 0; pending_.load(std::memory_order_acquire) != 0; ++spins) {
    if (spins < kSpinIters) {
#if defined(__x86_64__)
      __builtin_ia32_pause();
#endif
    } else {
      std::this_thread::yield();
    }
  }
  {
    // NOTE: clear the task under the lock, then wait for workers that already took it
    // to leave their loop, so none can run a stale task with the next call's indices.
    std::lock_guard<std::mutex> lock(mu_);
    task_ = nullptr;
  }
  while (active_.load(std::memory_order_acquire) != 0) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
  }
}

void ThreadPool::worker_loop(int /*id*/) {
  uint64_t seen = 0;
  t_in_task = true;
  for (;;) {
    int spins = 0;
    while (generation_.load(std::memory_order_acquire) == seen && spins < kSpinIters) {
#if defined(__x86_64__)
      __builtin_ia32_pause();
#endif
      ++spins;
    }
    const std::function<void(int)>* task = nullptr;
    int n = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || generation_.load() != seen; });
      if (stop_) return;
      seen = generation_.load();
      task = task_;
      n = num_tasks_;
      if (task) active_.fetch_add(1);
    }
    if (!task) continue;
    for (int i; (i = next_task_.fetch_add(1)) < n;) {
      (*task)(i);
      pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
    active_.fetch_sub(1, std::memory_order_release);
  }
}

ScopedPool::ScopedPool(ThreadPool* pool) : prev(t_pool) { t_pool = pool; }
ScopedPool::~ScopedPool() { t_pool = prev; }

int current_num_threads() { return (t_pool && !t_in_task) ? t_pool->num_threads() : 1; }

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  int threads = current_num_threads();
  int64_t max_chunks = n / grain;
  if (threads <= 1 || max_chunks < 2) {
    fn(0, n);
    return;
  }
  // NOTE: up to kChunksPerThread chunks per thread, handed out dynamically (ThreadPool::run's
  // atomic counter): a thread the OS deschedules (another process on its core) then delays
  // one small chunk while the others take the rest, instead of half the op. Boundaries depend
  // only on n, grain and the thread count, so results do not vary from run to run.
  const int64_t want = int64_t(threads) * kChunksPerThread;
  int chunks = static_cast<int>(max_chunks < want ? max_chunks : want);
  int64_t per = (n + chunks - 1) / chunks;
  t_pool->run(chunks, [&](int i) {
    int64_t b = i * per, e = b + per < n ? b + per : n;
    if (b < e) fn(b, e);
  });
}

void parallel_for_chunks(int64_t n, int64_t chunk, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  if (chunk < 1) chunk = 1;
  const int64_t chunks = (n + chunk - 1) / chunk;
  if (current_num_threads() <= 1 || chunks < 2) {
    fn(0, n);
    return;
  }
  // NOTE: ThreadPool::run hands task indices out from one atomic counter (next_task_), so
  // the chunks are assigned dynamically in order.
  t_pool->run(static_cast<int>(chunks), [&](int i) {
    const int64_t b = i * chunk, e = b + chunk < n ? b + chunk : n;
    fn(b, e);
  });
}

}  // namespace tf
