// N-API glue for native/cpu/norm and native/cuda/norm.cu: batch norm over x[N, C, *] and
// group norm over groups of channels of x[N, C, *] (CPU and CUDA), and layer norm over the
// last D elements (CPU). Optional tensors (gamma, beta, running stats, gradients) have fixed argument
// slots and a presence flag in the arg buffer; an absent slot may hold undefined.
#include <cmath>
#include <initializer_list>
#include <tuple>

#include "binding/args.h"
#include "binding/checks.h"
#include "cpu/norm.h"
#include "runtime/parallel.h"

namespace tf {
namespace {

TensorView maybe_view(ArgReader& r, bool present, size_t slot, const char* what) {
  return present ? r.view(slot, what) : TensorView();
}

bool check_vec(ArgReader& r, const TensorView& v, int64_t n, const char* what) {
  return !v.data || (check_tensor(r, v, DType::F32, -1, what) && check_numel(r, v, n, what));
}

template <typename T> T* ptr_or_null(const TensorView& v) { return v.data ? v.ptr<T>() : nullptr; }

// x[N, C, *] -> N, C, HW.
bool bn_dims(ArgReader& r, const TensorView& x, const char* what, int64_t* N, int64_t* C, int64_t* HW) {
  if (!check_tensor(r, x, DType::F32, -1, what)) return false;
  if (x.ndim < 2) return r.fail(std::string(what) + " must have at least 2 dimensions (N, C, ...), got " + shape_str(x)), false;
  *N = x.shape[0];
  *C = x.shape[1];
  *HW = 1;
  for (int d = 2; d < x.ndim; ++d) *HW *= x.shape[d];
  return true;
}

// batchNormForward(y, saveMean, saveInvstd, x, gamma?, beta?, runningMean?, runningVar?)
// args: [training, momentum, eps, hasGamma, hasBeta, hasRunning, view y, view saveMean,
// view saveInvstd, view x, (view gamma), (view beta), (view runningMean, view runningVar)]
TF_BINDING(batchNormForward) {
  ArgReader r(info, "batchNorm", Kernels::CpuAndCuda);
  bool training = r.int64(0, 1, "training") != 0;
  double momentum = r.num(), eps = r.num();
  bool has_g = r.int64(0, 1, "hasWeight") != 0, has_b = r.int64(0, 1, "hasBias") != 0;
  bool has_run = r.int64(0, 1, "hasRunningStats") != 0;
  TensorView y = r.view(0, "out"), sm = r.view(1, "save_mean"), si = r.view(2, "save_invstd"), x = r.view(3, "input");
  TensorView g = maybe_view(r, has_g, 4, "weight"), b = maybe_view(r, has_b, 5, "bias");
  TensorView rm = maybe_view(r, has_run, 6, "running_mean"), rv = maybe_view(r, has_run, 7, "running_var");
  if (!r.ok()) return info.Env().Undefined();
  if (!std::isfinite(momentum) || !std::isfinite(eps) || eps < 0)
    return r.fail("momentum must be finite and eps finite and non-negative");
  int64_t N, C, HW;
  if (!bn_dims(r, x, "input", &N, &C, &HW)) return info.Env().Undefined();
  if (!check_tensor(r, y, DType::F32, -1, "out") || !same_shape(x, y))
    return r.ok() ? r.fail("out " + shape_str(y) + " must have the input's shape " + shape_str(x)) : info.Env().Undefined();
  if (!check_vec(r, sm, C, "save_mean") || !check_vec(r, si, C, "save_invstd") || !check_vec(r, g, C, "weight") ||
      !check_vec(r, b, C, "bias") || !check_vec(r, rm, C, "running_mean") || !check_vec(r, rv, C, "running_var"))
    return info.Env().Undefined();
  if (!training && !has_run) return r.fail("eval mode needs running_mean and running_var");
  if (training && N * HW <= 1)
    return r.fail("expected more than 1 value per channel when training, got input " + shape_str(x));
  if (!check_no_alias(r, {&y, &sm, &si, &rm, &rv}, {&x, &g, &b})) return info.Env().Undefined();
  if (r.on_cuda()) {
    float *yp = y.ptr<float>(), *smp = sm.ptr<float>(), *sip = si.ptr<float>();
    float *rmp = ptr_or_null<float>(rm), *rvp = ptr_or_null<float>(rv), *gp = ptr_or_null<float>(g), *bp = ptr_or_null<float>(b);
    if (training)
      cuda::batch_norm_forward_train(yp, smp, sip, rmp, rvp, x.ptr<float>(), gp, bp, N, C, HW, float(momentum),
                                     float(eps), r.stream());
    else
      cuda::batch_norm_forward_eval(yp, smp, sip, x.ptr<float>(), rmp, rvp, gp, bp, N, C, HW, float(eps), r.stream());
    return info.Env().Undefined();
  }
  r.launch([=, isa = instance(info.Env()).isa] {
    TF_ISA_CALL(isa, cpu, batch_norm_forward)(
        y.ptr<float>(), sm.ptr<float>(), si.ptr<float>(), ptr_or_null<float>(rm), ptr_or_null<float>(rv),
        x.ptr<float>(), ptr_or_null<float>(g), ptr_or_null<float>(b), N, C, HW, training, float(momentum), float(eps));
  });
  return info.Env().Undefined();
}

// batchNormBackward(dx?, dgamma?, dbeta?, dy, x, saveMean, saveInvstd, gamma?)
// args: [training, hasDx, hasDweight, hasDbias, hasWeight, (view dx), (view dgamma),
// (view dbeta), view dy, view x, view saveMean, view saveInvstd, (view gamma)]
TF_BINDING(batchNormBackward) {
  ArgReader r(info, "batchNorm backward", Kernels::CpuAndCuda);
  bool training = r.int64(0, 1, "training") != 0;
  bool has_dx = r.int64(0, 1, "hasDx") != 0, has_dg = r.int64(0, 1, "hasDweight") != 0;
  bool has_db = r.int64(0, 1, "hasDbias") != 0, has_g = r.int64(0, 1, "hasWeight") != 0;
  TensorView dx = maybe_view(r, has_dx, 0, "grad_input"), dg = maybe_view(r, has_dg, 1, "grad_weight");
  TensorView db = maybe_view(r, has_db, 2, "grad_bias");
  TensorView dy = r.view(3, "grad_output"), x = r.view(4, "input"), sm = r.view(5, "save_mean"), si = r.view(6, "save_invstd");
  TensorView g = maybe_view(r, has_g, 7, "weight");
  if (!r.ok()) return info.Env().Undefined();
  int64_t N, C, HW;
  if (!bn_dims(r, x, "input", &N, &C, &HW)) return info.Env().Undefined();
  if (!check_tensor(r, dy, DType::F32, -1, "grad_output") || !same_shape(x, dy))
    return r.ok() ? r.fail("grad_output " + shape_str(dy) + " must have the input's shape " + shape_str(x)) : info.Env().Undefined();
  if (has_dx && (!check_tensor(r, dx, DType::F32, -1, "grad_input") || !same_shape(x, dx)))
    return r.ok() ? r.fail("grad_input " + shape_str(dx) + " must have the input's shape " + shape_str(x)) : info.Env().Undefined();
  if (!check_vec(r, sm, C, "save_mean") || !check_vec(r, si, C, "save_invstd") || !check_vec(r, g, C, "weight") ||
      !check_vec(r, dg, C, "grad_weight") || !check_vec(r, db, C, "grad_bias"))
    return info.Env().Undefined();
  if (!check_no_alias(r, {&dx, &dg, &db}, {&dy, &x, &sm, &si, &g})) return info.Env().Undefined();
  if (r.on_cuda()) {
    if (N * HW == 0) return r.fail("needs at least one value per channel");
    cuda::batch_norm_backward(ptr_or_null<float>(dx), ptr_or_null<float>(dg), ptr_or_null<float>(db), dy.ptr<float>(),
                              x.ptr<float>(), sm.ptr<float>(), si.ptr<float>(), ptr_or_null<float>(g), N, C, HW,
                              training, r.stream());
    return info.Env().Undefined();
  }
  r.launch([=, isa = instance(info.Env()).isa] {
    TF_ISA_CALL(isa, cpu, batch_norm_backward)(
        ptr_or_null<float>(dx), ptr_or_null<float>(dg), ptr_or_null<float>(db), dy.ptr<float>(), x.ptr<float>(),
        sm.ptr<float>(), si.ptr<float>(), ptr_or_null<float>(g), N, C, HW, training);
  });
  return info.Env().Undefined();
}

// x with numel divisible by D (D >= 1) -> M rows.
bool ln_rows(ArgReader& r, const TensorView& x, int64_t D, int64_t* M) {
  if (!check_tensor(r, x, DType::F32, -1, "input")) return false;
  if (x.ndim < 1 || x.shape[x.ndim - 1] == 0 || x.numel() % D != 0)
    return r.fail("input " + shape_str(x) + " does not end in normalized_shape of " + std::to_string(D) + " elements"), false;
  *M = x.numel() / D;
  return true;
}

// layerNormForward(y, mean, rstd, x, gamma?, beta?) args: [D, eps, hasWeight, hasBias,
// view y, view mean, view rstd, view x, (view gamma), (view beta)]
TF_BINDING(layerNormForward) {
  ArgReader r(info, "layerNorm");
  int64_t D = r.int64(1, int64_t(1) << 50, "normalized size");
  double eps = r.num();
  bool has_g = r.int64(0, 1, "hasWeight") != 0, has_b = r.int64(0, 1, "hasBias") != 0;
  TensorView y = r.view(0, "out"), mean = r.view(1, "mean"), rstd = r.view(2, "rstd"), x = r.view(3, "input");
  TensorView g = maybe_view(r, has_g, 4, "weight"), b = maybe_view(r, has_b, 5, "bias");
  if (!r.ok()) return info.Env().Undefined();
  if (!std::isfinite(eps) || eps < 0) return r.fail("eps must be finite and non-negative");
  int64_t M;
  if (!ln_rows(r, x, D, &M)) return info.Env().Undefined();
  if (!check_tensor(r, y, DType::F32, -1, "out") || !same_shape(x, y))
    return r.ok() ? r.fail("out " + shape_str(y) + " must have the input's shape " + shape_str(x)) : info.Env().Undefined();
  if (!check_vec(r, mean, M, "mean") || !check_vec(r, rstd, M, "rstd") || !check_vec(r, g, D, "weight") ||
      !check_vec(r, b, D, "bias"))
    return info.Env().Undefined();
  if (!check_no_alias(r, {&y, &mean, &rstd}, {&x, &g, &b})) return info.Env().Undefined();
  r.launch([=, isa = instance(info.Env()).isa] {
    TF_ISA_CALL(isa, cpu, layer_norm_forward)(
        y.ptr<float>(), mean.ptr<float>(), rstd.ptr<float>(), x.ptr<float>(), ptr_or_null<float>(g),
        ptr_or_null<float>(b), M, D, float(eps));
  });
  return info.Env().Undefined();
}

// layerNormBackward(dx?, dgamma?, dbeta?, dy, x, mean, rstd, gamma?) args: [D, hasDx,
// hasDweight, hasDbias, hasWeight, (view dx), (view dgamma), (view dbeta), view dy, view x,
// view mean, view rstd, (view gamma)]
TF_BINDING(layerNormBackward) {
  ArgReader r(info, "layerNorm backward");
  int64_t D = r.int64(1, int64_t(1) << 50, "normalized size");
  bool has_dx = r.int64(0, 1, "hasDx") != 0, has_dg = r.int64(0, 1, "hasDweight") != 0;
  bool has_db = r.int64(0, 1, "hasDbias") != 0, has_g = r.int64(0, 1, "hasWeight") != 0;
  TensorView dx = maybe_view(r, has_dx, 0, "grad_input"), dg = maybe_view(r, has_dg, 1, "grad_weight");
  TensorView db = maybe_view(r, has_db, 2, "grad_bias");
  TensorView dy = r.view(3, "grad_output"), x = r.view(4, "input"), mean = r.view(5, "mean"), rstd = r.view(6, "rstd");
  TensorView g = maybe_view(r, has_g, 7, "weight");
  if (!r.ok()) return info.Env().Undefined();
  int64_t M;
  if (!ln_rows(r, x, D, &M)) return info.Env().Undefined();
  if (!check_tensor(r, dy, DType::F32, -1, "grad_output") || !same_shape(x, dy))
    return r.ok() ? r.fail("grad_output " + shape_str(dy) + " must have the input's shape " + shape_str(x)) : info.Env().Undefined();
  if (has_dx && (!check_tensor(r, dx, DType::F32, -1, "grad_input") || !same_shape(x, dx)))
    return r.ok() ? r.fail("grad_input " + shape_str(dx) + " must have the input's shape " + shape_str(x)) : info.Env().Undefined();
  if (!check_vec(r, mean, M, "mean") || !check_vec(r, rstd, M, "rstd") || !check_vec(r, g, D, "weight") ||
      !check_vec(r, dg, D, "grad_weight") || !check_vec(r, db, D, "grad_bias"))
    return info.Env().Undefined();
  if (!check_no_alias(r, {&dx, &dg, &db}, {&dy, &x, &mean, &rstd, &g})) return info.Env().Undefined();
  r.launch([=, isa = instance(info.Env()).isa] {
    TF_ISA_CALL(isa, cpu, layer_norm_backward)(
        ptr_or_null<float>(dx), ptr_or_null<float>(dg), ptr_or_null<float>(db), dy.ptr<float>(), x.ptr<float>(),
        mean.ptr<float>(), rstd.ptr<float>(), ptr_or_null<float>(g), M, D);
  });
  return info.Env().Undefined();
}

// ---- group norm ------------------------------------------------------------------------
// x[N, C, *] -> N, C, HW with G >= 1 dividing C.
bool gn_dims(ArgReader& r, const TensorView& x, int64_t G, int64_t* N, int64_t* C, int64_t* HW) {
  if (!bn_dims(r, x, "input", N, C, HW)) return false;
  if (*C % G != 0)
    return r.fail("num_groups " + std::to_string(G) + " must divide the number of channels " + std::to_string(*C) +
                  " of input " + shape_str(x)), false;
  return true;
}

// Every view that must be a float32 tensor of x's shape; (view, present, name), absent ones
// skipped. NOTE: presence is the caller's flag, not a null data pointer (an empty tensor
// may have one).
bool check_like_input(ArgReader& r, const TensorView& x,
                      std::initializer_list<std::tuple<const TensorView*, bool, const char*>> vs) {
  for (const auto& [v, present, what] : vs) {
    if (!present) continue;
    if (!check_tensor(r, *v, DType::F32, -1, what)) return false;
    if (!same_shape(x, *v)) return r.fail(std::string(what) + " " + shape_str(*v) + " must have the input's shape " + shape_str(x)), false;
  }
  return true;
}

// Every float32 tensor of n elements; (view, present, n, name), absent ones skipped.
bool check_vecs(ArgReader& r, std::initializer_list<std::tuple<const TensorView*, bool, int64_t, const char*>> vs) {
  for (const auto& [v, present, n, what] : vs)
    if (present && !(check_tensor(r, *v, DType::F32, -1, what) && check_numel(r, *v, n, what))) return false;
  return true;
}

// groupNormForward(y, mean, rstd, x, gamma?, beta?) args: [G, eps, hasWeight, hasBias,
// view y, view mean, view rstd, view x, (view gamma), (view beta)]; mean/rstd: [N, G].
TF_BINDING(groupNormForward) {
  ArgReader r(info, "groupNorm", Kernels::CpuAndCuda);
  const int64_t G = r.int64(1, int64_t(1) << 50, "num_groups");
  const double eps = r.num();
  const bool has_g = r.int64(0, 1, "hasWeight") != 0, has_b = r.int64(0, 1, "hasBias") != 0;
  const TensorView y = r.view(0, "out"), mean = r.view(1, "mean"), rstd = r.view(2, "rstd"), x = r.view(3, "input");
  const TensorView g = maybe_view(r, has_g, 4, "weight"), b = maybe_view(r, has_b, 5, "bias");
  if (r.ok() && (!std::isfinite(eps) || eps < 0)) return r.fail("eps must be finite and non-negative");
  int64_t N = 0, C = 0, HW = 0;
  const bool valid = r.ok() && gn_dims(r, x, G, &N, &C, &HW) && check_like_input(r, x, {{&y, true, "out"}}) &&
                     check_vecs(r, {{&mean, true, N * G, "mean"}, {&rstd, true, N * G, "rstd"}, {&g, has_g, C, "weight"},
                                    {&b, has_b, C, "bias"}}) &&
                     check_no_alias(r, {&y, &mean, &rstd}, {&x, &g, &b});
  if (!valid) return info.Env().Undefined();
  if (r.on_cuda()) {
    cuda::group_norm_forward(y.ptr<float>(), mean.ptr<float>(), rstd.ptr<float>(), x.ptr<float>(), ptr_or_null<float>(g),
                             ptr_or_null<float>(b), N, C, HW, G, float(eps), r.stream());
    return info.Env().Undefined();
  }
  r.launch([=, isa = instance(info.Env()).isa] {
    TF_ISA_CALL(isa, cpu, group_norm_forward)(
        y.ptr<float>(), mean.ptr<float>(), rstd.ptr<float>(), x.ptr<float>(), ptr_or_null<float>(g),
        ptr_or_null<float>(b), N, C, HW, G, float(eps));
  });
  return info.Env().Undefined();
}

// groupNormBackward(dx?, dgamma?, dbeta?, dy, x, mean, rstd, gamma?) args: [G, hasDx,
// hasDweight, hasDbias, hasWeight, (view dx), (view dgamma), (view dbeta), view dy, view x,
// view mean, view rstd, (view gamma)]
TF_BINDING(groupNormBackward) {
  ArgReader r(info, "groupNorm backward", Kernels::CpuAndCuda);
  const int64_t G = r.int64(1, int64_t(1) << 50, "num_groups");
  const bool has_dx = r.int64(0, 1, "hasDx") != 0, has_dg = r.int64(0, 1, "hasDweight") != 0;
  const bool has_db = r.int64(0, 1, "hasDbias") != 0, has_g = r.int64(0, 1, "hasWeight") != 0;
  const TensorView dx = maybe_view(r, has_dx, 0, "grad_input"), dg = maybe_view(r, has_dg, 1, "grad_weight");
  const TensorView db = maybe_view(r, has_db, 2, "grad_bias"), dy = r.view(3, "grad_output"), x = r.view(4, "input");
  const TensorView mean = r.view(5, "mean"), rstd = r.view(6, "rstd"), g = maybe_view(r, has_g, 7, "weight");
  int64_t N = 0, C = 0, HW = 0;
  const bool valid = r.ok() && gn_dims(r, x, G, &N, &C, &HW) &&
                     check_like_input(r, x, {{&dy, true, "grad_output"}, {&dx, has_dx, "grad_input"}}) &&
                     check_vecs(r, {{&mean, true, N * G, "mean"}, {&rstd, true, N * G, "rstd"}, {&g, has_g, C, "weight"},
                                    {&dg, has_dg, C, "grad_weight"}, {&db, has_db, C, "grad_bias"}}) &&
                     check_no_alias(r, {&dx, &dg, &db}, {&dy, &x, &mean, &rstd, &g});
  if (!valid) return info.Env().Undefined();
  if (r.on_cuda()) {
    cuda::group_norm_backward(ptr_or_null<float>(dx), ptr_or_null<float>(dg), ptr_or_null<float>(db), dy.ptr<float>(),
                              x.ptr<float>(), mean.ptr<float>(), rstd.ptr<float>(), ptr_or_null<float>(g), N, C, HW, G,
                              r.stream());
    return info.Env().Undefined();
  }
  r.launch([=, isa = instance(info.Env()).isa] {
    TF_ISA_CALL(isa, cpu, group_norm_backward)(
        ptr_or_null<float>(dx), ptr_or_null<float>(dg), ptr_or_null<float>(db), dy.ptr<float>(), x.ptr<float>(),
        mean.ptr<float>(), rstd.ptr<float>(), ptr_or_null<float>(g), N, C, HW, G);
  });
  return info.Env().Undefined();
}

}  // namespace
}  // namespace tf
