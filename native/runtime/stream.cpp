#include "stream.h"

#include <exception>
#include <new>
#include <stdexcept>

#include "parallel.h"

namespace tf {

namespace {
// NOTE: the stream thread spins this long for the next task before sleeping: ops arrive
// microseconds apart during a training step, and a futex wake on every one would cost more
// than the small kernels themselves (the same trade as the thread pool's kSpinIters).
constexpr int kSpinIters = 4000;
}  // namespace

Stream::Stream(ThreadPool* pool, size_t capacity)
    : pool_(pool), capacity_(capacity < 1 ? 1 : capacity), thread_([this] { loop(); }) {}

Stream::~Stream() { shutdown(); }

void Stream::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    stop_ = true;
    queue_.clear();
    size_.store(0, std::memory_order_release);
    long_queued_.store(0, std::memory_order_release);
  }
  has_work_.notify_all();
  has_room_.notify_all();
  thread_.join();
  // Nothing queued will run: release anyone waiting for it.
  completed_.store(enqueued_, std::memory_order_release);
  { std::lock_guard<std::mutex> lock(mu_); }
  done_.notify_all();
}

uint64_t Stream::enqueue(Task&& task) {
  std::unique_lock<std::mutex> lock(mu_);
  if (queue_.size() >= capacity_) has_room_.wait(lock, [&] { return queue_.size() < capacity_ || stop_; });
  if (stop_) {  // shut down: nothing runs any more
    completed_.store(++enqueued_, std::memory_order_release);
    return enqueued_;
  }
  if (task.long_running) long_queued_.fetch_add(1, std::memory_order_acq_rel);
  queue_.push_back(std::move(task));
  size_.store(queue_.size(), std::memory_order_release);
  const uint64_t seq = ++enqueued_;
  const bool wake = sleeping_.load(std::memory_order_acquire);
  lock.unlock();
  if (wake) has_work_.notify_one();
  return seq;
}

void Stream::wait(uint64_t seq) {
  if (completed() >= seq) return;
  // A short spin first: reads right after a small op are common. Not behind a long kernel:
  // it runs on every pool thread, and on a machine with as many cores as pool threads the
  // spin takes one of them for its ~0.1 ms (tf.matmul n=512, 2 threads on 2 cores: 1-4%
  // in interleaved runs).
  const int spins = long_queued_.load(std::memory_order_acquire) > 0 ? 0 : kSpinIters;
  for (int i = 0; i < spins; ++i) {
    if (completed() >= seq) return;
    __builtin_ia32_pause();
  }
  waiters_.fetch_add(1, std::memory_order_acq_rel);
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [&] { return completed() >= seq || stop_; });
  waiters_.fetch_sub(1, std::memory_order_acq_rel);
}

void Stream::loop() {
  for (;;) {
    Task task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (queue_.empty() && !stop_) {
        lock.unlock();
        for (int i = 0; i < kSpinIters; ++i) {
          __builtin_ia32_pause();
          if (size_.load(std::memory_order_acquire) > 0) break;
        }
        lock.lock();
        sleeping_.store(true, std::memory_order_release);
        has_work_.wait(lock, [&] { return !queue_.empty() || stop_; });
        sleeping_.store(false, std::memory_order_release);
      }
      if (stop_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
      size_.store(queue_.size(), std::memory_order_release);
    }
    has_room_.notify_one();
    run_task(task);
    if (task.long_running) long_queued_.fetch_sub(1, std::memory_order_acq_rel);
    const uint64_t done = completed_.fetch_add(1, std::memory_order_seq_cst) + 1;
    if (done >= notify_at_.load(std::memory_order_seq_cst) && notifier_ &&
        !notify_sent_.exchange(true, std::memory_order_seq_cst))
      notifier_();
    if (waiters_.load(std::memory_order_acquire) > 0) {
      { std::lock_guard<std::mutex> lock(mu_); }
      done_.notify_all();
    }
  }
}

void Stream::run_task(Task& t) {
  if (any_poison()) {
    std::shared_ptr<const std::string> err;
    {
      std::lock_guard<std::mutex> lock(poison_mu_);
      for (int i = 0; i < t.nstorage && !err; ++i) {
        auto it = poisoned_.find(t.storages[i]);
        if (it != poisoned_.end()) err = it->second;
      }
    }
    if (err) { poison(t, err); return; }  // a dependent of a failed kernel: do not run it
  }
  std::string msg;
  try {
    if (t.fault) throw std::runtime_error("injected kernel fault");
    ScopedPool scoped(pool_);
    t.fn();
    return;
  } catch (const std::bad_alloc&) {
    msg = "out of memory";
  } catch (const std::exception& e) {
    msg = e.what();
  } catch (...) {
    msg = "unknown error";
  }
  poison(t, std::make_shared<const std::string>(std::string(t.op) + ": " + msg));
}

void Stream::poison(const Task& t, const std::shared_ptr<const std::string>& err) {
  std::lock_guard<std::mutex> lock(poison_mu_);
  for (int i = 0; i < t.nout; ++i) {
    if (poisoned_.emplace(t.storages[i], err).second) npoison_.fetch_add(1, std::memory_order_acq_rel);
  }
}

bool Stream::notify_at(uint64_t seq) {
  notify_at_.store(seq, std::memory_order_seq_cst);
  // NOTE: the stream thread increments completed_ and then reads notify_at_; we store
  // notify_at_ and then read completed_ (all seq_cst): one of the two sees the other.
  return completed_.load(std::memory_order_seq_cst) >= seq;
}

std::string Stream::poison_of(void* storage) const {
  if (!any_poison()) return std::string();
  std::lock_guard<std::mutex> lock(poison_mu_);
  auto it = poisoned_.find(storage);
  return it == poisoned_.end() ? std::string() : *it->second;
}

void Stream::clear_poison(void* storage) {
  if (!any_poison()) return;
  std::lock_guard<std::mutex> lock(poison_mu_);
  if (poisoned_.erase(storage)) npoison_.fetch_sub(1, std::memory_order_acq_rel);
}

}  // namespace tf
