// Thread-local, 64-byte aligned float buffers for kernel temporaries (packed GEMM panels,
// im2col tiles, Winograd planes). Each Tag (a type private to the calling file) owns kSlots
// independent buffers, so two files never hand out the same memory however their calls nest;
// within one Tag, a slot's contents are valid until that slot is asked for again.
// Bounded: a slot grows to the largest request it has seen, up to kScratchKeepBytes; a slot
// that had to grow past that cap for one outsized call is unmapped and mapped again at the
// request's size the next time a request fits under the cap, so one huge call does not pin
// its memory for the thread's lifetime. Buffers are mmap()ed pages, apart from the caching
// allocator (native/runtime/allocator.h), so freeing one lowers RSS at once.
#pragma once
#include <sys/mman.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

namespace tf {
namespace cpu {

// NOTE: 8 MiB is 4x the largest im2col tile (conv.cpp kColTileFloats), so steady-state
// kernels never hit the cap; what passes it is a whole-batch buffer of an outsized call.
constexpr size_t kScratchKeepBytes = size_t(8) << 20;

// Bytes held by scratch buffers of all threads (reported by memoryStats).
inline std::atomic<int64_t>& scratch_bytes_held() {
  static std::atomic<int64_t> held{0};
  return held;
}

class ScratchBuffer {
 public:
  ScratchBuffer() = default;
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;
  ~ScratchBuffer() { reset(); }

  // At least n floats plus a 16-float tail for vector over-reads; 64-byte aligned (pages).
  float* get(int64_t n) {
    const size_t need = (size_t(n + 16) * sizeof(float) + 4095) & ~size_t(4095);
    const bool outsized = bytes_ > kScratchKeepBytes && need <= kScratchKeepBytes;
    if (need <= bytes_ && !outsized) return p_;
    reset();
    if (outsized) old_bytes_ = 0;  // back to what is asked for, not to the cap
    // Below the cap, grow at least 2x at a time so slowly rising sizes do not remap each call.
    size_t want = need;
    if (need <= kScratchKeepBytes && 2 * old_bytes_ > need)
      want = 2 * old_bytes_ < kScratchKeepBytes ? 2 * old_bytes_ : kScratchKeepBytes;
    void* p = mmap(nullptr, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    p_ = static_cast<float*>(p);
    bytes_ = old_bytes_ = want;
    scratch_bytes_held().fetch_add(int64_t(want), std::memory_order_relaxed);
    return p_;
  }

 private:
  void reset() {
    if (!p_) return;
    munmap(p_, bytes_);
    scratch_bytes_held().fetch_sub(int64_t(bytes_), std::memory_order_relaxed);
    p_ = nullptr;
    bytes_ = 0;
  }

  float* p_ = nullptr;
  size_t bytes_ = 0;
  size_t old_bytes_ = 0;  // size of the last mapping, for geometric growth
};

template <typename Tag, int kSlots>
float* thread_scratch(int slot, int64_t n) {
  thread_local ScratchBuffer buf[kSlots];
  return buf[slot].get(n);
}

}  // namespace cpu
}  // namespace tf
