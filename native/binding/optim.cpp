// N-API glue for native/cpu/optim and native/cuda/optim.cu (SGD, Adam/AdamW): fused
// per-parameter optimizer updates. Every view must be
// a contiguous float32 tensor with the parameter's element count; state views must not share
// storage with the parameter or with each other.
#include "binding/args.h"
#include "cpu/optim.h"
#include "runtime/parallel.h"

namespace tf {
namespace {

// Checks p/g/state views; names the first bad one.
bool check_views(ArgReader& r, const TensorView* v, const char* const* names, int count) {
  const int64_t n = v[0].numel();
  for (int i = 0; i < count; ++i) {
    if (v[i].dtype != DType::F32) { r.fail(std::string(names[i]) + " must be float32"); return false; }
    if (!v[i].is_contiguous()) { r.fail(std::string(names[i]) + " must be contiguous"); return false; }
    if (v[i].numel() != n) {
      r.fail(std::string(names[i]) + " has " + std::to_string(v[i].numel()) +
             " elements, the parameter has " + std::to_string(n));
      return false;
    }
    for (int j = 0; j < i; ++j) {
      // The gradient (index 1) may not alias the parameter either: both are read per element
      // but p is written, so sharing storage would make the update read its own output.
      if (same_storage(v[i], v[j]) && n > 0) {
        r.fail(std::string(names[i]) + " shares storage with " + names[j]);
        return false;
      }
    }
  }
  return true;
}

float f32(double x) { return float(x); }

// sgdStep(p, g[, buf]) args: [lr, momentum, dampening, weightDecay, nesterov, first, maximize,
// view p, view g, (view buf when momentum != 0)]
TF_BINDING(sgdStep) {
  ArgReader r(info, "sgdStep", Kernels::CpuAndCuda);
  double lr = r.num(), momentum = r.num(), dampening = r.num(), wd = r.num();
  bool nesterov = r.int64(0, 1, "nesterov") == 1, first = r.int64(0, 1, "first") == 1;
  bool maximize = r.int64(0, 1, "maximize") == 1;
  TensorView v[3];
  v[0] = r.view(0, "param");
  v[1] = r.view(1, "grad");
  const bool has_buf = momentum != 0;
  if (has_buf) v[2] = r.view(2, "momentum_buffer");
  if (!r.ok()) return info.Env().Undefined();
  const char* names[] = {"param", "grad", "momentum_buffer"};
  if (!check_views(r, v, names, has_buf ? 3 : 2)) return info.Env().Undefined();
  float* buf = has_buf ? v[2].ptr<float>() : nullptr;
  if (r.on_cuda()) {
    cuda::sgd_step(v[0].ptr<float>(), buf, v[1].ptr<float>(), v[0].numel(), f32(lr), f32(momentum), f32(dampening),
                   f32(wd), nesterov, first, maximize, r.stream());
    return info.Env().Undefined();
  }
  r.launch([=, isa = instance(info.Env()).isa] {
    TF_ISA_CALL(isa, cpu, sgd_update)(
        v[0].ptr<float>(), buf, v[1].ptr<float>(), v[0].numel(),
        f32(lr), f32(momentum), f32(dampening), f32(wd), nesterov, first, maximize);
  });
  return info.Env().Undefined();
}

// adamStep(p, g, m, v[, vmax]) args: [lr, beta1, beta2, eps, weightDecay, decoupled, amsgrad,
// stepSize, bc2Sqrt, maximize, view p, view g, view m, view v, (view vmax when amsgrad)]
TF_BINDING(adamStep) {
  ArgReader r(info, "adamStep", Kernels::CpuAndCuda);
  double lr = r.num(), beta1 = r.num(), beta2 = r.num(), eps = r.num(), wd = r.num();
  bool decoupled = r.int64(0, 1, "decoupled") == 1, amsgrad = r.int64(0, 1, "amsgrad") == 1;
  double step_size = r.num(), bc2_sqrt = r.num();
  bool maximize = r.int64(0, 1, "maximize") == 1;
  TensorView v[5];
  const char* names[] = {"param", "grad", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  for (int i = 0; i < (amsgrad ? 5 : 4); ++i) v[i] = r.view(size_t(i), names[i]);
  if (!r.ok()) return info.Env().Undefined();
  if (!(bc2_sqrt > 0) || !std::isfinite(step_size)) return r.fail("bias corrections must be positive and finite");
  if (!check_views(r, v, names, amsgrad ? 5 : 4)) return info.Env().Undefined();
  float* vmax = amsgrad ? v[4].ptr<float>() : nullptr;
  if (r.on_cuda()) {
    cuda::adam_step(v[0].ptr<float>(), v[2].ptr<float>(), v[3].ptr<float>(), vmax, v[1].ptr<float>(), v[0].numel(),
                    f32(lr), f32(beta1), f32(beta2), f32(eps), f32(wd), decoupled, step_size, bc2_sqrt, maximize,
                    r.stream());
    return info.Env().Undefined();
  }
  r.launch([=, isa = instance(info.Env()).isa] {
    TF_ISA_CALL(isa, cpu, adam_update)(
        v[0].ptr<float>(), v[2].ptr<float>(), v[3].ptr<float>(), vmax,
        v[1].ptr<float>(), v[0].numel(), f32(lr), f32(beta1), f32(beta2), f32(eps), f32(wd), decoupled,
        step_size, bc2_sqrt, maximize);
  });
  return info.Env().Undefined();
}

// rmspropStep(p, g, sq[, ga][, buf]) args: [lr, alpha, eps, weightDecay, momentum, centered,
// maximize, view p, view g, view square_avg, (view grad_avg if centered), (view buf if momentum > 0)]
TF_BINDING(rmspropStep) {
  ArgReader r(info, "rmspropStep");
  double lr = r.num(), alpha = r.num(), eps = r.num(), wd = r.num(), momentum = r.num();
  bool centered = r.int64(0, 1, "centered") == 1, maximize = r.int64(0, 1, "maximize") == 1;
  TensorView v[5];
  const char* names[5] = {"param", "grad", "square_avg", nullptr, nullptr};
  int count = 0;
  for (; count < 3; ++count) v[count] = r.view(size_t(count), names[count]);
  int ga_at = -1, buf_at = -1;
  if (centered) { ga_at = count; names[count] = "grad_avg"; v[count] = r.view(size_t(count), "grad_avg"); ++count; }
  if (momentum > 0) { buf_at = count; names[count] = "momentum_buffer"; v[count] = r.view(size_t(count), "momentum_buffer"); ++count; }
  if (!r.ok()) return info.Env().Undefined();
  if (!check_views(r, v, names, count)) return info.Env().Undefined();
  r.launch([=, isa = instance(info.Env()).isa] {
    TF_ISA_CALL(isa, cpu, rmsprop_update)(
        v[0].ptr<float>(), v[2].ptr<float>(), ga_at >= 0 ? v[ga_at].ptr<float>() : nullptr,
        buf_at >= 0 ? v[buf_at].ptr<float>() : nullptr, v[1].ptr<float>(), v[0].numel(), f32(lr),
        f32(alpha), f32(eps), f32(wd), f32(momentum), maximize);
  });
  return info.Env().Undefined();
}

// adagradStep(p, g, sum) args: [clr, eps, weightDecay, maximize, view p, view g, view sum]
TF_BINDING(adagradStep) {
  ArgReader r(info, "adagradStep");
  double clr = r.num(), eps = r.num(), wd = r.num();
  bool maximize = r.int64(0, 1, "maximize") == 1;
  TensorView v[3];
  const char* names[] = {"param", "grad", "sum"};
  for (int i = 0; i < 3; ++i) v[i] = r.view(size_t(i), names[i]);
  if (!r.ok()) return info.Env().Undefined();
  if (!check_views(r, v, names, 3)) return info.Env().Undefined();
  r.launch([=, isa = instance(info.Env()).isa] {
    TF_ISA_CALL(isa, cpu, adagrad_update)(
        v[0].ptr<float>(), v[2].ptr<float>(), v[1].ptr<float>(), v[0].numel(), f32(clr), f32(eps),
        f32(wd), maximize);
  });
  return info.Env().Undefined();
}

}  // namespace
}  // namespace tf
