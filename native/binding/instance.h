// Per-environment addon state (main thread and each worker_thread get their own).
#pragma once
#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/allocator.h"
#include "runtime/threadpool.h"
#include "tensorforge/view.h"

namespace tf {

// One native allocation. JS refers to it by a handle number: slot index in the low 32 bits,
// slot generation above, so a stale handle is detected instead of touching a reused slot.
struct Storage {
  void* ptr = nullptr;     // null when the slot is free
  size_t nbytes = 0;       // bytes requested
  size_t block_bytes = 0;  // bytes of the allocator block
  uint32_t gen = 0;
};

// NOTE: storages are slots in a per-environment table rather than N-API Externals: an
// External's finalizer only runs after GC *and* a turn of the event loop, so a tight
// synchronous training loop would accumulate them; a slot is freed the moment JS says so
// (dispose, tidy, or its FinalizationRegistry callback).
struct Instance {
  std::unique_ptr<CpuAllocator> alloc = std::make_unique<CpuAllocator>();
  std::unique_ptr<ThreadPool> pool;
  Isa isa = Isa::Generic;
  Napi::Reference<Napi::Float64Array> arg_ref;  // shared metadata buffer (see lib/native.ts)
  double* args = nullptr;
  size_t args_len = 0;
  uint64_t seed = 0x5eed;       // Philox key
  uint64_t rng_offset = 0;      // Philox counter position, advanced by every random op
  std::vector<Storage> slots;
  std::vector<uint32_t> free_slots;
  int64_t live_storages = 0;

  ~Instance() {
    pool.reset();  // join workers before memory goes away
    for (Storage& s : slots)
      if (s.ptr) alloc->release(s.ptr, s.block_bytes);
  }
};

inline Instance& instance(Napi::Env env) { return *env.GetInstanceData<Instance>(); }

}  // namespace tf
