// N-API glue for native/cpu/softmax and native/cuda/softmax.cu: softmax/log-softmax and
// fused softmax + cross-entropy.
#include <string>

#include <vector>

#include "binding/args.h"
#include "cuda/device.h"
#include "cpu/elementwise.h"
#include "cpu/index.h"
#include "cpu/reduce.h"
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
  ArgReader r(info, "softmax", Kernels::CpuAndCuda);
  bool log = r.int64(0, 1, "log") == 1;
  int dim = int(r.int64(0, kMaxDims, "dim"));
  TensorView y = r.view(0, "out"), x = r.view(1, "input");
  if (!r.ok()) return info.Env().Undefined();
  if (!same_shape(y, x) || !f32_contig(y) || !f32_contig(x)) return r.fail("input and out must be contiguous float32 of one shape");
  if (dim >= std::max(x.ndim, 1)) return r.fail("dim out of range");
  int64_t outer, n, inner;
  split_at(x, dim, &outer, &n, &inner);
  if (r.on_cuda()) {
    cuda::softmax_forward(y.ptr<float>(), x.ptr<float>(), outer, n, inner, log, r.stream());
  } else {
    r.launch(1, [=, isa = r.inst().isa] {
      TF_ISA_CALL(isa, cpu, softmax_forward)(y.ptr<float>(), x.ptr<float>(), outer, n, inner, log);
    });
  }
  return info.Env().Undefined();
}

// softmaxBackward(dx, dy, y) args: [log, dim, view dx, view dy, view y]
TF_BINDING(softmaxBackward) {
  ArgReader r(info, "softmaxBackward", Kernels::CpuAndCuda);
  bool log = r.int64(0, 1, "log") == 1;
  int dim = int(r.int64(0, kMaxDims, "dim"));
  TensorView dx = r.view(0, "dx"), dy = r.view(1, "dy"), y = r.view(2, "y");
  if (!r.ok()) return info.Env().Undefined();
  if (!same_shape(dx, dy) || !same_shape(dx, y) || !f32_contig(dx) || !f32_contig(dy) || !f32_contig(y))
    return r.fail("dx, dy and y must be contiguous float32 of one shape");
  if (dim >= std::max(y.ndim, 1)) return r.fail("dim out of range");
  int64_t outer, n, inner;
  split_at(y, dim, &outer, &n, &inner);
  if (r.on_cuda()) {
    cuda::softmax_backward(dx.ptr<float>(), dy.ptr<float>(), y.ptr<float>(), outer, n, inner, log, r.stream());
  } else {
    r.launch(1, [=, isa = r.inst().isa] {
      TF_ISA_CALL(isa, cpu, softmax_backward)(dx.ptr<float>(), dy.ptr<float>(), y.ptr<float>(), outer, n, inner, log);
    });
  }
  return info.Env().Undefined();
}

struct CeArgs {
  int32_t reduction = 0, ignore = -100;
  float smoothing = 0;
  bool probs = false, has_weight = false;
  int64_t N = 0, C = 0, S = 1;
};

