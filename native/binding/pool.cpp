// N-API glue for native/cpu/pool and native/cuda/pool.cu: decode, validate window and
// shapes, dispatch by device (cpu:: by ISA).
#include "binding/args.h"
#include "binding/checks.h"
#include "cpu/pool.h"
#include "runtime/parallel.h"

namespace tf {
namespace {

constexpr int64_t kMaxParam = kMaxConvParam;
constexpr auto pool_out = pool_output_size;  // tensorforge/params.h

// Reads [kh, kw, sh, sw, ph, pw, (dh, dw)] and validates against x[N, C, H, W].
bool read_window(ArgReader& r, Pool2dParams* p, bool dilation) {
  p->KH = r.int64(1, kMaxParam, "kernel_size");
  p->KW = r.int64(1, kMaxParam, "kernel_size");
  p->stride_h = r.int64(1, kMaxParam, "stride");
  p->stride_w = r.int64(1, kMaxParam, "stride");
  p->pad_h = r.int64(0, kMaxParam, "padding");
  p->pad_w = r.int64(0, kMaxParam, "padding");
  if (dilation) {
    p->dil_h = r.int64(1, kMaxParam, "dilation");
    p->dil_w = r.int64(1, kMaxParam, "dilation");
  }
  if (r.ok() && (p->pad_h > p->KH / 2 || p->pad_w > p->KW / 2))
    r.fail("padding " + shape_str({p->pad_h, p->pad_w}) + " must be at most half of kernel_size " +
           shape_str({p->KH, p->KW}));
  return r.ok();
}

// x[N, C, H, W] and y[N, C, OH, OW] with OH/OW from the window (ceil_mode or not).
bool pool_shapes(ArgReader& r, Pool2dParams* p, bool ceil_mode, const TensorView& x, const TensorView& y,
                 const char* xname, const char* yname) {
  if (!check_tensor(r, x, DType::F32, 4, xname) || !check_tensor(r, y, DType::F32, 4, yname)) return false;
  p->N = x.shape[0]; p->C = x.shape[1]; p->H = x.shape[2]; p->W = x.shape[3];
  p->OH = pool_out(p->H, p->KH, p->stride_h, p->pad_h, p->dil_h, ceil_mode);
  p->OW = pool_out(p->W, p->KW, p->stride_w, p->pad_w, p->dil_w, ceil_mode);
  if (p->OH < 1 || p->OW < 1)
    return r.fail("output size " + shape_str({p->OH, p->OW}) + " is too small for " + xname + " " + shape_str(x) +
                  " with kernel_size " + shape_str({p->KH, p->KW})), false;
  return check_shape(r, y, {p->N, p->C, p->OH, p->OW}, yname);
}

// maxPool2dForward(y, idx, x) args: [kh, kw, sh, sw, ph, pw, dh, dw, ceilMode, view y,
// view indices (int32), view x]
TF_BINDING(maxPool2dForward) {
  ArgReader r(info, "maxPool2d", Kernels::CpuAndCuda);
  Pool2dParams p;
  read_window(r, &p, true);
  bool ceil_mode = r.int64(0, 1, "ceil_mode") != 0;
  TensorView y = r.view(0, "out"), idx = r.view(1, "indices"), x = r.view(2, "input");
  if (!pool_shapes(r, &p, ceil_mode, x, y, "input", "out")) return info.Env().Undefined();
  if (!check_tensor(r, idx, DType::I32, 4, "indices") || !check_shape(r, idx, {p.N, p.C, p.OH, p.OW}, "indices"))
    return info.Env().Undefined();
  if (p.H * p.W > int64_t(INT32_MAX)) return r.fail("input planes over 2^31 elements are not supported");
  if (!check_no_alias(r, {&y, &idx}, {&x})) return info.Env().Undefined();
  if (r.on_cuda()) return cuda::max_pool2d_forward(y.ptr<float>(), idx.ptr<int32_t>(), x.ptr<float>(), p, r.stream()),
                         info.Env().Undefined();
  r.launch([=, isa = instance(info.Env()).isa] {
    TF_ISA_CALL(isa, cpu, max_pool2d_forward)(y.ptr<float>(), idx.ptr<int32_t>(), x.ptr<float>(), p);
  });
  return info.Env().Undefined();
}

// maxPool2dBackward(dx, dy, idx) args: [view dx, view dy, view indices]
TF_BINDING(maxPool2dBackward) {
  ArgReader r(info, "maxPool2d backward", Kernels::CpuAndCuda);
  TensorView dx = r.view(0, "grad_input"), dy = r.view(1, "grad_output"), idx = r.view(2, "indices");
  if (!check_tensor(r, dx, DType::F32, 4, "grad_input") || !check_tensor(r, dy, DType::F32, 4, "grad_output") ||
      !check_tensor(r, idx, DType::I32, 4, "indices"))
    return info.Env().Undefined();
  if (!check_shape(r, dy, {dx.shape[0], dx.shape[1], dy.shape[2], dy.shape[3]}, "grad_output") ||
      !check_shape(r, idx, {dy.shape[0], dy.shape[1], dy.shape[2], dy.shape[3]}, "indices"))
    return info.Env().Undefined();
  if (!check_no_alias(r, {&dx}, {&dy, &idx})) return info.Env().Undefined();
  if (r.on_cuda()) {
    Pool2dParams p;  // the kernel needs only the plane sizes; an index outside the plane is skipped
    p.N = dx.shape[0]; p.C = dx.shape[1]; p.H = dx.shape[2]; p.W = dx.shape[3]; p.OH = dy.shape[2]; p.OW = dy.shape[3];
    cuda::max_pool2d_backward(dx.ptr<float>(), dy.ptr<float>(), idx.ptr<int32_t>(), p, r.stream());
    return info.Env().Undefined();
  }
  r.launch([=, isa = instance(info.Env()).isa] {
    TF_ISA_CALL(isa, cpu, max_pool2d_backward)(
        dx.ptr<float>(), dy.ptr<float>(), idx.ptr<int32_t>(), dx.shape[0] * dx.shape[1], dx.shape[2] * dx.shape[3],
        dy.shape[2] * dy.shape[3]);
  });
  return info.Env().Undefined();
}

// Reads [kh, kw, sh, sw, ph, pw, ceilMode, countIncludePad, divisorOverride (0 = none)].
bool read_avg(ArgReader& r, Pool2dParams* p, bool* ceil_mode) {
  read_window(r, p, false);
  *ceil_mode = r.int64(0, 1, "ceil_mode") != 0;
  p->count_include_pad = r.int64(0, 1, "count_include_pad") != 0;
  p->divisor_override = r.int64(0, kMaxParam, "divisor_override");
  return r.ok();
}

// avgPool2dForward(y, x) args: [window as read_avg, view y, view x]
TF_BINDING(avgPool2dForward) {
  ArgReader r(info, "avgPool2d", Kernels::CpuAndCuda);
  Pool2dParams p;
  bool ceil_mode = false;
  read_avg(r, &p, &ceil_mode);
  TensorView y = r.view(0, "out"), x = r.view(1, "input");
  if (!pool_shapes(r, &p, ceil_mode, x, y, "input", "out") || !check_no_alias(r, {&y}, {&x}))
    return info.Env().Undefined();
  if (r.on_cuda()) return cuda::avg_pool2d_forward(y.ptr<float>(), x.ptr<float>(), p, r.stream()), info.Env().Undefined();
  r.launch([=, isa = instance(info.Env()).isa] {
    TF_ISA_CALL(isa, cpu, avg_pool2d_forward)(y.ptr<float>(), x.ptr<float>(), p);
  });
  return info.Env().Undefined();
}

// avgPool2dBackward(dx, dy) args: [window as read_avg, view dx, view dy]
TF_BINDING(avgPool2dBackward) {
  ArgReader r(info, "avgPool2d backward", Kernels::CpuAndCuda);
  Pool2dParams p;
  bool ceil_mode = false;
  read_avg(r, &p, &ceil_mode);
  TensorView dx = r.view(0, "grad_input"), dy = r.view(1, "grad_output");
  if (!pool_shapes(r, &p, ceil_mode, dx, dy, "grad_input", "grad_output") || !check_no_alias(r, {&dx}, {&dy}))
    return info.Env().Undefined();
  if (r.on_cuda())
    return cuda::avg_pool2d_backward(dx.ptr<float>(), dy.ptr<float>(), p, r.stream()), info.Env().Undefined();
  r.launch([=, isa = instance(info.Env()).isa] {
    TF_ISA_CALL(isa, cpu, avg_pool2d_backward)(dx.ptr<float>(), dy.ptr<float>(), p);
  });
  return info.Env().Undefined();
}

// x[N, C, H, W] with H, W >= 1 and y[N, C, OH, OW] with OH, OW >= 1.
bool adaptive_shapes(ArgReader& r, const TensorView& x, const TensorView& y, const char* xname, const char* yname) {
  if (!check_tensor(r, x, DType::F32, 4, xname) || !check_tensor(r, y, DType::F32, 4, yname)) return false;
  if (x.shape[2] < 1 || x.shape[3] < 1 || y.shape[2] < 1 || y.shape[3] < 1)
    return r.fail("spatial sizes must be positive, got " + std::string(xname) + " " + shape_str(x) + " and " +
                  yname + " " + shape_str(y)), false;
  if (double(x.shape[2]) * double(y.shape[2]) > 1e18 || double(x.shape[3]) * double(y.shape[3]) > 1e18)
    return r.fail("sizes too large"), false;  // the window bounds compute o * H in int64
  return check_shape(r, y, {x.shape[0], x.shape[1], y.shape[2], y.shape[3]}, yname);
}

// adaptiveAvgPool2dForward(y, x) args: [view y, view x]; the output size is y's.
TF_BINDING(adaptiveAvgPool2dForward) {
  ArgReader r(info, "adaptiveAvgPool2d", Kernels::CpuAndCuda);
  TensorView y = r.view(0, "out"), x = r.view(1, "input");
  if (!adaptive_shapes(r, x, y, "input", "out") || !check_no_alias(r, {&y}, {&x})) return info.Env().Undefined();
  const int64_t NC = x.shape[0] * x.shape[1], H = x.shape[2], W = x.shape[3], OH = y.shape[2], OW = y.shape[3];
  if (r.on_cuda())
    return cuda::adaptive_avg_pool2d_forward(y.ptr<float>(), x.ptr<float>(), NC, H, W, OH, OW, r.stream()),
           info.Env().Undefined();
  r.launch([=, isa = instance(info.Env()).isa] {
    TF_ISA_CALL(isa, cpu, adaptive_avg_pool2d_forward)(y.ptr<float>(), x.ptr<float>(), NC, H, W, OH, OW);
  });
  return info.Env().Undefined();
}

// adaptiveAvgPool2dBackward(dx, dy) args: [view dx, view dy]
TF_BINDING(adaptiveAvgPool2dBackward) {
  ArgReader r(info, "adaptiveAvgPool2d backward", Kernels::CpuAndCuda);
  TensorView dx = r.view(0, "grad_input"), dy = r.view(1, "grad_output");
  if (!adaptive_shapes(r, dx, dy, "grad_input", "grad_output") || !check_no_alias(r, {&dx}, {&dy}))
    return info.Env().Undefined();
  const int64_t NC = dx.shape[0] * dx.shape[1], H = dx.shape[2], W = dx.shape[3], OH = dy.shape[2], OW = dy.shape[3];
  if (r.on_cuda())
    return cuda::adaptive_avg_pool2d_backward(dx.ptr<float>(), dy.ptr<float>(), NC, H, W, OH, OW, r.stream()),
           info.Env().Undefined();
  r.launch([=, isa = instance(info.Env()).isa] {
    TF_ISA_CALL(isa, cpu, adaptive_avg_pool2d_backward)(dx.ptr<float>(), dy.ptr<float>(), NC, H, W, OH, OW);
  });
  return info.Env().Undefined();
}

}  // namespace
}  // namespace tf
