// tensorforge_dist.node: Gloo process groups for data-parallel training (CPU, TCP transport,
// file or Redis rendezvous; allreduce through shared memory when every rank runs on this
// machine, shared_memory.h). Optional: built by CMake only where Gloo is found.
//
// One ProcessGroup = one Gloo context + one worker thread draining an ordered queue, so the
// collectives of a group run off the event loop in the order JS issued them (every rank issues
// the same sequence, which is what makes the tags line up) and each returns a promise.
//
// Data travels in typed arrays (Float32Array / Int32Array) that the caller filled from tensor
// storage; the worker reduces them in place and JS copies the result back. A reference to each
// array is held until its promise settles, so GC cannot free memory the worker is writing.
//
// Every checked collective first all-gathers a small header (op, dtype, element count, root, shape),
// so ranks that disagree get an error naming both shapes instead of exchanging garbage. The
// first failure (timeout, peer gone, mismatch) aborts the group; the survivors then meet in the
// store for one short window and report the ranks that did not show up.
#include <napi.h>

#include "shared_memory.h"

#include <gloo/allgather.h>
#include <gloo/allreduce.h>
#include <gloo/barrier.h>
#include <gloo/broadcast.h>
#include <gloo/math.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/file_store.h>
#include <gloo/rendezvous/prefix_store.h>
#include <gloo/rendezvous/redis_store.h>
#include <gloo/transport/tcp/device.h>

#include <linux/futex.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using ms = std::chrono::milliseconds;

enum Op : int64_t { kAllReduce = 1, kBroadcast = 2, kAllGather = 3, kReduceScatter = 4, kBarrier = 5 };
enum Reduce : int { kSum = 0, kMean = 1, kMax = 2, kMin = 3 };
enum DType : int64_t { kFloat32 = 0, kInt32 = 1 };

const char* opName(int64_t op) {
  switch (op) {
    case kAllReduce: return "allReduce";
    case kBroadcast: return "broadcast";
    case kAllGather: return "allGather";
    case kReduceScatter: return "reduceScatter";
    case kBarrier: return "barrier";
  }
  return "?";
}

// Header exchanged before each collective: op, dtype, numel, root/reduce, ndim, dims[5]
// (dims past the fifth are folded into the fifth).
constexpr int kHeader = 10;

// The direct exchange (ExchangeAllReduce): chunk size, the largest (p - 1) x buffer it takes at
// more than two ranks, and a slot prefix apart from Gloo's own (0x01..0x08 in gloo/types.h).
constexpr size_t kExchangeChunkBytes = 4 << 20;
constexpr size_t kExchangeMaxBytes = 256 << 10;
constexpr uint8_t kExchangeSlotPrefix = 0x40;
using Header = std::array<int64_t, kHeader>;

std::string fmtHeader(const Header& h) {
  std::ostringstream s;
  s << opName(h[0]) << " [";
  for (int64_t i = 0; i < h[4] && i < 5; i++) s << (i ? "," : "") << h[5 + i];
  s << "] " << (h[1] == kFloat32 ? "float32" : "int32") << " (" << h[2] << " elements)";
  return s.str();
}

