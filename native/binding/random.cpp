// N-API glue for native/cpu/random and native/cuda/random.cu (bit-identical Philox streams):
// the per-environment generator state lives in Instance.
#include "binding/args.h"
#include "cpu/random.h"
#include "runtime/parallel.h"

namespace tf {
namespace {

constexpr int64_t kInlineDraw = 16384;

// randomFill(y) args: [kind, p0, p1, view y]
TF_BINDING(randomFill) {
  ArgReader r(info, "random", Kernels::CpuAndCuda);
  int32_t kind = int32_t(r.int64(0, cpu::kNumRandomKinds - 1, "kind"));
  double p0 = r.num(), p1 = r.num();
  TensorView y = r.view(0, "out");
  if (!r.ok()) return info.Env().Undefined();
  if (!y.is_contiguous()) return r.fail("output must be contiguous");
  bool ok = kind == cpu::kRandint ? y.dtype == DType::I32
            : kind == cpu::kBernoulli ? true : y.dtype == DType::F32;
  if (!ok) return r.fail("unsupported output dtype");
  if (kind == cpu::kRandint && !(p1 > p0 && p1 - p0 <= 4294967296.0))
    return r.fail("randint needs low < high with high - low <= 2^32");
  if (!std::isfinite(p0) || !std::isfinite(p1)) return r.fail("parameters must be finite");
  Instance& inst = instance(info.Env());
  uint64_t offset = inst.rng_offset;
  inst.rng_offset += uint64_t(y.numel());
  if (r.on_cuda()) {
    cuda::random_fill(y, kind, p0, p1, inst.seed, offset, r.stream());
  } else {
    auto fill = [=, isa = inst.isa, seed = inst.seed] { TF_ISA_CALL(isa, cpu, random_fill)(y, kind, p0, p1, seed, offset); };
    // NOTE: a draw is a function of (seed, offset) alone: a small one into a storage no
    // queued kernel uses runs here at once (single-threaded), so reading it back (a
    // DataLoader's seed, a dropout mask's item()) does not wait for unrelated queued work.
    if (inst.async_on && y.numel() <= kInlineDraw && r.storages_idle()) fill();
    else r.launch(1, fill);
  }
  return info.Env().Undefined();
}

// drawInt(low, high) -> an integer in [low, high): the value randint(low, high, [1]) would
// draw, advancing the generator the same way, computed here without a storage, so a seed
// drawn for a shuffle never waits for queued kernels (async mode).
TF_BINDING(drawInt) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) TF_THROW(env, TypeError, "drawInt: expected (low, high)");
  const double lo = info[0].As<Napi::Number>().DoubleValue(), hi = info[1].As<Napi::Number>().DoubleValue();
  if (!(hi > lo && hi - lo <= 4294967296.0) || lo != std::floor(lo) || hi != std::floor(hi) || lo < INT32_MIN || hi > 2147483648.0)
    TF_THROW(env, RangeError, "drawInt: needs integers low < high with high - low <= 2^32 in int32 range");
  Instance& inst = instance(env);
  int32_t value = 0;
  TensorView v;
  v.data = &value;
  v.dtype = DType::I32;
  v.ndim = 1;
  v.shape[0] = 1;
  v.strides[0] = 1;
  const uint64_t offset = inst.rng_offset;
  inst.rng_offset += 1;
  TF_ISA_CALL(inst.isa, cpu, random_fill)(v, cpu::kRandint, lo, hi, inst.seed, offset);
  return Napi::Number::New(env, value);
}

// manualSeed(seed): seed is a non-negative integer below 2^53.
TF_BINDING(manualSeed) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) TF_THROW(env, TypeError, "manualSeed: seed must be a number");
  double s = info[0].As<Napi::Number>().DoubleValue();
  if (!(s >= 0) || s != std::floor(s) || s > 9007199254740991.0)
    TF_THROW(env, RangeError, "manualSeed: seed must be an integer in [0, 2^53), got " + fmt_num(s));
  Instance& inst = instance(env);
  inst.seed = uint64_t(s) * 0x9E3779B97F4A7C15ull + 0x5eed;
  inst.rng_offset = 0;
  return env.Undefined();
}

// rngState() -> [seedHi, seedLo, offsetHi, offsetLo]; setRngState restores it.
TF_BINDING(rngState) {
  Napi::Env env = info.Env();
  Instance& inst = instance(env);
  Napi::Array a = Napi::Array::New(env, 4);
  a.Set(0u, double(inst.seed >> 32)); a.Set(1u, double(inst.seed & 0xffffffffu));
  a.Set(2u, double(inst.rng_offset >> 32)); a.Set(3u, double(inst.rng_offset & 0xffffffffu));
  return a;
}

TF_BINDING(setRngState) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) TF_THROW(env, TypeError, "setRngState: expected an array of 4 numbers");
  Napi::Array a = info[0].As<Napi::Array>();
  if (a.Length() != 4) TF_THROW(env, RangeError, "setRngState: expected 4 numbers");
  uint64_t w[4];
  for (uint32_t i = 0; i < 4; ++i) {
    Napi::Value v = a.Get(i);
    double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0 && d <= 4294967295.0) || d != std::floor(d)) TF_THROW(env, RangeError, "setRngState: bad word");
    w[i] = uint64_t(d);
  }
  Instance& inst = instance(env);
  inst.seed = (w[0] << 32) | w[1];
  inst.rng_offset = (w[2] << 32) | w[3];
  return env.Undefined();
}

}  // namespace
}  // namespace tf
