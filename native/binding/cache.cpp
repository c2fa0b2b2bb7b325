// The CPU allocator's cache limit (memoryStats and emptyCache are in core.cpp).
#include <cmath>

#include "binding/args.h"

namespace tf {

namespace {

// setCacheLimit(bytes) -> bytes given back to the OS to get under the new limit.
TF_BINDING(setCacheLimit) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) TF_THROW(env, TypeError, "setCacheLimit: bytes must be a number");
  double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 0) || n > double(int64_t(1) << 53) || n != std::floor(n))
    TF_THROW(env, RangeError, "setCacheLimit: bytes must be a non-negative integer, got " + fmt_num(n));
  drain_pending(env, instance(env), true);
  int64_t freed = instance(env).alloc->set_limit(int64_t(n));
  if (freed) Napi::MemoryManagement::AdjustExternalMemory(env, -freed);
  return Napi::Number::New(env, double(freed));
}

}  // namespace
}  // namespace tf
