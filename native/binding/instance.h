// Per-environment addon state (main thread and each worker_thread get their own).
#pragma once
#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "runtime/allocator.h"
#include "runtime/threadpool.h"
#include "tensorforge/view.h"

namespace tf {

struct Storage {
  void* ptr = nullptr;
  size_t nbytes = 0;       // bytes requested
  size_t block_bytes = 0;  // bytes of the allocator block
  std::shared_ptr<CpuAllocator> alloc;  // keeps the allocator alive past env teardown
};

struct Instance {
  std::shared_ptr<CpuAllocator> alloc = std::make_shared<CpuAllocator>();
  std::unique_ptr<ThreadPool> pool;
  Isa isa = Isa::Generic;
  Napi::Reference<Napi::Float64Array> arg_ref;  // shared metadata buffer (see lib/native.ts)
  double* args = nullptr;
  size_t args_len = 0;
  uint64_t seed = 0x5eed;       // Philox key
  uint64_t rng_offset = 0;      // Philox counter position, advanced by every random op
  std::atomic<int64_t> live_storages{0};
};

inline Instance& instance(Napi::Env env) { return *env.GetInstanceData<Instance>(); }

}  // namespace tf
