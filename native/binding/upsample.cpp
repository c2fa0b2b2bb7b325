// N-API glue for native/cpu/upsample and native/cuda/upsample.cu: F.interpolate on x[N, C, H, W] -> y[N, C, OH, OW]
// ('nearest' or 'bilinear'). The output size is y's (dx's input size, backward); the
// caller's scale factors (0 = none) only enter the source-coordinate scales, which are
// resolved here with PyTorch's rules so every kernel variant agrees.
#include <cmath>

#include "binding/args.h"
#include "binding/checks.h"
#include "cpu/upsample.h"
#include "runtime/parallel.h"

namespace tf {
namespace {

enum UpsampleMode : int64_t { kNearest = 0, kBilinear = 1 };

struct UpsampleArgs {
  int64_t mode = kNearest;
  bool align_corners = false;
  double factor_h = 0.0, factor_w = 0.0;  // the user's scale factors; 0 when a size was given
};

// Reads [mode, alignCorners, scaleFactorH, scaleFactorW].
bool read_upsample(ArgReader& r, UpsampleArgs* a) {
  a->mode = r.int64(kNearest, kBilinear, "mode");
  a->align_corners = r.int64(0, 1, "align_corners") != 0;
  a->factor_h = r.num();
  a->factor_w = r.num();
  if (!r.ok()) return false;
  if (!std::isfinite(a->factor_h) || !std::isfinite(a->factor_w) || a->factor_h < 0 || a->factor_w < 0)
    return r.fail("scale_factor must be finite and positive (0 = none)"), false;
  if (a->mode == kNearest && a->align_corners) return r.fail("align_corners is only valid for mode 'bilinear'"), false;
  return true;
}

// Source-coordinate step per output step along one axis (cpu/upsample.h's formulas).
// nearest follows PyTorch's CPU nearest_idx: identity when sizes match, a halving when the
// output is twice the input, else 1/factor (factor given) or in/out. bilinear follows
// area_pixel_compute_scale: (in-1)/(out-1) with align_corners, else 1/factor or in/out.
float source_scale(const UpsampleArgs& a, int64_t in, int64_t out, double factor) {
  if (a.mode == kNearest) {
    if (out == in) return 1.0f;
    if (out == 2 * in) return 0.5f;
  } else if (a.align_corners) {
    return out > 1 ? float(in - 1) / float(out - 1) : 0.0f;
  }
  return factor > 0 ? float(1.0 / factor) : float(in) / float(out);
}

// x[N, C, H, W] (input side) and y[N, C, OH, OW] (output side): same N, C; H, W, OH, OW >= 1.
bool upsample_shapes(ArgReader& r, const TensorView& x, const TensorView& y, const char* xname, const char* yname) {
  if (!check_tensor(r, x, DType::F32, 4, xname) || !check_tensor(r, y, DType::F32, 4, yname)) return false;
  if (x.shape[2] < 1 || x.shape[3] < 1 || y.shape[2] < 1 || y.shape[3] < 1)
    return r.fail(std::string("input and output sizes must be greater than 0, got ") + xname + " " + shape_str(x) +
                  " and " + yname + " " + shape_str(y)), false;
  if (y.shape[0] != x.shape[0] || y.shape[1] != x.shape[1])
    return r.fail(std::string(yname) + " " + shape_str(y) + " must have the batch and channels of " + xname + " " +
                  shape_str(x)), false;
  return true;
}

// Both directions: forward reads (y, x), backward (dx, dy); the input-side view is the
// second one forward and the first one backward.
Napi::Value run_upsample(const Napi::CallbackInfo& info, bool backward) {
  ArgReader r(info, backward ? "interpolate backward" : "interpolate", Kernels::CpuAndCuda);
  UpsampleArgs a;
  if (!read_upsample(r, &a)) return info.Env().Undefined();
  const TensorView out = r.view(0, backward ? "grad_input" : "out"), in = r.view(1, backward ? "grad_output" : "input");
  const TensorView& x = backward ? out : in;  // [N, C, H, W]
  const TensorView& y = backward ? in : out;  // [N, C, OH, OW]
  if (!upsample_shapes(r, x, y, backward ? "grad_input" : "input", backward ? "grad_output" : "out") ||
      !check_no_alias(r, {&out}, {&in}))
    return info.Env().Undefined();
  const int64_t NC = x.shape[0] * x.shape[1], H = x.shape[2], W = x.shape[3], OH = y.shape[2], OW = y.shape[3];
  const float sh = source_scale(a, H, OH, a.factor_h), sw = source_scale(a, W, OW, a.factor_w);
  float* o = out.ptr<float>();
  const float* i = in.ptr<float>();
  if (r.on_cuda()) {
    const cuda::Stream s = r.stream();
    if (a.mode == kNearest && !backward)
      cuda::upsample_nearest2d_forward(o, i, NC, H, W, OH, OW, sh, sw, s);
    else if (a.mode == kNearest)
      cuda::upsample_nearest2d_backward(o, i, NC, H, W, OH, OW, sh, sw, s);
    else if (!backward)
      cuda::upsample_bilinear2d_forward(o, i, NC, H, W, OH, OW, sh, sw, a.align_corners, s);
    else
      cuda::upsample_bilinear2d_backward(o, i, NC, H, W, OH, OW, sh, sw, a.align_corners, s);
    return info.Env().Undefined();
  }
  r.launch([=, isa = instance(info.Env()).isa] {
    if (a.mode == kNearest && !backward)
      TF_ISA_CALL(isa, cpu, upsample_nearest2d_forward)(o, i, NC, H, W, OH, OW, sh, sw);
    else if (a.mode == kNearest)
      TF_ISA_CALL(isa, cpu, upsample_nearest2d_backward)(o, i, NC, H, W, OH, OW, sh, sw);
    else if (!backward)
      TF_ISA_CALL(isa, cpu, upsample_bilinear2d_forward)(o, i, NC, H, W, OH, OW, sh, sw, a.align_corners);
    else
      TF_ISA_CALL(isa, cpu, upsample_bilinear2d_backward)(o, i, NC, H, W, OH, OW, sh, sw, a.align_corners);
  });
  return info.Env().Undefined();
}

// interpolateForward(y, x) args: [mode (0 nearest, 1 bilinear), alignCorners, scaleFactorH,
// scaleFactorW (0 = none), view y, view x]
TF_BINDING(interpolateForward) { return run_upsample(info, false); }

// interpolateBackward(dx, dy) args: [mode, alignCorners, scaleFactorH, scaleFactorW,
// view dx, view dy]; dx [N, C, H, W] is overwritten.
TF_BINDING(interpolateBackward) { return run_upsample(info, true); }

}  // namespace
}  // namespace tf
