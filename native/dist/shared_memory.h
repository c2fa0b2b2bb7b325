// Allreduce through shared memory, for groups whose ranks all run on one machine.
//
// Over loopback TCP a 2 MB allreduce costs each rank two kernel copies (send, receive) plus the
// syscalls and thread hand-offs of Gloo's transport: 2.2 ms of CPU per DDP step of the bench
// MLP at two ranks (the worker and Gloo's transport thread), on the cores the ranks compute on. Here every rank owns one
// segment of /dev/shm (two halves of kChunkBytes, used alternately) that the others map: a rank
// copies its chunk into its half, announces it (a counter in the segment, futex wake), waits for
// the others' counters, and reduces the p halves in rank order straight into its own buffer (so
// every rank computes bit-identical values). A second counter says a rank has finished reading,
// so a half is reused only once everyone is done with it (two chunks later).
//
// A peer that dies is noticed while waiting (its process is gone); one that hangs, after the
// group's timeout. Setup is all-or-nothing: every rank must see the same machine (boot id and
// mount/pid/net/ipc namespaces) and map every segment, or the group stays on TCP.
#pragma once

#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tfdist {

class SharedMemory {
 public:
  // Bytes per chunk; a segment holds two.
  static constexpr size_t kChunkBytes = 4 << 20;

  // What must match for two processes to share /dev/shm segments and see each other's pids.
  static std::string MachineIdentity() {
    std::string id;
    std::ifstream boot("/proc/sys/kernel/random/boot_id");
    std::getline(boot, id);
    for (const char* ns : {"mnt", "pid", "net", "ipc"}) {
      char buf[128] = {0};
      const std::string link = std::string("/proc/self/ns/") + ns;
      if (readlink(link.c_str(), buf, sizeof(buf) - 1) < 0) return "";  // no /proc: no sharing
      id += std::string("|") + buf;
    }
    return id;
  }

  SharedMemory(int rank, int size, const std::vector<int>& pids) : rank_(rank), size_(size), pids_(pids), seg_(size, nullptr) {}
  ~SharedMemory() { Unmap(); }

