// N-API glue for native/cpu/softmax: softmax/log-softmax and fused softmax + cross-entropy.
#include <string>

#include "binding/args.h"
#include "cpu/index.h"
#include "cpu/softmax.h"
#include "runtime/parallel.h"

namespace tf {
namespace {

bool f32_contig(const TensorView& v) { return v.dtype == DType::F32 && v.is_contiguous(); }

// [outer, n, inner] of a view around `dim`.
void split_at(const TensorView& v, int dim, int64_t* outer, int64_t* n, int64_t* inner) {
  *outer = 1; *inner = 1; *n = v.ndim ? v.shape[dim] : 1;
  for (int d = 0; d < dim; ++d) *outer *= v.shape[d];
  for (int d = dim + 1; d < v.ndim; ++d) *inner *= v.shape[d];
}

// softmax(y, x) args: [log, dim, view y, view x]; both contiguous float32 of one shape.
TF_BINDING(softmax) {
  ArgReader r(info, "softmax");
  bool log = r.int64(0, 1, "log") == 1;
  int dim = int(r.int64(0, kMaxDims, "dim"));
  TensorView y = r.view(0, "out"), x = r.view(1, "input");
  if (!r.ok()) return info.Env().Undefined();
  if (!same_shape(y, x) || !f32_contig(y) || !f32_contig(x)) return r.fail("input and out must be contiguous float32 of one shape");
  if (dim >= std::max(x.ndim, 1)) return r.fail("dim out of range");
  int64_t outer, n, inner;
  split_at(x, dim, &outer, &n, &inner);
  ScopedPool pool(instance(info.Env()).pool.get());
  TF_ISA_CALL(instance(info.Env()).isa, cpu, softmax_forward)(y.ptr<float>(), x.ptr<float>(), outer, n, inner, log);
  return info.Env().Undefined();
}

// softmaxBackward(dx, dy, y) args: [log, dim, view dx, view dy, view y]
TF_BINDING(softmaxBackward) {
  ArgReader r(info, "softmaxBackward");
  bool log = r.int64(0, 1, "log") == 1;
  int dim = int(r.int64(0, kMaxDims, "dim"));
  TensorView dx = r.view(0, "dx"), dy = r.view(1, "dy"), y = r.view(2, "y");
  if (!r.ok()) return info.Env().Undefined();
  if (!same_shape(dx, dy) || !same_shape(dx, y) || !f32_contig(dx) || !f32_contig(dy) || !f32_contig(y))
    return r.fail("dx, dy and y must be contiguous float32 of one shape");
  if (dim >= std::max(y.ndim, 1)) return r.fail("dim out of range");
  int64_t outer, n, inner;
  split_at(y, dim, &outer, &n, &inner);
  ScopedPool pool(instance(info.Env()).pool.get());
  TF_ISA_CALL(instance(info.Env()).isa, cpu, softmax_backward)(dx.ptr<float>(), dy.ptr<float>(), y.ptr<float>(), outer, n, inner, log);
  return info.Env().Undefined();
}

struct CeArgs {
  int32_t reduction = 0, ignore = -100;
  float smoothing = 0;
  bool probs = false, has_weight = false;
  int64_t N = 0, C = 0, S = 1;
};

// Checks logits [N, C, S...], target ([N, S...] int32 or logits' shape float32), weight [C].
bool check_ce(ArgReader& r, Isa isa, CeArgs& a, const TensorView& logits, const TensorView& target,
              const TensorView* weight) {
  if (logits.ndim < 2 || !f32_contig(logits)) { r.fail("logits must be contiguous float32 [N, C, ...]"); return false; }
  a.N = logits.shape[0]; a.C = logits.shape[1]; a.S = 1;
  for (int d = 2; d < logits.ndim; ++d) a.S *= logits.shape[d];
  if (!target.is_contiguous()) { r.fail("target must be contiguous"); return false; }
  if (a.probs) {
    if (target.dtype != DType::F32 || !same_shape(target, logits)) { r.fail("probability target must be float32 with the logits' shape"); return false; }
  } else {
    bool ok = target.dtype == DType::I32 && target.ndim == logits.ndim - 1 && target.shape[0] == a.N;
    for (int d = 1; ok && d < target.ndim; ++d) ok = target.shape[d] == logits.shape[d + 1];
    if (!ok) { r.fail("class target must be int32 with the logits' shape minus the class dim"); return false; }
    int64_t bad = TF_ISA_CALL(isa, cpu, index_find_invalid)(target, a.C, a.ignore);
    if (bad >= 0) {
      r.fail("target " + std::to_string(target.ptr<int32_t>()[bad]) + " at position " + std::to_string(bad) +
             " is out of range for " + std::to_string(a.C) + " classes (ignoreIndex " + std::to_string(a.ignore) + ")");
      return false;
    }
  }
  if (weight && (!f32_contig(*weight) || weight->ndim != 1 || weight->shape[0] != a.C)) {
    r.fail("weight must be a contiguous float32 vector of length C = " + std::to_string(a.C));
    return false;
  }
  return true;
}

// crossEntropy(out, lse, logits, target[, weight]) -> mean denominator.
// args: [reduction, ignoreIndex, smoothing, isProbs, hasWeight, view out, view lse,
//        view logits, view target, (view weight)]
TF_BINDING(crossEntropy) {
  ArgReader r(info, "crossEntropy");
  CeArgs a;
  a.reduction = int32_t(r.int64(0, cpu::kNumLossReductions - 1, "reduction"));
  a.ignore = int32_t(r.int64(INT32_MIN, INT32_MAX, "ignoreIndex"));
  a.smoothing = float(r.num());
  a.probs = r.int64(0, 1, "isProbs") == 1;
  a.has_weight = r.int64(0, 1, "hasWeight") == 1;
  TensorView out = r.view(0, "out"), lse = r.view(1, "lse"), logits = r.view(2, "logits"), target = r.view(3, "target");
  TensorView weight;
  if (a.has_weight) weight = r.view(4, "weight");
  if (!r.ok()) return info.Env().Undefined();
  if (!(a.smoothing >= 0 && a.smoothing <= 1)) return r.fail("labelSmoothing must be in [0, 1]");
  Instance& inst = instance(info.Env());
  if (!check_ce(r, inst.isa, a, logits, target, a.has_weight ? &weight : nullptr)) return info.Env().Undefined();
  const int64_t M = a.N * a.S;
  if (!f32_contig(lse) || lse.numel() != M) return r.fail("lse must be contiguous float32 with N * S elements");
  if (!f32_contig(out) || out.numel() != (a.reduction == cpu::kReduceNone ? M : 1)) return r.fail("out has the wrong size");
  double wsum = 0;
  ScopedPool pool(inst.pool.get());
  TF_ISA_CALL(inst.isa, cpu, cross_entropy_forward)(out.ptr<float>(), lse.ptr<float>(), &wsum, logits.ptr<float>(),
      a.probs ? nullptr : target.ptr<int32_t>(), a.probs ? target.ptr<float>() : nullptr,
      a.has_weight ? weight.ptr<float>() : nullptr, a.N, a.C, a.S, a.reduction, a.ignore, a.smoothing);
  return Napi::Number::New(info.Env(), wsum);
}

// crossEntropyBackward(dlogits, dloss, logits, lse, target[, weight])
// args: [reduction, ignoreIndex, smoothing, isProbs, hasWeight, scale, view dlogits,
//        view dloss, view logits, view lse, view target, (view weight)]
TF_BINDING(crossEntropyBackward) {
  ArgReader r(info, "crossEntropyBackward");
  CeArgs a;
  a.reduction = int32_t(r.int64(0, cpu::kNumLossReductions - 1, "reduction"));
  a.ignore = int32_t(r.int64(INT32_MIN, INT32_MAX, "ignoreIndex"));
  a.smoothing = float(r.num());
  a.probs = r.int64(0, 1, "isProbs") == 1;
  a.has_weight = r.int64(0, 1, "hasWeight") == 1;
  float scale = float(r.num());
  TensorView dlogits = r.view(0, "dlogits"), dloss = r.view(1, "dloss"), logits = r.view(2, "logits"),
             lse = r.view(3, "lse"), target = r.view(4, "target");
  TensorView weight;
  if (a.has_weight) weight = r.view(5, "weight");
  if (!r.ok()) return info.Env().Undefined();
  Instance& inst = instance(info.Env());
  if (!check_ce(r, inst.isa, a, logits, target, a.has_weight ? &weight : nullptr)) return info.Env().Undefined();
  const int64_t M = a.N * a.S;
  if (!same_shape(dlogits, logits) || !f32_contig(dlogits)) return r.fail("dlogits must be contiguous float32 like logits");
  if (!f32_contig(lse) || lse.numel() != M) return r.fail("lse must be contiguous float32 with N * S elements");
  const bool none = a.reduction == cpu::kReduceNone;
  if (!f32_contig(dloss) || dloss.numel() != (none ? M : 1)) return r.fail("dloss has the wrong size");
  ScopedPool pool(inst.pool.get());
  TF_ISA_CALL(inst.isa, cpu, cross_entropy_backward)(dlogits.ptr<float>(), dloss.ptr<float>(), none ? 1 : 0, scale,
      logits.ptr<float>(), lse.ptr<float>(), a.probs ? nullptr : target.ptr<int32_t>(),
      a.probs ? target.ptr<float>() : nullptr, a.has_weight ? weight.ptr<float>() : nullptr,
      a.N, a.C, a.S, a.ignore, a.smoothing);
  return info.Env().Undefined();
}

}  // namespace
}  // namespace tf
