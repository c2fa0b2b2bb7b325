// N-API glue for native/cpu/image (augmentation on NCHW float32 batches). Per-sample
// parameters arrive as small tensors drawn from the global generator on the TS side.
#include <vector>

#include "binding/args.h"
#include "cpu/image.h"
#include "runtime/parallel.h"

namespace tf {
namespace {

// Checks an NCHW float32 contiguous image batch.
bool is_image(const TensorView& v) { return v.ndim == 4 && v.dtype == DType::F32 && v.is_contiguous(); }

// Checks a contiguous per-sample parameter tensor [N, k] (or [N] when k == 0).
bool is_params(const TensorView& v, DType dt, int64_t N, int64_t k) {
  if (v.dtype != dt || !v.is_contiguous()) return false;
  if (k == 0) return v.ndim == 1 && v.shape[0] == N;
  return v.ndim == 2 && v.shape[0] == N && v.shape[1] == k;
}

// imageNormalize(y, x) args: [C, mean[0..C), std[0..C), view y, view x]
TF_BINDING(imageNormalize) {
  ArgReader r(info, "normalize");
  const int64_t C = r.int64(1, 1024, "channels");
  std::vector<double> mean(size_t(r.ok() ? C : 0)), stdv(size_t(r.ok() ? C : 0));
  for (auto& m : mean) m = r.num();
  for (auto& s : stdv) s = r.num();
  TensorView y = r.view(0, "out"), x = r.view(1, "input");
  if (!r.ok()) return info.Env().Undefined();
  if (!is_image(x) || !is_image(y) || !same_shape(x, y)) return r.fail("input and output must be contiguous float32 [N, C, H, W] of one shape");
  if (x.shape[1] != C) return r.fail("mean/std have " + std::to_string(C) + " channels, input has " + std::to_string(x.shape[1]));
  for (int64_t c = 0; c < C; ++c)
    if (!std::isfinite(mean[size_t(c)]) || !std::isfinite(stdv[size_t(c)]) || stdv[size_t(c)] == 0)
      return r.fail("mean must be finite and std finite and non-zero (channel " + std::to_string(c) + ")");
  if (x.numel() == 0) return info.Env().Undefined();
  Instance& inst = instance(info.Env());
  r.launch([=, isa = inst.isa] {
    TF_ISA_CALL(isa, cpu, image_normalize_forward)(y.ptr<float>(), x.ptr<float>(), mean.data(), stdv.data(),
                                                        x.shape[0], C, x.shape[2] * x.shape[3]);
  });
  return info.Env().Undefined();
}

// imageFlip(y, x, flip) args: [horizontal, view y, view x, view flip]; flip: float32 [N].
TF_BINDING(imageFlip) {
  ArgReader r(info, "flip");
  const bool horizontal = r.int64(0, 1, "horizontal") == 1;
  TensorView y = r.view(0, "out"), x = r.view(1, "input"), f = r.view(2, "flags");
  if (!r.ok()) return info.Env().Undefined();
  if (!is_image(x) || !is_image(y) || !same_shape(x, y)) return r.fail("input and output must be contiguous float32 [N, C, H, W] of one shape");
  if (same_storage(x, y)) return r.fail("output must not share storage with the input");
  if (!is_params(f, DType::F32, x.shape[0], 0)) return r.fail("flip flags must be a contiguous float32 [N] tensor");
  if (x.numel() == 0) return info.Env().Undefined();
  Instance& inst = instance(info.Env());
  r.launch([=, isa = inst.isa] {
    TF_ISA_CALL(isa, cpu, image_flip_forward)(y.ptr<float>(), x.ptr<float>(), f.ptr<float>(), x.shape[0],
                                                   x.shape[1], x.shape[2], x.shape[3], horizontal);
  });
  return info.Env().Undefined();
}

// imageAffine(y, x, params) args: [fill, view y, view x, view params]; params: float32 [N, 5].
TF_BINDING(imageAffine) {
  ArgReader r(info, "affine");
  const double fill = r.num();
  TensorView y = r.view(0, "out"), x = r.view(1, "input"), p = r.view(2, "params");
  if (!r.ok()) return info.Env().Undefined();
  if (!is_image(x) || !is_image(y) || !same_shape(x, y)) return r.fail("input and output must be contiguous float32 [N, C, H, W] of one shape");
  if (same_storage(x, y)) return r.fail("output must not share storage with the input");
  if (!is_params(p, DType::F32, x.shape[0], 5)) return r.fail("params must be a contiguous float32 [N, 5] tensor");
  if (x.numel() == 0) return info.Env().Undefined();
  if (!r.wait_writes({2})) return info.Env().Undefined();  // async mode: params are read here
  const float* pp = p.ptr<float>();
  for (int64_t i = 0; i < x.shape[0] * 5; ++i)
    if (!std::isfinite(pp[i])) return r.fail("params must be finite");
  Instance& inst = instance(info.Env());
  r.launch([=, isa = inst.isa] {
    TF_ISA_CALL(isa, cpu, image_affine_forward)(y.ptr<float>(), x.ptr<float>(), pp, x.shape[0], x.shape[1],
                                                     x.shape[2], x.shape[3], float(fill));
  });
  return info.Env().Undefined();
}

// imageCrop(y, x, offsets) args: [pad, fill, view y, view x, view offsets]; offsets: int32 [N, 2].
TF_BINDING(imageCrop) {
  ArgReader r(info, "randomCrop");
  const int64_t pad = r.int64(0, int64_t(1) << 20, "padding");
  const double fill = r.num();
  TensorView y = r.view(0, "out"), x = r.view(1, "input"), o = r.view(2, "offsets");
  if (!r.ok()) return info.Env().Undefined();
  if (!is_image(x) || !is_image(y)) return r.fail("input and output must be contiguous float32 [N, C, H, W]");
  if (same_storage(x, y)) return r.fail("output must not share storage with the input");
  const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  const int64_t OH = y.shape[2], OW = y.shape[3];
  if (y.shape[0] != N || y.shape[1] != C) return r.fail("output must have the input's N and C");
  if (OH > H + 2 * pad || OW > W + 2 * pad) return r.fail("crop size is larger than the padded input");
  if (!is_params(o, DType::I32, N, 2)) return r.fail("offsets must be a contiguous int32 [N, 2] tensor");
  if (!r.wait_writes({2})) return info.Env().Undefined();  // async mode: offsets are read here
  const int32_t* op = o.ptr<int32_t>();
  for (int64_t n = 0; n < N; ++n)
    if (op[2 * n] < 0 || op[2 * n] > H + 2 * pad - OH || op[2 * n + 1] < 0 || op[2 * n + 1] > W + 2 * pad - OW)
      return r.fail("offsets of sample " + std::to_string(n) + " are outside the padded input");
  if (y.numel() == 0) return info.Env().Undefined();
  Instance& inst = instance(info.Env());
  r.launch([=, isa = inst.isa] {
    TF_ISA_CALL(isa, cpu, image_crop_forward)(y.ptr<float>(), x.ptr<float>(), op, N, C, H, W, OH, OW, pad, float(fill));
  });
  return info.Env().Undefined();
}

}  // namespace
}  // namespace tf