// A job for the worker: `run` executes there; the promise settles on the JS thread.
struct Job {
  std::function<void()> run;
  Napi::Promise::Deferred deferred;
  std::vector<Napi::ObjectReference> keep;  // arrays the worker touches
  std::string error;
  bool always = false;  // runs even after the group failed (destroy)
  double startMs = 0, endMs = 0;  // when the worker ran it (monotonic clock, as process.hrtime)
  explicit Job(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
};

class ProcessGroup : public Napi::ObjectWrap<ProcessGroup> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "ProcessGroup", {
      InstanceMethod("connect", &ProcessGroup::Connect),
      InstanceMethod("allReduce", &ProcessGroup::AllReduce),
      InstanceMethod("broadcast", &ProcessGroup::Broadcast),
      InstanceMethod("allGather", &ProcessGroup::AllGather),
      InstanceMethod("reduceScatter", &ProcessGroup::ReduceScatter),
      InstanceMethod("barrier", &ProcessGroup::Barrier),
      InstanceMethod("destroy", &ProcessGroup::Destroy),
      InstanceMethod("transport", &ProcessGroup::Transport),
    });
  }

  // new ProcessGroup({ rank, worldSize, store: 'file:///dir' | 'redis://host:port', prefix,
  //                    timeoutMs, host, iface })
  explicit ProcessGroup(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ProcessGroup>(info) {
    Napi::Env env = info.Env();
    Napi::Object o = info[0].As<Napi::Object>();
    rank_ = o.Get("rank").As<Napi::Number>().Int32Value();
    size_ = o.Get("worldSize").As<Napi::Number>().Int32Value();
    store_ = o.Get("store").As<Napi::String>().Utf8Value();
    prefix_ = o.Get("prefix").As<Napi::String>().Utf8Value();
    timeout_ = ms(o.Get("timeoutMs").As<Napi::Number>().Int64Value());
    host_ = o.Get("host").As<Napi::String>().Utf8Value();
    iface_ = o.Get("iface").As<Napi::String>().Utf8Value();
    tsfn_ = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
                                          "tensorforge_dist", 0, 1);
    tsfn_.Unref(env);
    worker_ = std::thread([this] { Loop(); });
  }

  ~ProcessGroup() override { Stop(); }

 private:
  int rank_ = 0, size_ = 1;
  std::string store_, prefix_, host_, iface_;
  ms timeout_{30000};
  std::unique_ptr<gloo::rendezvous::Store> base_;
  std::unique_ptr<gloo::rendezvous::PrefixStore> store_p_;
  std::shared_ptr<gloo::rendezvous::Context> ctx_;
  uint32_t tag_ = 0;
  // The exchange's receive buffers (worker thread only), kept across calls: DDP repeats sizes.
  std::unique_ptr<uint8_t[]> scratch_;
  size_t scratchBytes_ = 0;
  // Set when every rank runs on this machine: allreduce goes through shared memory.
  std::unique_ptr<tfdist::SharedMemory> shm_;
  std::string aborted_;  // the first failure; later jobs fail with it (worker thread only)

  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job*> queue_;
  bool stop_ = false;
  int pending_ = 0;  // JS thread only
  Napi::ThreadSafeFunction tsfn_;

  static double NowMs() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stop_) return;
      stop_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
    tsfn_.Release();
  }

  // NOTE: the worker (and Gloo's transport thread, created by it in DoConnect, which inherits
  // the setting) asks the kernel for a short time slice. They sleep almost always and run for
  // microseconds; with the default slice (EEVDF, Linux >= 6.6: 1.4 ms at 2 cores) a wake-up on
  // a core busy with the ranks' kernels can wait for the running thread's slice to end (on a
  // loaded 2-core machine hand-offs took multiples of the 4 ms tick), several per allreduce. A
  // shorter slice gives the woken thread an earlier deadline. Unprivileged; ignored where the
  // kernel has no per-task slice (before 6.12). TENSORFORGE_DIST_SLICE_US=0 keeps the default.
  static void ShortenSlice() {
#if defined(__linux__) && defined(SYS_sched_setattr)
    long us = 100;
    if (const char* env = std::getenv("TENSORFORGE_DIST_SLICE_US")) us = std::strtol(env, nullptr, 10);
    if (us <= 0) return;
    struct {
      uint32_t size, policy;
      uint64_t flags;
      int32_t nice;
      uint32_t priority;
      uint64_t runtime, deadline, period;
    } attr{};
    attr.size = sizeof(attr);
    attr.policy = SCHED_OTHER;
    attr.nice = getpriority(PRIO_PROCESS, 0);  // keep the thread's nice value
    attr.runtime = static_cast<uint64_t>(us) * 1000;  // ns
    syscall(SYS_sched_setattr, 0, &attr, 0);
#endif
  }

  void Loop() {
    ShortenSlice();
    for (;;) {
      Job* job;
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [this] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stop_ with nothing left
        job = queue_.front();
        queue_.pop_front();
      }
      job->startMs = NowMs();
      if (!aborted_.empty() && !job->always) {
        job->error = aborted_;
      } else {
        try {
          job->run();
        } catch (const std::exception& e) {
          job->error = e.what();
        }
        if (!job->error.empty() && ctx_) aborted_ = job->error = Diagnose(job->error);
      }
      job->endMs = NowMs();
      tsfn_.BlockingCall(job, [this](Napi::Env env, Napi::Function, Job* j) { Settle(env, j); });
    }
  }

  void Settle(Napi::Env env, Job* j) {
    if (j->error.empty()) {
      Napi::Object t = Napi::Object::New(env);
      t.Set("startMs", j->startMs);
      t.Set("endMs", j->endMs);
      j->deferred.Resolve(t);
    } else {
      j->deferred.Reject(Napi::Error::New(env, j->error).Value());
    }
    delete j;
    if (--pending_ == 0) {
      tsfn_.Unref(env);
      Unref();
    }
  }

  Napi::Value Enqueue(Napi::Env env, Job* job) {
    bool stopped;
    {
      std::lock_guard<std::mutex> l(mu_);
      stopped = stop_;
      if (!stopped) queue_.push_back(job);
    }
    Napi::Promise p = job->deferred.Promise();
    if (stopped) {
      job->deferred.Reject(Napi::Error::New(env, "process group was destroyed").Value());
      delete job;
      return p;
    }
    // While work is queued, the loop stays alive and this object cannot be collected (its
    // destructor would join the worker and free what the pending callbacks still use).
    if (pending_++ == 0) {
      tsfn_.Ref(env);
      Ref();
    }
    cv_.notify_one();
    return p;
  }

  // ---- rendezvous ----------------------------------------------------------------------

  std::string Key(const char* what, int r) const { return std::string(what) + "/" + std::to_string(r); }

  // Waits for keys what/<r> of every rank; returns the ranks still missing after `deadline`.
  std::vector<int> Missing(const char* what, std::chrono::steady_clock::time_point deadline) {
    std::vector<int> missing;
    for (int r = 0; r < size_; r++) {
      auto left = std::chrono::duration_cast<ms>(deadline - std::chrono::steady_clock::now());
      try {
        store_p_->wait({Key(what, r)}, std::max(left, ms(1)));
      } catch (const std::exception&) {
        missing.push_back(r);
      }
    }
    return missing;
  }

  static std::string Ranks(const std::vector<int>& rs) {
    std::string s;
    for (size_t i = 0; i < rs.size(); i++) s += (i ? ", " : "") + std::to_string(rs[i]);
    return s;
  }

  void DoConnect() {
    if (store_.rfind("file://", 0) == 0) {
      base_.reset(new gloo::rendezvous::FileStore(store_.substr(7)));
    } else if (store_.rfind("redis://", 0) == 0) {
      std::string hp = store_.substr(8);
      if (!hp.empty() && hp.back() == '/') hp.pop_back();
      auto colon = hp.rfind(':');
      int port = colon == std::string::npos ? 6379 : std::stoi(hp.substr(colon + 1));
      base_.reset(new gloo::rendezvous::RedisStore(hp.substr(0, colon), port));
    } else {
      throw std::runtime_error("unsupported store '" + store_ + "' (use file:///dir or redis://host:port)");
    }
    store_p_.reset(new gloo::rendezvous::PrefixStore(prefix_, *base_));
    // Our own join round first, so a rank that never comes is named (Gloo's would only time out).
    store_p_->set(Key("join", rank_), {'1'});
    auto missing = Missing("join", std::chrono::steady_clock::now() + timeout_);
    if (!missing.empty()) {
      throw std::runtime_error("initProcessGroup: rank " + Ranks(missing) + " did not join within " +
                               std::to_string(timeout_.count()) + " ms (world size " + std::to_string(size_) + ")");
    }
    gloo::transport::tcp::attr attr;
    if (!host_.empty()) attr.hostname = host_;
    if (!iface_.empty()) attr.iface = iface_;
    auto dev = gloo::transport::tcp::CreateDevice(attr);
    auto ctx = std::make_shared<gloo::rendezvous::Context>(rank_, size_);
    ctx->setTimeout(timeout_);
    gloo::rendezvous::PrefixStore mesh("mesh", *store_p_);
    ctx->connectFullMesh(mesh, dev);
    ctx_ = ctx;
    SetupSharedMemory();
  }

  // Every rank's verdict, the same on all: true when all are true.
  bool AllAgree(bool mine) {
    int64_t v = mine ? 1 : 0;
    std::vector<int64_t> all(size_);
    gloo::AllgatherOptions o(ctx_);
    o.setInput(&v, 1);
    o.setOutput(all.data(), all.size());
    o.setTag(tag_++);
    gloo::allgather(o);
    return std::all_of(all.begin(), all.end(), [](int64_t x) { return x == 1; });
  }

  // When every rank runs on this machine (and TENSORFORGE_DIST_SHM is not 0), allreduce goes
  // through shared memory (shared_memory.h); otherwise, or when any rank cannot map the
  // segments, every rank stays on TCP.
  void SetupSharedMemory() {
    const char* env = std::getenv("TENSORFORGE_DIST_SHM");
    const std::string id = env && std::string(env) == "0" ? "" : tfdist::SharedMemory::MachineIdentity();
    const std::string mine = id + "\n" + std::to_string(getpid());
    store_p_->set(Key("machine", rank_), std::vector<char>(mine.begin(), mine.end()));
    if (!Missing("machine", std::chrono::steady_clock::now() + timeout_).empty()) throw std::runtime_error("initProcessGroup: a rank left during setup");
    std::vector<int> pids(size_);
    bool same = !id.empty();
    for (int r = 0; r < size_; r++) {
      const std::vector<char> v = store_p_->get(Key("machine", r));
      const std::string s(v.begin(), v.end());
      const size_t nl = s.rfind('\n');
      same = same && nl != std::string::npos && s.substr(0, nl) == id;
      pids[r] = nl == std::string::npos ? 0 : std::atoi(s.c_str() + nl + 1);
    }
    std::string run;
    for (char c : prefix_) if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') run += c;
    run = run.substr(0, 64);
    auto nameOf = [&](int r) { return "/tensorforge-" + run + "-" + std::to_string(r) + "-" + std::to_string(pids[r]); };
    auto shm = std::make_unique<tfdist::SharedMemory>(rank_, size_, pids);
    bool ok = AllAgree(same && shm->Create(nameOf(rank_)));
    if (ok) ok = AllAgree(shm->Open(nameOf));
    shm->Unlink();  // every rank has mapped every segment (or given up): the names can go
    if (ok) shm_ = std::move(shm);
  }

  // After the first failure: survivors post abort/<rank> and wait one window for each other;
  // whoever is absent is the rank that died or hangs.
  std::string Diagnose(const std::string& what) {
    if (what.rfind("tensorforge:", 0) == 0) return what;  // already ours (e.g. a mismatch)
    std::vector<int> missing;
    try {
      store_p_->set(Key("abort", rank_), {'1'});
      missing = Missing("abort", std::chrono::steady_clock::now() + std::min(timeout_, ms(5000)));
    } catch (const std::exception& e) {
      return "tensorforge: collective failed (" + what + "); the store is unreachable too: " + e.what();
    }
    std::string who = missing.empty() ? "every rank is alive, but the collective failed"
                                      : "rank " + Ranks(missing) + " is not responding (died, or stuck)";
    return "tensorforge: collective failed on rank " + std::to_string(rank_) + ": " + who + " [" + what + "]";
  }

  // ---- collectives ---------------------------------------------------------------------

  // All ranks agree on the header, or every rank throws naming the first difference.
  void CheckHeader(const Header& mine) {
    std::vector<int64_t> all(kHeader * size_);
    gloo::AllgatherOptions o(ctx_);
    o.setInput(const_cast<int64_t*>(mine.data()), kHeader);
    o.setOutput(all.data(), all.size());
    o.setTag(tag_++);
    gloo::allgather(o);
    for (int r = 0; r < size_; r++) {
      Header h;
      std::memcpy(h.data(), &all[r * kHeader], sizeof(Header));
      if (h != mine) {
        throw std::runtime_error("tensorforge: " + std::string(opName(mine[0])) + ": mismatch across ranks: rank " +
                                 std::to_string(rank_) + " has " + fmtHeader(mine) + ", rank " + std::to_string(r) +
                                 " has " + fmtHeader(h));
      }
    }
  }

  // Element-wise reductions of the exchange (the same semantics as gloo::sum/max/min).
  struct SumOp { template <typename T> static T apply(T a, T b) { return a + b; } };
  struct MaxOp { template <typename T> static T apply(T a, T b) { return std::max(a, b); } };
  struct MinOp { template <typename T> static T apply(T a, T b) { return std::min(a, b); } };

  // dst[i] = src[0][i] (op) src[1][i] (op) ... in rank order, then / k for the mean: every rank
  // combines the same values in the same order, so the replicas get bit-identical results.
  // src: k pointers to n elements (dst may alias one of them). Blocked so the inner loops
  // vectorize and the mean costs no second pass over memory.
  template <typename T, typename Op>
  static void ReduceRanks(T* dst, const std::vector<const T*>& src, size_t n, bool mean) {
    constexpr size_t kBlock = 512;
    T acc[kBlock];
    const int k = static_cast<int>(src.size());
    const T div = static_cast<T>(k);
    for (size_t i = 0; i < n; i += kBlock) {
      const size_t m = std::min(kBlock, n - i);
      for (size_t j = 0; j < m; j++) acc[j] = src[0][i + j];
      for (int r = 1; r < k; r++) {
        const T* s = src[r] + i;
        for (size_t j = 0; j < m; j++) acc[j] = Op::apply(acc[j], s[j]);
      }
      if (mean) {
        for (size_t j = 0; j < m; j++) dst[i + j] = acc[j] / div;
      } else {
        for (size_t j = 0; j < m; j++) dst[i + j] = acc[j];
      }
    }
  }

  // Allreduce by direct exchange: every rank sends its buffer to every other rank and reduces
  // what it receives, chunk by chunk (two chunks in flight, so the transfer of one overlaps the
  // reduction of the other). NOTE: Gloo's ring splits even 1 KB into 2p segments, and on its TCP
  // transport every segment waits for the peer's recv-ready notification: ~4 hand-offs between
  // the transport thread and ours per call at two ranks: at best 0.31 ms for 1 KB on a 2-core
  // machine, 0.03 ms this way. Here each chunk is one message each way, the receives are posted before the sends
  // (so a send whose peer is already waiting goes out at once), and at two ranks the bytes on
  // the wire are the ring's. Used at two ranks and for small tensors (ExchangePays).
  template <typename T, typename Op>
  void ExchangeAllReduce(T* data, size_t n, bool mean) {
    const int p = size_;
    const size_t chunk = std::min(n, kExchangeChunkBytes / sizeof(T));  // elements per chunk
    const size_t cbytes = chunk * sizeof(T);
    const size_t nchunks = (n + chunk - 1) / chunk;
    const size_t peers = static_cast<size_t>(p - 1);
    if (scratchBytes_ < 2 * peers * cbytes) {
      scratch_.reset(new uint8_t[2 * peers * cbytes]);  // parity x peer x chunk
      scratchBytes_ = 2 * peers * cbytes;
    }
    uint8_t* scratch = scratch_.get();
    const uint64_t slot = gloo::Slot::build(kExchangeSlotPrefix, tag_++);
    // One send and one receive buffer per parity: waitSend/waitRecv count completions per
    // buffer, so each wait below covers exactly one chunk's messages.
    std::unique_ptr<gloo::transport::UnboundBuffer> out[2], in[2];
    for (int par = 0; par < 2; par++) {
      out[par] = ctx_->createUnboundBuffer(data, n * sizeof(T));
      in[par] = ctx_->createUnboundBuffer(scratch + par * peers * cbytes, peers * cbytes);
    }
    auto peer = [this](int r) { return static_cast<size_t>(r < rank_ ? r : r - 1); };  // index among the others
    auto post = [&](size_t k) {
      const size_t off = k * chunk * sizeof(T), len = std::min(chunk, n - k * chunk) * sizeof(T);
      for (int r = 0; r < p; r++) if (r != rank_) in[k & 1]->recv(r, slot, peer(r) * cbytes, len);
      for (int r = 0; r < p; r++) if (r != rank_) out[k & 1]->send(r, slot, off, len);
    };
    post(0);
    if (nchunks > 1) post(1);
    std::vector<const T*> src(p);
    for (size_t k = 0; k < nchunks; k++) {
      const int par = static_cast<int>(k & 1);
      for (size_t q = 0; q < peers; q++) {
        if (!in[par]->waitRecv(timeout_)) throw std::runtime_error("allReduce: receive aborted");
      }
      // The chunk is overwritten below: its sends must have left.
      for (size_t q = 0; q < peers; q++) {
        if (!out[par]->waitSend(timeout_)) throw std::runtime_error("allReduce: send aborted");
      }
      const size_t first = k * chunk, m = std::min(chunk, n - first);
      for (int r = 0; r < p; r++) {
        src[r] = r == rank_ ? data + first : reinterpret_cast<const T*>(scratch + (par * peers + peer(r)) * cbytes);
      }
      ReduceRanks<T, Op>(data + first, src, m, mean);
      if (k + 2 < nchunks) post(k + 2);
    }
  }

  // NOTE: at two ranks the exchange moves the ring's bytes in fewer messages; at more ranks it
  // sends (p - 1) x the buffer instead of the ring's 2 (p - 1) / p x, so only small ones.
  bool ExchangePays(size_t bytes) const { return size_ == 2 || bytes * (size_ - 1) <= kExchangeMaxBytes; }

  template <typename T>
  void AllReduceT(T* data, size_t n, int reduce) {
    if (shm_) {
      const bool mean = reduce == kMean;
      using Src = std::vector<const T*>;
      std::function<void(T*, const Src&, size_t)> fn =
          reduce == kMax ? [](T* d, const Src& s, size_t m) { ReduceRanks<T, MaxOp>(d, s, m, false); }
        : reduce == kMin ? [](T* d, const Src& s, size_t m) { ReduceRanks<T, MinOp>(d, s, m, false); }
        : std::function<void(T*, const Src&, size_t)>([mean](T* d, const Src& s, size_t m) { ReduceRanks<T, SumOp>(d, s, m, mean); });
      shm_->AllReduce<T>(data, n, timeout_, fn);
      return;
    }
    if (ExchangePays(n * sizeof(T))) {
      const bool mean = reduce == kMean;
      if (reduce == kMax) ExchangeAllReduce<T, MaxOp>(data, n, false);
      else if (reduce == kMin) ExchangeAllReduce<T, MinOp>(data, n, false);
      else ExchangeAllReduce<T, SumOp>(data, n, mean);
      return;
    }
    gloo::AllreduceOptions o(ctx_);
    o.setInput(data, n);
    o.setOutput(data, n);
    o.setTag(tag_++);
    using Fn = void (*)(void*, const void*, const void*, size_t);
    Fn fn = reduce == kMax ? static_cast<Fn>(&gloo::max<T>)
          : reduce == kMin ? static_cast<Fn>(&gloo::min<T>) : static_cast<Fn>(&gloo::sum<T>);
    o.setReduceFunction(fn);
    gloo::allreduce(o);
    if (reduce == kMean) {
      const T div = static_cast<T>(size_);
      for (size_t i = 0; i < n; i++) data[i] /= div;
    }
  }

  struct View {
    void* data;
    size_t n;
    DType dtype;
  };

  static View ViewOf(const Napi::Value& v, const char* fn) {
    if (!v.IsTypedArray()) throw Napi::TypeError::New(v.Env(), std::string(fn) + ": expected a typed array");
    auto a = v.As<Napi::TypedArray>();
    DType dt;
    if (a.TypedArrayType() == napi_float32_array) dt = kFloat32;
    else if (a.TypedArrayType() == napi_int32_array) dt = kInt32;
    else throw Napi::TypeError::New(v.Env(), std::string(fn) + ": only Float32Array and Int32Array are supported");
    auto* base = static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset();
    return {base, a.ElementLength(), dt};
  }

  // The header the caller describes: info[k] is the shape array.
  static Header MakeHeader(int64_t op, const View& v, int64_t extra, const Napi::Value& shape) {
    Header h{};
    h[0] = op;
    h[1] = v.dtype;
    h[2] = static_cast<int64_t>(v.n);
    h[3] = extra;
    auto a = shape.As<Napi::Array>();
    h[4] = a.Length();
    for (uint32_t i = 0; i < a.Length(); i++) {
      int64_t d = a.Get(i).As<Napi::Number>().Int64Value();
      if (i < 5) h[5 + i] = d;
      else h[9] *= d;
    }
    return h;
  }

  Job* NewJob(const Napi::CallbackInfo& info, std::initializer_list<int> arrays) {
    Job* j = new Job(info.Env());
    for (int k : arrays) j->keep.push_back(Napi::Persistent(info[k].As<Napi::Object>()));
    return j;
  }

  Napi::Value Connect(const Napi::CallbackInfo& info) {
    Job* j = NewJob(info, {});
    j->run = [this] { DoConnect(); };
    return Enqueue(info.Env(), j);
  }

  // Waits until *flag != 0 (set by the CPU stream once buf's contents were copied in); 2 means
  // that copy failed. Bounded by the group's timeout.
  void WaitFlag(const int32_t* flag) {
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    for (;;) {
      const int32_t v = __atomic_load_n(flag, __ATOMIC_ACQUIRE);
      if (v == 2) throw std::runtime_error("tensorforge: allReduce: its input was not computed (a kernel failed on this rank)");
      if (v != 0) return;
      if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("allReduce: the input was not ready within the timeout");
#if defined(__linux__)
      const timespec nap{0, 50 * 1000 * 1000};
      syscall(SYS_futex, flag, FUTEX_WAIT_PRIVATE, 0, &nap, nullptr, 0);
#else
      std::this_thread::sleep_for(std::chrono::microseconds(50));
#endif
    }
  }

  // allReduce(buf, shape, reduce, checked = true, signal?): in place. NOTE: checked = false
  // skips the header round trip, for callers whose sizes were agreed on already (DDP's buckets,
  // built from parameters whose shapes its first broadcast checked). With `signal` (an
  // Int32Array over buf's ArrayBuffer) the worker first waits for signal[0] != 0, which the CPU
  // stream sets when it has copied buf in (readAsync's signal): the job is queued during
  // backward and starts without a trip through the event loop; startMs is when it could start.
  Napi::Value AllReduce(const Napi::CallbackInfo& info) {
    View v = ViewOf(info[0], "allReduce");
    int reduce = info[2].As<Napi::Number>().Int32Value();
    bool checked = info.Length() < 4 || info[3].IsUndefined() || info[3].ToBoolean().Value();
    const int32_t* flag = nullptr;
    if (info.Length() > 4 && !info[4].IsUndefined()) {
      const bool ok = info[4].IsTypedArray() && info[4].As<Napi::TypedArray>().TypedArrayType() == napi_int32_array &&
                      info[4].As<Napi::TypedArray>().ArrayBuffer().Data() == info[0].As<Napi::TypedArray>().ArrayBuffer().Data() &&
                      info[4].As<Napi::TypedArray>().ElementLength() >= 1;
      if (!ok) throw Napi::TypeError::New(info.Env(), "allReduce: signal must be an Int32Array over the buffer's ArrayBuffer");
      flag = info[4].As<Napi::Int32Array>().Data();
    }
    Header h = MakeHeader(kAllReduce, v, reduce, info[1]);
    Job* j = NewJob(info, {0});
    j->run = [this, v, h, reduce, checked, flag, j] {
      if (flag) {
        WaitFlag(flag);
        j->startMs = NowMs();
      }
      if (checked) CheckHeader(h);
      if (v.n == 0 || size_ == 1) return;  // one rank: every reduction is the identity
      if (v.dtype == kFloat32) AllReduceT(static_cast<float*>(v.data), v.n, reduce);
      else AllReduceT(static_cast<int32_t*>(v.data), v.n, reduce);
    };
    return Enqueue(info.Env(), j);
  }

  // broadcast(buf, shape, root): in place.
  Napi::Value Broadcast(const Napi::CallbackInfo& info) {
    View v = ViewOf(info[0], "broadcast");
    int root = info[2].As<Napi::Number>().Int32Value();
    Header h = MakeHeader(kBroadcast, v, root, info[1]);
    Job* j = NewJob(info, {0});
    j->run = [this, v, h, root] {
      CheckHeader(h);
      if (v.n == 0 || size_ == 1) return;
      gloo::BroadcastOptions o(ctx_);
      if (v.dtype == kFloat32) {
        if (rank_ == root) o.setInput(static_cast<float*>(v.data), v.n);
        o.setOutput(static_cast<float*>(v.data), v.n);
      } else {
        if (rank_ == root) o.setInput(static_cast<int32_t*>(v.data), v.n);
        o.setOutput(static_cast<int32_t*>(v.data), v.n);
      }
      o.setRoot(root);
      o.setTag(tag_++);
      gloo::broadcast(o);
    };
    return Enqueue(info.Env(), j);
  }

  // allGather(input, shape, output): output holds worldSize * input.length, rank-major.
  Napi::Value AllGather(const Napi::CallbackInfo& info) {
    View in = ViewOf(info[0], "allGather");
    View out = ViewOf(info[2], "allGather");
    if (out.n != in.n * size_ || out.dtype != in.dtype) {
      throw Napi::RangeError::New(info.Env(), "allGather: output must hold worldSize * input elements of the same dtype");
    }
    Header h = MakeHeader(kAllGather, in, 0, info[1]);
    Job* j = NewJob(info, {0, 2});
    j->run = [this, in, out, h] {
      CheckHeader(h);
      if (in.n == 0) return;
      size_t bytes = in.n * 4;
      if (size_ == 1) {
        std::memcpy(out.data, in.data, bytes);
        return;
      }
      gloo::AllgatherOptions o(ctx_);
      if (in.dtype == kFloat32) {
        o.setInput(static_cast<float*>(in.data), in.n);
        o.setOutput(static_cast<float*>(out.data), out.n);
      } else {
        o.setInput(static_cast<int32_t*>(in.data), in.n);
        o.setOutput(static_cast<int32_t*>(out.data), out.n);
      }
      o.setTag(tag_++);
      gloo::allgather(o);
    };
    return Enqueue(info.Env(), j);
  }

  // reduceScatter(input, shape, reduce, output): output = this rank's chunk of the reduction.
  // NOTE: an allreduce then a copy of the own chunk (as PyTorch's Gloo backend does): twice the
  // traffic of a true reduce-scatter, one well-tested algorithm.
  Napi::Value ReduceScatter(const Napi::CallbackInfo& info) {
    View in = ViewOf(info[0], "reduceScatter");
    int reduce = info[2].As<Napi::Number>().Int32Value();
    View out = ViewOf(info[3], "reduceScatter");
    if (in.n != out.n * size_ || out.dtype != in.dtype) {
      throw Napi::RangeError::New(info.Env(), "reduceScatter: input must hold worldSize * output elements of the same dtype");
    }
    Header h = MakeHeader(kReduceScatter, in, reduce, info[1]);
    Job* j = NewJob(info, {0, 3});
    j->run = [this, in, out, h, reduce] {
      CheckHeader(h);
      if (in.n == 0) return;
      if (size_ > 1) {  // one rank: every reduction is the identity
        if (in.dtype == kFloat32) AllReduceT(static_cast<float*>(in.data), in.n, reduce);
        else AllReduceT(static_cast<int32_t*>(in.data), in.n, reduce);
      }
      std::memcpy(out.data, static_cast<uint8_t*>(in.data) + out.n * 4 * rank_, out.n * 4);
    };
    return Enqueue(info.Env(), j);
  }

  Napi::Value Barrier(const Napi::CallbackInfo& info) {
    Job* j = NewJob(info, {});
    j->run = [this] {
      Header h{};
      h[0] = kBarrier;
      CheckHeader(h);  // the header exchange is itself a barrier
    };
    return Enqueue(info.Env(), j);
  }

  // transport(): how allreduce moves the bytes once connected: 'shared memory' or 'tcp'.
  // NOTE: read on the JS thread after connect() resolved (the worker set shm_ before that).
  Napi::Value Transport(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), shm_ ? "shared memory" : "tcp");
  }

  // destroy(): finishes queued work, then closes the connections.
  Napi::Value Destroy(const Napi::CallbackInfo& info) {
    Job* j = NewJob(info, {});
    j->always = true;
    j->run = [this] {
      if (ctx_) ctx_->closeConnections();
      shm_.reset();
      ctx_.reset();
      aborted_ = "process group was destroyed";
    };
    return Enqueue(info.Env(), j);
  }
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("ProcessGroup", ProcessGroup::Init(env));
  exports.Set("glooVersion", Napi::String::New(env, std::to_string(GLOO_VERSION_MAJOR) + "." +
                                                        std::to_string(GLOO_VERSION_MINOR) + "." +
                                                        std::to_string(GLOO_VERSION_PATCH)));
  return exports;
}

}  // namespace

NODE_API_MODULE(tensorforge_dist, Init)
