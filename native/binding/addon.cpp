// Addon entry: creates the per-environment Instance and exports every registered binding.
#include <napi.h>

#include "binding/args.h"
#include "binding/instance.h"
#include "runtime/cpu_features.h"

namespace tf {

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* inst = new Instance();
  inst->isa = detect_isa();
  if (const char* forced = std::getenv("TENSORFORGE_ISA")) {
    std::string f(forced);
    for (Isa i : {Isa::Generic, Isa::Avx2, Isa::Avx512})
      if (f == isa_name(i) && isa_supported(i)) inst->isa = i;
  }
  if (const char* amx = std::getenv("TENSORFORGE_AMX")) inst->amx = std::string(amx) != "0";
  inst->pool = std::make_unique<ThreadPool>(default_num_threads());
  // NOTE: the finalizer runs when this environment (main thread or a worker) is torn
  // down: the pool's threads are joined and the allocator's cache is released; storages
  // still alive hold the allocator through their shared_ptr until their own finalizers run.
  env.SetInstanceData<Instance>(inst);
  for (const auto& e : binding_registry()) exports.Set(e.name, Napi::Function::New(env, e.fn, e.name));
  return exports;
}

}  // namespace tf

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return tf::Init(env, exports); }

NODE_API_MODULE(tensorforge, InitAddon)