  // Creates this rank's segment (exclusive: a stale or foreign one fails rather than sharing).
  bool Create(const std::string& name) {
    ownName_ = name;
    const int fd = shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) return false;
    created_ = true;
    // NOTE: fallocate, not ftruncate: the pages are reserved now, so a /dev/shm too small for
    // them (Docker's default is 64 MB) fails here, and the group stays on TCP, instead of a
    // SIGBUS at the first write into a sparse segment.
    const bool ok = posix_fallocate(fd, 0, static_cast<off_t>(kSegmentBytes)) == 0 && (seg_[rank_] = Map(fd)) != nullptr;
    close(fd);
    return ok;
  }

  // Maps the others' segments (after every rank created its own).
  bool Open(const std::function<std::string(int)>& nameOf) {
    for (int r = 0; r < size_; r++) {
      if (r == rank_) continue;
      const int fd = shm_open(nameOf(r).c_str(), O_RDWR, 0600);
      if (fd < 0) return false;
      struct stat st;
      const bool ok = fstat(fd, &st) == 0 && static_cast<size_t>(st.st_size) == kSegmentBytes && (seg_[r] = Map(fd)) != nullptr;
      close(fd);
      if (!ok) return false;
    }
    return true;
  }

  // Removes the name (the mappings stay); once every rank has mapped every segment.
  void Unlink() {
    if (created_) shm_unlink(ownName_.c_str());
    created_ = false;
  }

  void Unmap() {
    Unlink();
    for (auto& s : seg_) {
      if (s) munmap(s, kSegmentBytes);
      s = nullptr;
    }
  }

  // data[0, n) = the reduction over the ranks of their data[0, n), chunk by chunk.
  // reduce(dst, srcs, m): combines m elements of every rank's chunk (srcs in rank order).
  template <typename T>
  void AllReduce(T* data, size_t n, std::chrono::milliseconds timeout,
                 const std::function<void(T*, const std::vector<const T*>&, size_t)>& reduce) {
    const size_t chunk = kChunkBytes / sizeof(T);
    std::vector<const T*> src(size_);
    for (size_t first = 0; first < n; first += chunk) {
      const size_t m = std::min(chunk, n - first);
      const uint32_t s = ++seq_;
      const size_t half = s & 1;
      // The half was last used two chunks ago: wait until everyone has read it.
      if (s > 2) WaitAll(&Header::consumed, s - 2, timeout);
      std::memcpy(Data(rank_, half), data + first, m * sizeof(T));
      Post(&Header::ready, s);
      WaitAll(&Header::ready, s, timeout);
      for (int r = 0; r < size_; r++) src[r] = reinterpret_cast<const T*>(Data(r, half));
      reduce(data + first, src, m);
      Post(&Header::consumed, s);
    }
  }

 private:
  // Each counter on its own cache line: the owner writes it, the others read it.
  struct Header {
    alignas(64) std::atomic<uint32_t> ready;
    alignas(64) std::atomic<uint32_t> consumed;
  };
  static constexpr size_t kHeaderBytes = 128;
  static constexpr size_t kSegmentBytes = kHeaderBytes + 2 * kChunkBytes;
  static_assert(sizeof(Header) <= kHeaderBytes, "header");

  int rank_, size_;
  std::vector<int> pids_;
  std::vector<uint8_t*> seg_;
  std::string ownName_;
  bool created_ = false;
  uint32_t seq_ = 0;  // chunks so far: the same count on every rank

  static uint8_t* Map(int fd) {
    void* p = mmap(nullptr, kSegmentBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    return p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p);
  }
  Header* Head(int r) const { return reinterpret_cast<Header*>(seg_[r]); }
  uint8_t* Data(int r, size_t half) const { return seg_[r] + kHeaderBytes + half * kChunkBytes; }

  static long Futex(std::atomic<uint32_t>* addr, int op, uint32_t val, const timespec* ts) {
    // NOTE: not FUTEX_PRIVATE_FLAG: the word lives in memory shared between processes.
    return syscall(SYS_futex, reinterpret_cast<uint32_t*>(addr), op, val, ts, nullptr, 0);
  }

  void Post(std::atomic<uint32_t> Header::*which, uint32_t s) {
    std::atomic<uint32_t>& c = Head(rank_)->*which;
    c.store(s, std::memory_order_release);
    Futex(&c, FUTEX_WAKE, INT_MAX, nullptr);
  }

  // Whether rank r's process still runs (a zombie, killed but not yet reaped, does not).
  bool Alive(int r) const {
    std::ifstream f("/proc/" + std::to_string(pids_[r]) + "/stat");
    std::string stat;
    if (!std::getline(f, stat)) return false;
    const size_t paren = stat.rfind(')');
    return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z' && stat[paren + 2] != 'X';
  }

  void WaitAll(std::atomic<uint32_t> Header::*which, uint32_t s, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (int r = 0; r < size_; r++) {
      if (r == rank_) continue;
      std::atomic<uint32_t>& c = Head(r)->*which;
      // NOTE: a short spin only: on a machine with as many cores as ranks, spinning takes the
      // core from the very rank we wait for.
      for (int i = 0; i < 200 && static_cast<int32_t>(c.load(std::memory_order_acquire) - s) < 0; i++) __builtin_ia32_pause();
      for (;;) {
        const uint32_t v = c.load(std::memory_order_acquire);
        if (static_cast<int32_t>(v - s) >= 0) break;
        const timespec nap{0, 20 * 1000 * 1000};  // wake to check the peer is alive
        Futex(&c, FUTEX_WAIT, v, &nap);
        if (static_cast<int32_t>(c.load(std::memory_order_acquire) - s) >= 0) break;
        if (!Alive(r)) throw std::runtime_error("shared-memory allreduce: rank " + std::to_string(r) + " exited");
        if (std::chrono::steady_clock::now() > deadline) {
          throw std::runtime_error("shared-memory allreduce: timed out waiting for rank " + std::to_string(r));
        }
      }
    }
  }
};

}  // namespace tfdist
