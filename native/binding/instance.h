// Per-environment addon state (main thread and each worker_thread get their own). The same
// struct serves the CPU addon and the CUDA addon: a storage carries its device.
#pragma once
#include <napi.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/allocator.h"
#include "runtime/cpu_features.h"
#include "runtime/stream.h"
#include "runtime/threadpool.h"
#include "tensorforge/view.h"

namespace tf {

// One native allocation. JS refers to it by a handle number: slot index in the low 32 bits,
// slot generation above, so a stale handle is detected instead of touching a reused slot.
// `device` is kCpuDevice or a CUDA ordinal; a CUDA storage's handle also carries kCudaSlotBit
// so the other addon recognises it (see lookup_storage).
constexpr int32_t kCpuDevice = -1;
constexpr uint32_t kCudaSlotBit = 0x80000000u;

struct Storage {
  void* ptr = nullptr;     // host or device pointer; null when the slot is free
  size_t nbytes = 0;       // bytes requested
  size_t block_bytes = 0;  // bytes of the allocator block
  uint32_t gen = 0;
  int32_t device = kCpuDevice;
  // Stream positions (async mode): the last queued kernel that wrote / used this storage.
  // Reading from JS waits for last_write, writing from JS or releasing waits for last_use.
  uint64_t last_write = 0, last_use = 0;
};

// A promise waiting for the stream to reach `seq` (binding/stream.cpp); `error` is filled by
// the queued copy when what it reads was not computed; `keep` holds the destination array.
struct StreamWaiter {
  Napi::Promise::Deferred deferred;
  std::shared_ptr<std::string> error;
  Napi::ObjectReference keep;
};

// A freed block still used by queued kernels: released once the stream passes `seq`.
struct PendingFree {
  void* ptr;
  size_t block_bytes;
  uint64_t seq;
};

// NOTE: storages are slots in a per-environment table rather than N-API Externals: an
// External's finalizer only runs after GC *and* a turn of the event loop, so a tight
// synchronous training loop would accumulate them; a slot is freed the moment JS says so
// (dispose, tidy, or its FinalizationRegistry callback).
struct Instance {
  std::unique_ptr<CpuAllocator> alloc = std::make_unique<CpuAllocator>();
  std::unique_ptr<ThreadPool> pool;
  Isa isa = Isa::Generic;
  bool amx = true;  // the bf16 GEMM may use AMX tiles where usable (setAmx, TENSORFORGE_AMX=0)
  Napi::Reference<Napi::Float64Array> arg_ref;  // shared metadata buffer (see lib/native.ts)
  double* args = nullptr;
  size_t args_len = 0;
  uint64_t seed = 0x5eed;       // Philox key
  uint64_t rng_offset = 0;      // Philox counter position, advanced by every random op
  int32_t matmul_precision = 0; // CUDA: cuda::MatmulPrecision (setMatmulPrecision)
  // The CPU execution stream; null in synchronous mode (kernels run on the calling thread).
  // NOTE: kept once made, idle in sync mode, so its sequence numbers (which storages
  // record) only ever grow across mode switches.
  std::shared_ptr<Stream> stream;  // shared with pending promise waiters
  bool async_on = false;           // kernels are queued on `stream` (else run in the call)
  std::vector<PendingFree> pending_frees;
  size_t pending_bytes = 0;
  std::string fault_op;  // tests: the next queued kernel of this name fails
  // Promise waiters by stream position; the stream thread wakes the JS thread through
  // `progress` (referenced only while someone waits, so it never keeps the process alive).
  std::multimap<uint64_t, StreamWaiter> waiters;
  Napi::ThreadSafeFunction progress;
  std::vector<Storage> slots;
  std::vector<uint32_t> free_slots;
  int64_t live_storages = 0;

  ~Instance();  // core.cpp: joins the pool, releases every live storage to its allocator
};

// NOTE: 256 MiB of freed blocks waiting for queued kernels: a loop that never reads runs
// at most this far ahead in memory (the stream's task capacity bounds it in ops).
constexpr size_t kPendingLimit = size_t(256) << 20;

// Async mode: releases the freed blocks whose queued kernels have run (all of them, after
// waiting for the stream, with `all`). binding/core.cpp.
void drain_pending(Napi::Env env, Instance& inst, bool all);

inline Instance& instance(Napi::Env env) { return *env.GetInstanceData<Instance>(); }

// Whether inst's bf16 GEMM (autocast) runs on AMX tiles: allowed (setAmx), usable here, and
// only on top of the avx512 variant, so forcing avx2/generic turns it off too.
inline bool bf16_uses_amx(const Instance& inst) { return inst.isa == Isa::Avx512 && inst.amx && amx_bf16_usable(); }

}  // namespace tf
