// Entry of tensorforge_cuda.node: creates the per-environment Instance and exports every
// registered binding. Loading never touches the GPU: the driver is probed on first use
// (status() reports "no CUDA driver" / "driver too old: found X, need Y" instead of failing).
#include <napi.h>

#include "cuda/binding/args.h"

namespace tf {
namespace cudab {

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<Instance>(new Instance());
  for (const auto& e : binding_registry()) exports.Set(e.name, Napi::Function::New(env, e.fn, e.name));
  return exports;
}

}  // namespace cudab
}  // namespace tf

static Napi::Object InitCudaAddon(Napi::Env env, Napi::Object exports) { return tf::cudab::Init(env, exports); }

NODE_API_MODULE(tensorforge_cuda, InitCudaAddon)
