// N-API glue for native/cpu/conv and native/cuda/conv.cu: decode, validate the geometry,
// then on the CPU choose the algorithm and dispatch by ISA, on CUDA run the implicit GEMM.
// Every binding returns the ConvAlgo it ran (tests check the chooser; CUDA: kConvImplicit).
#include <cmath>

#include "binding/args.h"
#include "binding/checks.h"
#include "cpu/conv.h"
#include "cpu/gemm/gemm.h"
#include "runtime/parallel.h"

namespace tf {
namespace {

constexpr int64_t kMaxParam = kMaxConvParam;

// Hyper-parameters as the arg buffer holds them. Convolution: stride, padding
// (top, bottom, left, right), dilation, groups, precision. Transposed: padding symmetric plus
// output_padding. precision 0: fp32; 1: bf16 operands, fp32 accumulation (autocast; CPU
// only, the GEMM paths only: cpu/conv.h ConvPrecision).
struct ConvArgs {
  int32_t algo = cpu::kConvAuto;
  int64_t sh = 1, sw = 1, pt = 0, pb = 0, pl = 0, pr = 0, oph = 0, opw = 0, dh = 1, dw = 1, groups = 1;
  bool bf16 = false;
};

ConvArgs read_conv_args(ArgReader& r, bool transposed) {
  ConvArgs a;
  a.algo = int32_t(r.int64(-1, cpu::kNumConvAlgos - 1, "algorithm"));
  a.sh = r.int64(1, kMaxParam, "stride");
  a.sw = r.int64(1, kMaxParam, "stride");
  if (transposed) {
    a.pt = a.pb = r.int64(0, kMaxParam, "padding");
    a.pl = a.pr = r.int64(0, kMaxParam, "padding");
    a.oph = r.int64(0, kMaxParam, "output_padding");
    a.opw = r.int64(0, kMaxParam, "output_padding");
  } else {
    a.pt = r.int64(0, kMaxParam, "padding");
    a.pb = r.int64(0, kMaxParam, "padding");
    a.pl = r.int64(0, kMaxParam, "padding");
    a.pr = r.int64(0, kMaxParam, "padding");
  }
  a.dh = r.int64(1, kMaxParam, "dilation");
  a.dw = r.int64(1, kMaxParam, "dilation");
  a.groups = r.int64(1, kMaxParam, "groups");
  a.bf16 = r.int64(0, 1, "precision") == 1;
  return a;
}

// Validates x[N, C, H, W] (the convolution's input side), w[OC, C/groups, KH, KW] and
// y[N, OC, OH, OW] (its output side) and fills p. For a transposed convolution x is the
// transposed op's output and y its input; xname/yname are the user-facing names.
bool conv_geometry(ArgReader& r, const ConvArgs& a, bool transposed, const TensorView& x,
                   const TensorView& w, const TensorView& y, const char* xname, const char* yname,
                   Conv2dParams* p) {
  if (!check_tensor(r, x, DType::F32, 4, xname) || !check_tensor(r, w, DType::F32, 4, "weight") ||
      !check_tensor(r, y, DType::F32, 4, yname))
    return false;
  const int64_t OC = w.shape[0];  // conv: out channels; transposed: in channels
  const int64_t C = w.shape[1] * a.groups;  // conv: in channels; transposed: out channels
  const TensorView& in = transposed ? y : x;  // the tensor the user passed as input
  const int64_t in_ch = transposed ? OC : C;
  if (w.shape[0] == 0 || w.shape[1] == 0 || w.shape[2] == 0 || w.shape[3] == 0)
    return r.fail("weight must not be empty, got " + shape_str(w)), false;
  if (in.shape[1] != in_ch)
    return r.fail(std::string(transposed ? yname : xname) + " " + shape_str(in) + " must have " +
                  std::to_string(in_ch) + " channels for weight " + shape_str(w) + " and groups " +
                  std::to_string(a.groups)), false;
  if (OC % a.groups != 0)
    return r.fail(std::string(transposed ? "in" : "out") + " channels " + std::to_string(OC) + " (weight " +
                  shape_str(w) + ") must be divisible by groups " + std::to_string(a.groups)), false;
  // Effective kernel extents, in double first: dilation * (K - 1) may not fit int64.
  const double eh = double(a.dh) * double(w.shape[2] - 1) + 1, ew = double(a.dw) * double(w.shape[3] - 1) + 1;
  if (eh > double(kMaxParam) * 4 || ew > double(kMaxParam) * 4) return r.fail("kernel extent too large"), false;
  const int64_t H = x.shape[2], W = x.shape[3];
  int64_t OH, OW;
  if (!transposed) {
    const int64_t nh = H + a.pt + a.pb - int64_t(eh), nw = W + a.pl + a.pr - int64_t(ew);
    if (nh < 0 || nw < 0)
      return r.fail("kernel " + shape_str({w.shape[2], w.shape[3]}) + " with dilation " +
                    shape_str({a.dh, a.dw}) + " is larger than the padded " + xname + " " + shape_str(x)), false;
    OH = nh / a.sh + 1;
    OW = nw / a.sw + 1;
    if (!check_shape(r, y, {x.shape[0], OC, OH, OW}, yname)) return false;
  } else {
    OH = y.shape[2];
    OW = y.shape[3];
    if (a.oph >= std::max(a.sh, a.dh) || a.opw >= std::max(a.sw, a.dw))
      return r.fail("output_padding " + shape_str({a.oph, a.opw}) + " must be smaller than stride " +
                    shape_str({a.sh, a.sw}) + " or dilation " + shape_str({a.dh, a.dw})), false;
    const int64_t th = (OH - 1) * a.sh - 2 * a.pt + int64_t(eh) + a.oph;
    const int64_t tw = (OW - 1) * a.sw - 2 * a.pl + int64_t(ew) + a.opw;
    if (OH < 1 || OW < 1 || th < 1 || tw < 1)
      return r.fail("output size " + shape_str({th, tw}) + " for " + yname + " " + shape_str(y) +
                    " is too small"), false;
    if (!check_shape(r, x, {y.shape[0], C, th, tw}, xname)) return false;
  }
  p->N = x.shape[0]; p->C = C; p->H = H; p->W = W;
  p->OC = OC; p->OH = OH; p->OW = OW; p->KH = w.shape[2]; p->KW = w.shape[3];
  p->stride_h = a.sh; p->stride_w = a.sw; p->pad_h = a.pt; p->pad_w = a.pl;
  p->dil_h = a.dh; p->dil_w = a.dw; p->groups = a.groups;
  if (a.bf16 && r.on_cuda()) return r.fail("bf16 precision (autocast) has no CUDA kernel yet"), false;
  p->precision = !a.bf16 ? cpu::kConvF32 : bf16_uses_amx(r.inst()) ? cpu::kConvBf16Amx : cpu::kConvBf16;
  return true;
}

// The algorithm to run: the forced one if it supports p, else an error; auto -> chooser.
int32_t pick_algo(ArgReader& r, const Conv2dParams& p, int32_t algo) {
  if (algo == cpu::kConvAuto) return cpu::conv2d_choose(p);
  if (!cpu::conv2d_algo_supports(p, algo)) {
    r.fail("algorithm " + std::to_string(algo) + " does not support this convolution" +
           (p.precision != cpu::kConvF32 ? " in bf16 (autocast runs gemm1x1 or im2col only)" : ""));
    return -1;
  }
  return algo;
}

bool check_bias(ArgReader& r, const TensorView& b, int64_t n) {
  return check_tensor(r, b, DType::F32, 1, "bias") && check_shape(r, b, {n}, "bias");
}

// The algorithm a CUDA convolution reports: the forced one is accepted and ignored, CUDA
// has one (implicit GEMM on the im2col view).
constexpr int32_t kCudaConvAlgo = cpu::kConvImplicit;

// conv2dForward(y, x, w, bias?) args: [algo, stride_h, stride_w, pad_top, pad_bottom,
// pad_left, pad_right, dil_h, dil_w, groups, precision, act, hasBias, view y, view x, view w, (view bias)]
TF_BINDING(conv2dForward) {
  ArgReader r(info, "conv2d", Kernels::CpuAndCuda);
  ConvArgs a = read_conv_args(r, false);
  int32_t act = int32_t(r.int64(0, 1, "activation"));
  bool has_bias = r.int64(0, 1, "hasBias") != 0;
  TensorView y = r.view(0, "out"), x = r.view(1, "input"), w = r.view(2, "weight"), b;
  if (has_bias) b = r.view(3, "bias");
  Conv2dParams p;
  if (!conv_geometry(r, a, false, x, w, y, "input", "out", &p)) return info.Env().Undefined();
  if (has_bias && !check_bias(r, b, p.OC)) return info.Env().Undefined();
  if (!check_no_alias(r, {&y}, {&x, &w, &b})) return info.Env().Undefined();
  if (r.on_cuda()) {
    cuda::conv2d_forward(y.ptr<float>(), x.ptr<float>(), w.ptr<float>(), has_bias ? b.ptr<float>() : nullptr, p, act,
                         r.inst().matmul_precision, r.stream());
    return Napi::Number::New(info.Env(), kCudaConvAlgo);
  }
  int32_t algo = pick_algo(r, p, a.algo);
  if (!r.ok()) return info.Env().Undefined();
  r.launch([=, isa = instance(info.Env()).isa] {
    TF_ISA_CALL(isa, cpu, conv2d_forward)(
        y.ptr<float>(), x.ptr<float>(), w.ptr<float>(), has_bias ? b.ptr<float>() : nullptr, p, act, algo);
  });
  return Napi::Number::New(info.Env(), algo);
}

// conv2dBackwardInput(dx, dy, w) args: [algo, stride.., padding x4, dilation.., groups,
// precision, view dx, view dy, view w]
TF_BINDING(conv2dBackwardInput) {
  ArgReader r(info, "conv2d backward", Kernels::CpuAndCuda);
  ConvArgs a = read_conv_args(r, false);
  TensorView dx = r.view(0, "grad_input"), dy = r.view(1, "grad_output"), w = r.view(2, "weight");
  Conv2dParams p;
  if (!conv_geometry(r, a, false, dx, w, dy, "grad_input", "grad_output", &p)) return info.Env().Undefined();
  if (!check_no_alias(r, {&dx}, {&dy, &w})) return info.Env().Undefined();
  if (r.on_cuda()) {
    cuda::conv2d_backward_input(dx.ptr<float>(), dy.ptr<float>(), w.ptr<float>(), p, r.inst().matmul_precision,
                                r.stream());
    return Napi::Number::New(info.Env(), kCudaConvAlgo);
  }
  int32_t algo = pick_algo(r, p, a.algo);
  if (!r.ok()) return info.Env().Undefined();
  r.launch([=, isa = instance(info.Env()).isa] {
    TF_ISA_CALL(isa, cpu, conv2d_backward_input)(dx.ptr<float>(), dy.ptr<float>(), w.ptr<float>(), p, algo);
  });
  return Napi::Number::New(info.Env(), algo);
}

// conv2dBackwardWeight(dw, dy, x, dbias?) args: [algo, stride.., padding x4, dilation..,
// groups, precision, hasBias, view dw, view dy, view x, (view dbias)]
TF_BINDING(conv2dBackwardWeight) {
  ArgReader r(info, "conv2d backward", Kernels::CpuAndCuda);
  ConvArgs a = read_conv_args(r, false);
  bool has_bias = r.int64(0, 1, "hasBias") != 0;
  TensorView dw = r.view(0, "grad_weight"), dy = r.view(1, "grad_output"), x = r.view(2, "input"), db;
  if (has_bias) db = r.view(3, "grad_bias");
  Conv2dParams p;
  if (!conv_geometry(r, a, false, x, dw, dy, "input", "grad_output", &p)) return info.Env().Undefined();
  if (has_bias && !check_bias(r, db, p.OC)) return info.Env().Undefined();
  if (!check_no_alias(r, {&dw, &db}, {&dy, &x})) return info.Env().Undefined();
  if (r.on_cuda()) {
    cuda::Stream s = r.stream();
    cuda::conv2d_backward_weight(dw.ptr<float>(), dy.ptr<float>(), x.ptr<float>(), p, r.inst().matmul_precision, s);
    if (has_bias) cuda::conv2d_backward_bias(db.ptr<float>(), dy.ptr<float>(), p, s);
    return Napi::Number::New(info.Env(), kCudaConvAlgo);
  }
  int32_t algo = pick_algo(r, p, a.algo);
  if (!r.ok()) return info.Env().Undefined();
  r.launch([=, isa = instance(info.Env()).isa] {
    TF_ISA_CALL(isa, cpu, conv2d_backward_weight)(
        dw.ptr<float>(), has_bias ? db.ptr<float>() : nullptr, dy.ptr<float>(), x.ptr<float>(), p, algo);
  });
  return Napi::Number::New(info.Env(), algo);
}

// convTranspose2dForward(y, x, w, bias?) args: [algo, stride_h, stride_w, pad_h, pad_w,
// output_padding_h, output_padding_w, dil_h, dil_w, groups, precision, hasBias, view y, view x,
// view w, (view bias)]; w: [Cin, Cout/groups, KH, KW].
TF_BINDING(convTranspose2dForward) {
  ArgReader r(info, "convTranspose2d");
  ConvArgs a = read_conv_args(r, true);
  bool has_bias = r.int64(0, 1, "hasBias") != 0;
  TensorView y = r.view(0, "out"), x = r.view(1, "input"), w = r.view(2, "weight"), b;
  if (has_bias) b = r.view(3, "bias");
  Conv2dParams p;
  if (!conv_geometry(r, a, true, y, w, x, "out", "input", &p)) return info.Env().Undefined();
  if (has_bias && !check_bias(r, b, p.C)) return info.Env().Undefined();
  if (!check_no_alias(r, {&y}, {&x, &w, &b})) return info.Env().Undefined();
  int32_t algo = pick_algo(r, p, a.algo);
  if (!r.ok()) return info.Env().Undefined();
  Instance& inst = instance(info.Env());
  r.launch([=, isa = inst.isa] {
    TF_ISA_CALL(isa, cpu, conv2d_backward_input)(y.ptr<float>(), x.ptr<float>(), w.ptr<float>(), p, algo);
    if (has_bias) TF_ISA_CALL(isa, cpu, channel_bias_add)(y.ptr<float>(), b.ptr<float>(), p.N, p.C, p.H * p.W);
  });
  return Napi::Number::New(info.Env(), algo);
}

// convTranspose2dBackwardInput(dx, dy, w) args: [algo, stride.., padding.., output_padding..,
// dilation.., groups, precision, view dx, view dy, view w]; dx has the transposed op's input shape.
TF_BINDING(convTranspose2dBackwardInput) {
  ArgReader r(info, "convTranspose2d backward");
  ConvArgs a = read_conv_args(r, true);
  TensorView dx = r.view(0, "grad_input"), dy = r.view(1, "grad_output"), w = r.view(2, "weight");
  Conv2dParams p;
  if (!conv_geometry(r, a, true, dy, w, dx, "grad_output", "grad_input", &p)) return info.Env().Undefined();
  if (!check_no_alias(r, {&dx}, {&dy, &w})) return info.Env().Undefined();
  int32_t algo = pick_algo(r, p, a.algo);
  if (!r.ok()) return info.Env().Undefined();
  r.launch([=, isa = instance(info.Env()).isa] {
    TF_ISA_CALL(isa, cpu, conv2d_forward)(
        dx.ptr<float>(), dy.ptr<float>(), w.ptr<float>(), nullptr, p, cpu::kActNone, algo);
  });
  return Napi::Number::New(info.Env(), algo);
}

// convTranspose2dBackwardWeight(dw, dy, x, dbias?) args: [algo, stride.., padding..,
// output_padding.., dilation.., groups, precision, hasBias, view dw, view dy, view x, (view dbias)]
TF_BINDING(convTranspose2dBackwardWeight) {
  ArgReader r(info, "convTranspose2d backward");
  ConvArgs a = read_conv_args(r, true);
  bool has_bias = r.int64(0, 1, "hasBias") != 0;
  TensorView dw = r.view(0, "grad_weight"), dy = r.view(1, "grad_output"), x = r.view(2, "input"), db;
  if (has_bias) db = r.view(3, "grad_bias");
  Conv2dParams p;
  if (!conv_geometry(r, a, true, dy, dw, x, "grad_output", "input", &p)) return info.Env().Undefined();
  if (has_bias && !check_bias(r, db, p.C)) return info.Env().Undefined();
  if (!check_no_alias(r, {&dw, &db}, {&dy, &x})) return info.Env().Undefined();
  int32_t algo = pick_algo(r, p, a.algo);
  if (!r.ok()) return info.Env().Undefined();
  Instance& inst = instance(info.Env());
  r.launch([=, isa = inst.isa] {
    // The convolution's "x" is the transposed op's output gradient, its "dy" the input.
    TF_ISA_CALL(isa, cpu, conv2d_backward_weight)(dw.ptr<float>(), nullptr, x.ptr<float>(), dy.ptr<float>(), p, algo);
    if (has_bias) TF_ISA_CALL(isa, cpu, channel_sum)(db.ptr<float>(), dy.ptr<float>(), p.N, p.C, p.H * p.W);
  });
  return Napi::Number::New(info.Env(), algo);
}

}  // namespace
}  // namespace tf
