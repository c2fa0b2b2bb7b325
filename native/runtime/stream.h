// The CPU execution stream: kernels queued in order by the binding layer (on the JS thread)
// and run by one stream thread, which drives the instance's thread pool exactly as the JS
// thread does in synchronous mode. The CPU counterpart of a CUDA stream: JavaScript returns
// from each op at once; reading a tensor waits for the work that used its storage.
//
// Ordering: one queue, drained in order, so a kernel sees every write queued before it.
// Memory: a storage freed while queued work still uses it is released only after that work
// completes (Instance keeps it pending; see binding/core.cpp), so blocks are never reused
// under a running kernel. Errors: a kernel that throws poisons the storages it writes; a
// later kernel reading a poisoned storage poisons its own outputs instead of running, so
// the error reaches whoever reads a dependent tensor and nothing else.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace tf {

class ThreadPool;

class Stream {
 public:
  static constexpr int kMaxStorages = 24;
  struct Task {
    std::function<void()> fn;
    const char* op = "";
    // Base pointers of every storage the kernel touches; the first `nout` are written.
    void* storages[kMaxStorages];
    int nstorage = 0, nout = 0;
    bool fault = false;  // fault injection (tests): throw instead of running fn
    // A kernel of 0.1 ms or more on every pool thread: while one is queued, wait()
    // sleeps at once instead of spinning first (a spinning waiter takes a core from it).
    bool long_running = false;
  };

  // `capacity`: queued tasks beyond which enqueue blocks the caller (backpressure).
  explicit Stream(ThreadPool* pool, size_t capacity);
  ~Stream();
  // Finishes the running task, drops the rest, joins the thread, releases every waiter.
  // After it, enqueue and wait return at once.
  void shutdown();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Queues a task; returns its sequence number (1, 2, ...). Blocks while the queue is full.
  uint64_t enqueue(Task&& task);
  // Blocks until every task up to `seq` has run (seq 0: returns at once).
  void wait(uint64_t seq);
  void wait_all() { wait(enqueued_); }
  uint64_t enqueued() const { return enqueued_; }
  uint64_t completed() const { return completed_.load(std::memory_order_acquire); }
  size_t queued() const { return size_t(enqueued_ - completed()); }
  // Called on the stream thread once `completed()` reaches the sequence number last given to
  // notify_at (coalesced: again only after rearm()). For promise waiters (binding/stream.cpp).
  void set_notifier(std::function<void()> fn) { notifier_ = std::move(fn); }
  // Asks for a notification when completed() >= seq; returns true if it already is (the
  // caller handles it; no notification comes for it).
  bool notify_at(uint64_t seq);
  // The notifier ran: allows the next one.
  void rearm() { notify_sent_.store(false, std::memory_order_seq_cst); }
  // Only with the stream idle (after wait_all): the pool kernels run on.
  void set_pool(ThreadPool* pool) { pool_ = pool; }

  // The error of a poisoned storage ("" when it is fine). Safe from any thread.
  std::string poison_of(void* storage) const;
  // Forgets a storage's poison (its block is being released).
  void clear_poison(void* storage);
  bool any_poison() const { return npoison_.load(std::memory_order_acquire) > 0; }

 private:
  void loop();
  void run_task(Task& t);
  void poison(const Task& t, const std::shared_ptr<const std::string>& err);

  ThreadPool* pool_;
  const size_t capacity_;
  std::atomic<int> long_queued_{0};  // queued or running tasks with long_running set
  std::deque<Task> queue_;
  mutable std::mutex mu_;
  std::condition_variable has_work_, has_room_, done_;
  std::atomic<size_t> size_{0};  // queue_.size(), readable without the lock
  std::atomic<bool> sleeping_{false};
  std::atomic<int> waiters_{0};
  bool stop_ = false;
  uint64_t enqueued_ = 0;  // JS thread only
  std::atomic<uint64_t> completed_{0};
  std::function<void()> notifier_;
  std::atomic<uint64_t> notify_at_{UINT64_MAX};
  std::atomic<bool> notify_sent_{false};

  mutable std::mutex poison_mu_;
  std::unordered_map<void*, std::shared_ptr<const std::string>> poisoned_;
  std::atomic<int64_t> npoison_{0};

  std::thread thread_;  // last: starts after everything above is initialised
};

}  // namespace tf