// Checks logits [N, C, S...], target ([N, S...] int32 or logits' shape float32), weight [C].
// Class indices are range-checked in `host_target` (target itself on the CPU, a host copy of
// it on CUDA), or not at all when it is null.
bool check_ce(ArgReader& r, Isa isa, CeArgs& a, const TensorView& logits, const TensorView& target,
              const TensorView* weight, const TensorView* host_target, int target_arg = -1) {
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
    // Async mode: queued writes to the target land before it is read here.
    if (host_target && target_arg >= 0 && !r.wait_writes({target_arg})) return false;
    int64_t bad = host_target ? TF_ISA_CALL(isa, cpu, index_find_invalid)(*host_target, a.C, a.ignore) : -1;
    if (bad >= 0) {
      r.fail("target " + std::to_string(host_target->ptr<int32_t>()[bad]) + " at position " + std::to_string(bad) +
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

// A contiguous float32 vector view of n elements at p, or with stride 0 (every element reads
// p[0]) when broadcast is true.
TensorView vector_view(float* p, int64_t n, bool broadcast = false) {
  TensorView v;
  v.data = p;
  v.ndim = 1;
  v.shape[0] = n;
  v.strides[0] = broadcast ? 0 : 1;
  return v;
}

// CUDA has the per-row kernels of class targets over [N, C] logits only (cuda/kernels.h):
// the options beyond them throw an Error naming the option and the device.
bool cuda_ce_supported(ArgReader& r, const CeArgs& a) {
  const char* missing = a.probs ? "probability targets" : a.has_weight ? "class weights"
                        : a.smoothing != 0 ? "labelSmoothing" : a.S != 1 ? "logits with more than 2 dims" : nullptr;
  if (!missing) return true;
  r.fail_error(std::string("no CUDA kernel for ") + missing + " (logits on " + device_name(r.device()) + ")");
  return false;
}

// crossEntropy on CUDA: per-row losses, then the sum (and the mean's division) on the device.
// The mean's denominator is counted from a host copy of the targets, which also validates
// them like the CPU does. NOTE: that copy synchronizes the stream.
double cross_entropy_cuda(ArgReader& r, const CeArgs& a, const TensorView& out, const TensorView& lse,
                          const TensorView& logits, const TensorView& target) {
  const int64_t M = a.N;
  cuda::Stream s = r.stream();  // activates the device
  std::vector<int32_t> host(static_cast<size_t>(M));
  cuda::device(r.device()).copy_to_host(host.data(), target.ptr<int32_t>(), size_t(M) * 4);
  TensorView ht = target;
  ht.data = host.data();
  ht.offset = 0;
  if (!check_ce(r, r.inst().isa, const_cast<CeArgs&>(a), logits, target, nullptr, &ht)) return 0;
  double wsum = 0;
  for (int32_t t : host) wsum += t != a.ignore;
  if (a.reduction == cpu::kReduceNone) {
    cuda::cross_entropy_forward(out.ptr<float>(), lse.ptr<float>(), logits.ptr<float>(), target.ptr<int32_t>(), a.N,
                                a.C, a.ignore, s);
    return wsum;
  }
  cuda::Scratch rows(cuda::device(r.device()).allocator(), size_t(M));
  cuda::cross_entropy_forward(rows.get(), lse.ptr<float>(), logits.ptr<float>(), target.ptr<int32_t>(), a.N, a.C,
                              a.ignore, s);
  TensorView total = out;  // one element, as a 0-dim view for reduce
  total.ndim = 0;
  cuda::reduce(total, vector_view(rows.get(), M), 0, cpu::kSum, 0.0, s);
  // 0 / 0 = NaN for an all-ignored batch, as on the CPU.
  if (a.reduction == cpu::kReduceMean) cuda::unary(total, total, cpu::kAffine, 1.0 / wsum, 0.0, s);
  return wsum;
}

// crossEntropyBackward on CUDA: the row kernel with dloss per row (broadcast and scaled
// here for mean/sum). Targets were validated by the forward.
void cross_entropy_backward_cuda(ArgReader& r, const CeArgs& a, float scale, const TensorView& dlogits,
                                 const TensorView& dloss, const TensorView& logits, const TensorView& lse,
                                 const TensorView& target) {
  cuda::Stream s = r.stream();
  const int64_t M = a.N;
  if (a.reduction == cpu::kReduceNone) {
    cuda::cross_entropy_backward(dlogits.ptr<float>(), dloss.ptr<float>(), logits.ptr<float>(), lse.ptr<float>(),
                                 target.ptr<int32_t>(), a.N, a.C, a.ignore, s);
    return;
  }
  cuda::Scratch rows(cuda::device(r.device()).allocator(), size_t(M));
  const TensorView rv = vector_view(rows.get(), M);
  cuda::unary(rv, vector_view(dloss.ptr<float>(), M, true), cpu::kAffine, scale, 0.0, s);
  cuda::cross_entropy_backward(dlogits.ptr<float>(), rows.get(), logits.ptr<float>(), lse.ptr<float>(),
                               target.ptr<int32_t>(), a.N, a.C, a.ignore, s);
}

// Σ of the sample weights (weight[target], 0 for ignored samples; 1 per sample for soft
// targets): the denominator of the mean, summed in sample order like the CPU kernel.
double ce_weight_sum(const CeArgs& a, const TensorView& target, const TensorView* weight) {
  const int64_t M = a.N * a.S;
  if (a.probs) return double(M);
  const int32_t* t = target.ptr<int32_t>();
  const float* w = weight ? weight->ptr<float>() : nullptr;
  double sum = 0;
  for (int64_t i = 0; i < M; ++i) sum += t[i] == a.ignore ? 0.0 : (w ? double(w[t[i]]) : 1.0);
  return sum;
}

// crossEntropy(out, lse, logits, target[, weight]) -> mean denominator.
// args: [reduction, ignoreIndex, smoothing, isProbs, hasWeight, view out, view lse,
//        view logits, view target, (view weight)]
TF_BINDING(crossEntropy) {
  ArgReader r(info, "crossEntropy", Kernels::CpuAndCuda);
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
  const bool on_cuda = r.on_cuda();
  if (!check_ce(r, inst.isa, a, logits, target, a.has_weight ? &weight : nullptr, on_cuda ? nullptr : &target, 3))
    return info.Env().Undefined();
  const int64_t M = a.N * a.S;
  if (!f32_contig(lse) || lse.numel() != M) return r.fail("lse must be contiguous float32 with N * S elements");
  if (!f32_contig(out) || out.numel() != (a.reduction == cpu::kReduceNone ? M : 1)) return r.fail("out has the wrong size");
  if (on_cuda) {
    const double wsum = cuda_ce_supported(r, a) ? cross_entropy_cuda(r, a, out, lse, logits, target) : 0;
    return r.ok() ? Napi::Number::New(info.Env(), wsum) : info.Env().Undefined();
  }
  // The mean's denominator comes from the targets and weights alone, so it is summed here
  // (in the kernel's order, the same double) and the kernel may run later on the stream.
  if (a.has_weight && !r.wait_writes({4})) return info.Env().Undefined();
  const double wsum = ce_weight_sum(a, target, a.has_weight ? &weight : nullptr);
  r.launch(2, [=, isa = inst.isa] {
    double unused = 0;
    TF_ISA_CALL(isa, cpu, cross_entropy_forward)(out.ptr<float>(), lse.ptr<float>(), &unused, logits.ptr<float>(),
        a.probs ? nullptr : target.ptr<int32_t>(), a.probs ? target.ptr<float>() : nullptr,
        a.has_weight ? weight.ptr<float>() : nullptr, a.N, a.C, a.S, a.reduction, a.ignore, a.smoothing);
  });
  return Napi::Number::New(info.Env(), wsum);
}

// crossEntropyBackward(dlogits, dloss, logits, lse, target[, weight])
// args: [reduction, ignoreIndex, smoothing, isProbs, hasWeight, scale, view dlogits,
//        view dloss, view logits, view lse, view target, (view weight)]
TF_BINDING(crossEntropyBackward) {
  ArgReader r(info, "crossEntropyBackward", Kernels::CpuAndCuda);
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
  const bool on_cuda = r.on_cuda();
  if (!check_ce(r, inst.isa, a, logits, target, a.has_weight ? &weight : nullptr, on_cuda ? nullptr : &target, 4))
    return info.Env().Undefined();
  const int64_t M = a.N * a.S;
  if (!same_shape(dlogits, logits) || !f32_contig(dlogits)) return r.fail("dlogits must be contiguous float32 like logits");
  if (!f32_contig(lse) || lse.numel() != M) return r.fail("lse must be contiguous float32 with N * S elements");
  const bool none = a.reduction == cpu::kReduceNone;
  if (!f32_contig(dloss) || dloss.numel() != (none ? M : 1)) return r.fail("dloss has the wrong size");
  if (on_cuda) {
    if (cuda_ce_supported(r, a)) cross_entropy_backward_cuda(r, a, scale, dlogits, dloss, logits, lse, target);
    return info.Env().Undefined();
  }
  r.launch([=, isa = inst.isa] {
    TF_ISA_CALL(isa, cpu, cross_entropy_backward)(dlogits.ptr<float>(), dloss.ptr<float>(), none ? 1 : 0, scale,
        logits.ptr<float>(), lse.ptr<float>(), a.probs ? nullptr : target.ptr<int32_t>(),
        a.probs ? target.ptr<float>() : nullptr, a.has_weight ? weight.ptr<float>() : nullptr,
        a.N, a.C, a.S, a.ignore, a.smoothing);
  });
  return info.Env().Undefined();
}

}  // namespace
}  // namespace tf
