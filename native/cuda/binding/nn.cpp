// N-API glue for the CUDA matmul / conv / pool / norm / rnn / softmax / dropout / optimizer
// kernels. Every tensor the kernels read as a plain pointer is checked here: dtype float32
// (int32 targets, uint8 masks), contiguous, and shapes consistent with each other.
#include <algorithm>
#include <cmath>

#include "cuda/binding/args.h"

namespace tf {
namespace cudab {
namespace {

// Checks a view is contiguous, has the dtype and (when ndim >= 0) that many dims.
bool dense(ArgReader& r, const TensorView& v, const char* what, DType dt = DType::F32, int ndim = -1) {
  if (!r.ok()) return false;
  if (v.dtype != dt) {
    r.fail(std::string(what) + " has the wrong dtype");
    return false;
  }
  if (ndim >= 0 && v.ndim != ndim) {
    r.fail(std::string(what) + " must have " + std::to_string(ndim) + " dims, got " + shape_str(v));
    return false;
  }
  if (!v.is_contiguous()) {
    r.fail(std::string(what) + " must be contiguous");
    return false;
  }
  return true;
}

bool has_shape(ArgReader& r, const TensorView& v, const char* what, std::initializer_list<int64_t> shape) {
  if (!r.ok()) return false;
  bool ok = v.ndim == int(shape.size());
  int d = 0;
  for (int64_t s : shape) ok = ok && v.shape[d++] == s;
  if (!ok) {
    std::string want = "[";
    d = 0;
    for (int64_t s : shape) want += (d++ ? ", " : "") + std::to_string(s);
    r.fail(std::string(what) + " must have shape " + want + "], got " + shape_str(v));
  }
  return ok;
}

bool same_storage_ptr(const TensorView& a, const TensorView& b) { return a.data == b.data; }

// ---- matmul --------------------------------------------------------------------------------
// The CPU addon's protocol (native/binding/matmul.cpp), so lib/ops/matmul.ts drives both:
// matmul(y, a, b[, bias]) args: [act, biasKind, view y, view a, view b, (view bias)]
// a: [batch..., M, K], b: [batch..., K, N] (batch dims broadcast to y's, stride 0 allowed),
// y: contiguous [batch..., M, N]; bias: [N] (biasKind 1) or [M] (biasKind 2), contiguous. A matrix whose last two dims have
// unit stride in either dim is read in place (transposed via the GEMM flag).

// Row stride and transpose flag of the matrix in a view's last two dims (CPU binding's rule).
bool matrix_layout(const TensorView& v, bool* trans, int64_t* ld) {
  const int64_t rs = v.strides[v.ndim - 2], cs = v.strides[v.ndim - 1];
  const int64_t rows = v.shape[v.ndim - 2], cols = v.shape[v.ndim - 1];
  if (cs == 1 || cols == 1) {
    *trans = false;
    *ld = rows <= 1 ? std::max<int64_t>(cols, 1) : rs;
    return rows <= 1 || *ld >= cols;
  }
  if (rs == 1 || rows == 1) {
    *trans = true;
    *ld = cols <= 1 ? std::max<int64_t>(rows, 1) : cs;
    return cols <= 1 || *ld >= rows;
  }
  return false;
}

// True (and *stride) when the batch dims [0, nb) of v step by one constant stride over the
// flattened batch index, so one strided-batched launch covers them.
bool flat_batch(const TensorView& v, int nb, const int64_t* bshape, int64_t* stride) {
  int64_t expect = -1;
  *stride = 0;
  for (int d = nb - 1; d >= 0; --d) {
    if (bshape[d] == 1) continue;
    if (expect < 0) {
      *stride = v.strides[d];
    } else if (v.strides[d] != expect) {
      return false;
    }
    expect = v.strides[d] * bshape[d];
  }
  return true;
}

TF_CUDA_BINDING(matmul) {
  ArgReader r(info, "matmul");
  int32_t act = int32_t(r.int64(0, 1, "act"));
  int32_t bias_kind = int32_t(r.int64(0, 2, "biasKind"));  // cpu::GemmBias
  bool has_bias = bias_kind != 0;
  TensorView y = r.view(0, "out"), a = r.view(1, "a"), b = r.view(2, "b");
  TensorView bias;
  if (has_bias) bias = r.view(3, "bias");
  if (!r.ok()) return info.Env().Undefined();
  if (y.ndim < 2 || a.ndim != y.ndim || b.ndim != y.ndim) return r.fail("operands must have the output's rank (>= 2)");
  if (y.dtype != DType::F32 || a.dtype != DType::F32 || b.dtype != DType::F32) return r.fail("float32 only");
  const int nd = y.ndim;
  const int64_t M = y.shape[nd - 2], N = y.shape[nd - 1], K = a.shape[nd - 1];
  if (a.shape[nd - 2] != M || b.shape[nd - 2] != K || b.shape[nd - 1] != N)
    return r.fail("inner dimensions do not match: a " + shape_str(a) + ", b " + shape_str(b) + ", out " + shape_str(y));
  for (int d = 0; d < nd - 2; ++d)
    if (a.shape[d] != y.shape[d] || b.shape[d] != y.shape[d]) return r.fail("batch dims must be broadcast to the output's");
  if (!y.is_contiguous()) return r.fail("output must be contiguous");
  if (same_storage_ptr(y, a) || same_storage_ptr(y, b)) return r.fail("out must not share storage with a or b");
  const int64_t blen = bias_kind == cpu::kBiasPerRow ? M : N;
  if (has_bias && (bias.dtype != DType::F32 || bias.ndim != 1 || bias.shape[0] != blen || (blen > 1 && bias.strides[0] != 1)))
    return r.fail("bias must be a contiguous float32 vector of length " + std::to_string(blen));
  bool ta = false, tb = false;
  int64_t lda = 1, ldb = 1;
  if (!matrix_layout(a, &ta, &lda) || !matrix_layout(b, &tb, &ldb))
    return r.fail("each matrix needs unit stride in one of its last two dims");
  int64_t batch = 1;
  for (int d = 0; d < nd - 2; ++d) batch *= y.shape[d];
  if (M == 0 || N == 0 || batch == 0) return info.Env().Undefined();
  cuda::Stream s = r.stream();
  if (K == 0) {  // NOTE: like the CPU binding, the epilogue of an empty product is left to TS
    cuda::fill(y, 0.0, s);
    return info.Env().Undefined();
  }
  cpu::GemmEpilogue ep;
  ep.bias = has_bias ? dptr<float>(bias) : nullptr;
  ep.bias_kind = bias_kind;
  ep.act = act;
  const cpu::GemmEpilogue* epp = has_bias || act ? &ep : nullptr;
  const int32_t prec = instance(info.Env()).precision;
  const float* A = static_cast<const float*>(a.data);
  const float* B = static_cast<const float*>(b.data);
  float* C = dptr<float>(y);
  int64_t sa = 0, sb = 0;
  if (flat_batch(a, nd - 2, y.shape, &sa) && flat_batch(b, nd - 2, y.shape, &sb)) {
    cuda::sgemm_batched(batch, ta, tb, M, N, K, 1.0f, A + a.offset, lda, sa, B + b.offset, ldb, sb, 0.0f, C, N, M * N,
                        epp, prec, s);
    return info.Env().Undefined();
  }
  for (int64_t i = 0; i < batch; ++i) {  // irregular broadcast: one launch per matrix
    int64_t rem = i, ao = a.offset, bo = b.offset;
    for (int d = nd - 3; d >= 0; --d) {
      int64_t c = rem % y.shape[d];
      rem /= y.shape[d];
      ao += c * a.strides[d];
      bo += c * b.strides[d];
    }
    cuda::sgemm(ta, tb, M, N, K, 1.0f, A + ao, lda, B + bo, ldb, 0.0f, C + i * M * N, N, epp, prec, s);
  }
  return info.Env().Undefined();
}

// ---- conv2d: the CPU addon's protocol (native/binding/conv.cpp) ----------------------------
// Params [algo, sH, sW, padTop, padBottom, padLeft, padRight, dilH, dilW, groups]; algo is
// accepted and ignored (CUDA has one algorithm, implicit GEMM) and the bindings return
// kCudaImplicitGemm. x [N,C,H,W], w [OC,C/g,KH,KW], y [N,OC,OH,OW].
// NOTE: the CPU's kConvImplicit code (native/cpu/conv.h), so lastConvAlgorithms() names it
// 'implicit' (it was 100, which has no name).
constexpr int kCudaImplicitGemm = 4;
struct ConvArgs {
  int64_t sh, sw, pt, pb, pl, pr, dh, dw, g;
};
ConvArgs read_conv(ArgReader& r) {
  ConvArgs c;
  r.int64(-1, 64, "algorithm");
  c.sh = r.int64(1, 1 << 20, "stride"); c.sw = r.int64(1, 1 << 20, "stride");
  c.pt = r.int64(0, 1 << 20, "padding"); c.pb = r.int64(0, 1 << 20, "padding");
  c.pl = r.int64(0, 1 << 20, "padding"); c.pr = r.int64(0, 1 << 20, "padding");
  c.dh = r.int64(1, 1 << 20, "dilation"); c.dw = r.int64(1, 1 << 20, "dilation");
  c.g = r.int64(1, 1 << 20, "groups");
  return c;
}
bool conv_params(ArgReader& r, const ConvArgs& a, const TensorView& x, const TensorView& w, const TensorView& y,
                 cuda::Conv2dParams* p) {
  if (!dense(r, x, "input", DType::F32, 4) || !dense(r, w, "weight", DType::F32, 4) ||
      !dense(r, y, "output", DType::F32, 4))
    return false;
  p->N = x.shape[0]; p->C = x.shape[1]; p->H = x.shape[2]; p->W = x.shape[3];
  p->OC = w.shape[0]; p->KH = w.shape[2]; p->KW = w.shape[3];
  p->sh = a.sh; p->sw = a.sw; p->ph = a.pt; p->pw = a.pl; p->dh = a.dh; p->dw = a.dw; p->groups = a.g;
  if (p->C % a.g || p->OC % a.g || w.shape[1] != p->C / a.g) {
    r.fail("weight " + shape_str(w) + " does not fit input " + shape_str(x) + " with groups=" + std::to_string(a.g));
    return false;
  }
  const int64_t eh = p->H + a.pt + a.pb - a.dh * (p->KH - 1) - 1, ew = p->W + a.pl + a.pr - a.dw * (p->KW - 1) - 1;
  if (eh < 0 || ew < 0 || p->KH == 0 || p->KW == 0) {
    r.fail("kernel " + shape_str(w) + " is larger than the padded input " + shape_str(x));
    return false;
  }
  p->OH = eh / a.sh + 1;
  p->OW = ew / a.sw + 1;
  return has_shape(r, y, "output", {p->N, p->OC, p->OH, p->OW});
}

// conv2dForward(y, x, w, bias?) args: [conv params, act, hasBias, view y, view x, view w, (view bias)]
TF_CUDA_BINDING(conv2dForward) {
  ArgReader r(info, "conv2d");
  ConvArgs ca = read_conv(r);
  int32_t act = int32_t(r.int64(0, 1, "activation"));
  bool has_bias = r.int64(0, 1, "hasBias") != 0;
  TensorView y = r.view(0, "out"), x = r.view(1, "input"), w = r.view(2, "weight");
  TensorView bias = has_bias ? r.view(3, "bias") : TensorView();
  cuda::Conv2dParams p;
  if (!r.ok() || !conv_params(r, ca, x, w, y, &p)) return info.Env().Undefined();
  if (has_bias && (!dense(r, bias, "bias", DType::F32, 1) || !has_shape(r, bias, "bias", {p.OC})))
    return info.Env().Undefined();
  if (same_storage_ptr(y, x) || same_storage_ptr(y, w)) return r.fail("out must not share storage with the inputs");
  p.act = act;
  cuda::conv2d_forward(dptr<float>(y), dptr<float>(x), dptr<float>(w), dptr<float>(bias), p,
                       instance(info.Env()).precision, r.stream());
  return Napi::Number::New(info.Env(), kCudaImplicitGemm);
}

// conv2dBackwardInput(dx, dy, w) args: [conv params, view dx, view dy, view w]
TF_CUDA_BINDING(conv2dBackwardInput) {
  ArgReader r(info, "conv2d backward input");
  ConvArgs ca = read_conv(r);
  TensorView dx = r.view(0, "grad_input"), dy = r.view(1, "grad_output"), w = r.view(2, "weight");
  cuda::Conv2dParams p;
  if (!r.ok() || !conv_params(r, ca, dx, w, dy, &p)) return info.Env().Undefined();
  if (same_storage_ptr(dx, dy) || same_storage_ptr(dx, w)) return r.fail("grad_input must not share storage with the inputs");
  cuda::conv2d_backward_input(dptr<float>(dx), dptr<float>(dy), dptr<float>(w), p, instance(info.Env()).precision,
                              r.stream());
  return Napi::Number::New(info.Env(), kCudaImplicitGemm);
}

// conv2dBackwardWeight(dw, dy, x, dbias?) args: [conv params, hasBias, view dw, view dy, view x, (view dbias)]
TF_CUDA_BINDING(conv2dBackwardWeight) {
  ArgReader r(info, "conv2d backward weight");
  ConvArgs ca = read_conv(r);
  bool has_bias = r.int64(0, 1, "hasBias") != 0;
  TensorView dw = r.view(0, "grad_weight"), dy = r.view(1, "grad_output"), x = r.view(2, "input");
  TensorView db = has_bias ? r.view(3, "grad_bias") : TensorView();
  cuda::Conv2dParams p;
  if (!r.ok() || !conv_params(r, ca, x, dw, dy, &p)) return info.Env().Undefined();
  if (has_bias && (!dense(r, db, "grad_bias", DType::F32, 1) || !has_shape(r, db, "grad_bias", {p.OC})))
    return info.Env().Undefined();
  if (same_storage_ptr(dw, dy) || same_storage_ptr(dw, x)) return r.fail("grad_weight must not share storage with the inputs");
  cuda::Stream s = r.stream();
  cuda::conv2d_backward_weight(dptr<float>(dw), dptr<float>(dy), dptr<float>(x), p, instance(info.Env()).precision, s);
  if (has_bias) cuda::conv2d_backward_bias(dptr<float>(db), dptr<float>(dy), p, s);
  return Napi::Number::New(info.Env(), kCudaImplicitGemm);
}

// ---- pooling: the CPU addon's protocol (native/binding/pool.cpp) --------------------------
// PyTorch's output size, with ceil mode's rule that the last window starts inside the input.
int64_t pool_out(int64_t in, int64_t k, int64_t s, int64_t pad, int64_t dil, bool ceil_mode) {
  const int64_t span = in + 2 * pad - dil * (k - 1) - 1;
  if (span < 0) return 0;
  int64_t out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (out - 1) * s >= in + pad) --out;
  return out;
}
// Reads [kh, kw, sh, sw, ph, pw, (dh, dw)] like the CPU's read_window.
bool read_window(ArgReader& r, cuda::Pool2dParams* p, bool dilation) {
  p->KH = r.int64(1, 1 << 20, "kernel_size"); p->KW = r.int64(1, 1 << 20, "kernel_size");
  p->sh = r.int64(1, 1 << 20, "stride"); p->sw = r.int64(1, 1 << 20, "stride");
  p->ph = r.int64(0, 1 << 20, "padding"); p->pw = r.int64(0, 1 << 20, "padding");
  if (dilation) {
    p->dh = r.int64(1, 1 << 20, "dilation");
    p->dw = r.int64(1, 1 << 20, "dilation");
  }
  if (r.ok() && (p->ph > p->KH / 2 || p->pw > p->KW / 2))
    r.fail("padding must be at most half of kernel_size");
  return r.ok();
}
bool pool_shapes(ArgReader& r, cuda::Pool2dParams* p, bool ceil_mode, const TensorView& x, const TensorView& y) {
  if (!dense(r, x, "input", DType::F32, 4) || !dense(r, y, "output", DType::F32, 4)) return false;
  p->N = x.shape[0]; p->C = x.shape[1]; p->H = x.shape[2]; p->W = x.shape[3];
  p->OH = pool_out(p->H, p->KH, p->sh, p->ph, p->dh, ceil_mode);
  p->OW = pool_out(p->W, p->KW, p->sw, p->pw, p->dw, ceil_mode);
  if (p->OH < 1 || p->OW < 1) return r.fail("output size is too small for input " + shape_str(x)), false;
  return has_shape(r, y, "output", {p->N, p->C, p->OH, p->OW});
}

// maxPool2dForward(y, idx, x) args: [kh, kw, sh, sw, ph, pw, dh, dw, ceilMode, view y, view idx, view x]
TF_CUDA_BINDING(maxPool2dForward) {
  ArgReader r(info, "maxPool2d");
  cuda::Pool2dParams p;
  read_window(r, &p, true);
  bool ceil_mode = r.int64(0, 1, "ceil_mode") != 0;
  TensorView y = r.view(0, "out"), idx = r.view(1, "indices"), x = r.view(2, "input");
  if (!r.ok() || !pool_shapes(r, &p, ceil_mode, x, y) || !dense(r, idx, "indices", DType::I32) ||
      !has_shape(r, idx, "indices", {p.N, p.C, p.OH, p.OW}))
    return info.Env().Undefined();
  if (p.H * p.W > int64_t(INT32_MAX)) return r.fail("input planes over 2^31 elements are not supported");
  cuda::max_pool2d_forward(dptr<float>(y), dptr<int32_t>(idx), dptr<float>(x), p, r.stream());
  return info.Env().Undefined();
}

// maxPool2dBackward(dx, dy, idx) args: [view dx, view dy, view idx]; idx values are checked in
// the kernel (an index outside the plane is skipped, never written).
TF_CUDA_BINDING(maxPool2dBackward) {
  ArgReader r(info, "maxPool2d backward");
  TensorView dx = r.view(0, "grad_input"), dy = r.view(1, "grad_output"), idx = r.view(2, "indices");
  if (!dense(r, dx, "grad_input", DType::F32, 4) || !dense(r, dy, "grad_output", DType::F32, 4) ||
      !dense(r, idx, "indices", DType::I32, 4) ||
      !has_shape(r, dy, "grad_output", {dx.shape[0], dx.shape[1], dy.shape[2], dy.shape[3]}) || !same_shape(idx, dy))
    return r.ok() ? r.fail("indices must match grad_output's shape") : info.Env().Undefined();
  cuda::Pool2dParams p{};
  p.N = dx.shape[0]; p.C = dx.shape[1]; p.H = dx.shape[2]; p.W = dx.shape[3]; p.OH = dy.shape[2]; p.OW = dy.shape[3];
  cuda::max_pool2d_backward(dptr<float>(dx), dptr<float>(dy), dptr<int32_t>(idx), p, r.stream());
  return info.Env().Undefined();
}

// Reads [kh, kw, sh, sw, ph, pw, ceilMode, countIncludePad, divisorOverride (0 = none)].
bool read_avg(ArgReader& r, cuda::Pool2dParams* p, bool* ceil_mode) {
  read_window(r, p, false);
  *ceil_mode = r.int64(0, 1, "ceil_mode") != 0;
  p->count_include_pad = r.int64(0, 1, "count_include_pad") != 0;
  p->divisor_override = r.int64(0, 1 << 20, "divisor_override");
  return r.ok();
}

// avgPool2dForward(y, x) args: [window as read_avg, view y, view x]
TF_CUDA_BINDING(avgPool2dForward) {
  ArgReader r(info, "avgPool2d");
  cuda::Pool2dParams p;
  bool ceil_mode = false;
  read_avg(r, &p, &ceil_mode);
  TensorView y = r.view(0, "out"), x = r.view(1, "input");
  if (!r.ok() || !pool_shapes(r, &p, ceil_mode, x, y)) return info.Env().Undefined();
  cuda::avg_pool2d_forward(dptr<float>(y), dptr<float>(x), p, r.stream());
  return info.Env().Undefined();
}

// avgPool2dBackward(dx, dy) args: [window as read_avg, view dx, view dy]
TF_CUDA_BINDING(avgPool2dBackward) {
  ArgReader r(info, "avgPool2d backward");
  cuda::Pool2dParams p;
  bool ceil_mode = false;
  read_avg(r, &p, &ceil_mode);
  TensorView dx = r.view(0, "grad_input"), dy = r.view(1, "grad_output");
  if (!r.ok() || !pool_shapes(r, &p, ceil_mode, dx, dy)) return info.Env().Undefined();
  cuda::avg_pool2d_backward(dptr<float>(dx), dptr<float>(dy), p, r.stream());
  return info.Env().Undefined();
}

bool adaptive_shapes(ArgReader& r, const TensorView& x, const TensorView& y) {
  if (!dense(r, x, "input", DType::F32, 4) || !dense(r, y, "output", DType::F32, 4)) return false;
  if (x.shape[2] < 1 || x.shape[3] < 1 || y.shape[2] < 1 || y.shape[3] < 1)
    return r.fail("spatial sizes must be positive, got " + shape_str(x) + " and " + shape_str(y)), false;
  return has_shape(r, y, "output", {x.shape[0], x.shape[1], y.shape[2], y.shape[3]});
}

// adaptiveAvgPool2dForward(y, x) args: [view y, view x]; the output size is y's.
TF_CUDA_BINDING(adaptiveAvgPool2dForward) {
  ArgReader r(info, "adaptiveAvgPool2d");
  TensorView y = r.view(0, "out"), x = r.view(1, "input");
  if (!r.ok() || !adaptive_shapes(r, x, y)) return info.Env().Undefined();
  cuda::adaptive_avg_pool2d_forward(dptr<float>(y), dptr<float>(x), x.shape[0] * x.shape[1], x.shape[2], x.shape[3],
                                    y.shape[2], y.shape[3], r.stream());
  return info.Env().Undefined();
}

// adaptiveAvgPool2dBackward(dx, dy) args: [view dx, view dy]
TF_CUDA_BINDING(adaptiveAvgPool2dBackward) {
  ArgReader r(info, "adaptiveAvgPool2d backward");
  TensorView dx = r.view(0, "grad_input"), dy = r.view(1, "grad_output");
  if (!r.ok() || !adaptive_shapes(r, dx, dy)) return info.Env().Undefined();
  cuda::adaptive_avg_pool2d_backward(dptr<float>(dx), dptr<float>(dy), dx.shape[0] * dx.shape[1], dx.shape[2],
                                     dx.shape[3], dy.shape[2], dy.shape[3], r.stream());
  return info.Env().Undefined();
}

// ---- batch norm: the CPU addon's protocol (native/binding/norm.cpp) ------------------------
// x [N, C, ...]: S is the product of the trailing dims.
bool bn_dims(ArgReader& r, const TensorView& x, int64_t* N, int64_t* C, int64_t* S) {
  if (!dense(r, x, "input")) return false;
  if (x.ndim < 2) {
    r.fail("input must be [N, C, ...], got " + shape_str(x));
    return false;
  }
  *N = x.shape[0];
  *C = x.shape[1];
  *S = 1;
  for (int d = 2; d < x.ndim; ++d) *S *= x.shape[d];
  return true;
}
bool per_channel(ArgReader& r, const TensorView& v, const char* what, int64_t C) {
  if (!v.data) return true;
  return dense(r, v, what, DType::F32, 1) && has_shape(r, v, what, {C});
}
TensorView maybe_view(ArgReader& r, bool present, size_t arg, const char* what) {
  return present ? r.view(arg, what) : TensorView();
}

// batchNormForward(y, saveMean, saveInvstd, x, weight?, bias?, runningMean?, runningVar?)
// args: [training, momentum, eps, hasWeight, hasBias, hasRunningStats, view y, view saveMean,
// view saveInvstd, view x, (view weight), (view bias), (view runningMean, view runningVar)]
TF_CUDA_BINDING(batchNormForward) {
  ArgReader r(info, "batchNorm");
  bool training = r.int64(0, 1, "training") != 0;
  double momentum = r.num(), eps = r.num();
  bool has_g = r.int64(0, 1, "hasWeight") != 0, has_b = r.int64(0, 1, "hasBias") != 0;
  bool has_run = r.int64(0, 1, "hasRunningStats") != 0;
  TensorView y = r.view(0, "out"), sm = r.view(1, "save_mean"), si = r.view(2, "save_invstd"), x = r.view(3, "input");
  TensorView g = maybe_view(r, has_g, 4, "weight"), b = maybe_view(r, has_b, 5, "bias");
  TensorView rm = maybe_view(r, has_run, 6, "running_mean"), rv = maybe_view(r, has_run, 7, "running_var");
  int64_t N, C, S;
  if (!r.ok() || !bn_dims(r, x, &N, &C, &S) || !dense(r, y, "out")) return info.Env().Undefined();
  if (!same_shape(x, y)) return r.fail("out " + shape_str(y) + " must have the input's shape " + shape_str(x));
  if (!std::isfinite(momentum) || !std::isfinite(eps) || eps < 0)
    return r.fail("momentum must be finite and eps finite and non-negative");
  if (!per_channel(r, sm, "save_mean", C) || !per_channel(r, si, "save_invstd", C) || !per_channel(r, g, "weight", C) ||
      !per_channel(r, b, "bias", C) || !per_channel(r, rm, "running_mean", C) || !per_channel(r, rv, "running_var", C))
    return info.Env().Undefined();
  if (!training && !has_run) return r.fail("eval mode needs running_mean and running_var");
  if (training && N * S <= 1)
    return r.fail("expected more than 1 value per channel when training, got input " + shape_str(x));
  cuda::Stream s = r.stream();
  if (training)
    cuda::batch_norm_forward_train(dptr<float>(y), dptr<float>(sm), dptr<float>(si), dptr<float>(rm), dptr<float>(rv),
                                   dptr<float>(x), dptr<float>(g), dptr<float>(b), N, C, S, float(momentum), float(eps), s);
  else
    cuda::batch_norm_forward_eval(dptr<float>(y), dptr<float>(sm), dptr<float>(si), dptr<float>(x), dptr<float>(rm),
                                  dptr<float>(rv), dptr<float>(g), dptr<float>(b), N, C, S, float(eps), s);
  return info.Env().Undefined();
}

// batchNormBackward(dx?, dweight?, dbias?, dy, x, saveMean, saveInvstd, weight?) args:
// [training, hasDx, hasDweight, hasDbias, hasWeight, (view dx), (view dweight), (view dbias),
//  view dy, view x, view saveMean, view saveInvstd, (view weight)]
TF_CUDA_BINDING(batchNormBackward) {
  ArgReader r(info, "batchNorm backward");
  bool training = r.int64(0, 1, "training") != 0;
  bool has_dx = r.int64(0, 1, "hasDx") != 0, has_dg = r.int64(0, 1, "hasDweight") != 0;
  bool has_db = r.int64(0, 1, "hasDbias") != 0, has_g = r.int64(0, 1, "hasWeight") != 0;
  TensorView dx = maybe_view(r, has_dx, 0, "grad_input"), dg = maybe_view(r, has_dg, 1, "grad_weight");
  TensorView db = maybe_view(r, has_db, 2, "grad_bias");
  TensorView dy = r.view(3, "grad_output"), x = r.view(4, "input"), sm = r.view(5, "save_mean"), si = r.view(6, "save_invstd");
  TensorView g = maybe_view(r, has_g, 7, "weight");
  int64_t N, C, S;
  if (!r.ok() || !bn_dims(r, x, &N, &C, &S) || !dense(r, dy, "grad_output")) return info.Env().Undefined();
  if (!same_shape(x, dy)) return r.fail("grad_output " + shape_str(dy) + " must have the input's shape " + shape_str(x));
  if (has_dx && (!dense(r, dx, "grad_input") || !same_shape(x, dx)))
    return r.ok() ? r.fail("grad_input must have the input's shape " + shape_str(x)) : info.Env().Undefined();
  if (!per_channel(r, sm, "save_mean", C) || !per_channel(r, si, "save_invstd", C) || !per_channel(r, g, "weight", C) ||
      !per_channel(r, dg, "grad_weight", C) || !per_channel(r, db, "grad_bias", C))
    return info.Env().Undefined();
  if (N * S == 0) return r.fail("needs at least one value per channel");
  cuda::batch_norm_backward(dptr<float>(dx), dptr<float>(dg), dptr<float>(db), dptr<float>(dy), dptr<float>(x),
                            dptr<float>(sm), dptr<float>(si), dptr<float>(g), N, C, S, training, r.stream());
  return info.Env().Undefined();
}

// ---- recurrent cells -----------------------------------------------------------------------
bool bh(ArgReader& r, const TensorView& v, const char* what, int64_t B, int64_t H) {
  if (!v.data) return true;
  return dense(r, v, what) && has_shape(r, v, what, {B, H});
}

// lstmCell(h, c, act, gates, cPrev?) args: [views]; gates/act [B,4H], others [B,H]
TF_CUDA_BINDING(lstmCell) {
  ArgReader r(info, "lstmCell");
  TensorView h = r.view(0, "h"), c = r.view(1, "c"), act = r.view(2, "act"), gates = r.view(3, "gates");
  TensorView cp = r.optional_view(4, "cPrev");
  if (!dense(r, gates, "gates", DType::F32, 2)) return info.Env().Undefined();
  const int64_t B = gates.shape[0], H = gates.shape[1] / 4;
  if (gates.shape[1] % 4) return r.fail("gates must be [B, 4H], got " + shape_str(gates));
  if (!bh(r, h, "h", B, H) || !bh(r, c, "c", B, H) || !bh(r, cp, "cPrev", B, H) || !bh(r, act, "act", B, 4 * H))
    return info.Env().Undefined();
  cuda::lstm_cell_forward(dptr<float>(h), dptr<float>(c), dptr<float>(act), dptr<float>(gates), dptr<float>(cp), B, H,
                          r.stream());
  return info.Env().Undefined();
}

// lstmCellBackward(dgates, dcPrev, dh, dc?, act, cPrev?, c) args: [views]
TF_CUDA_BINDING(lstmCellBackward) {
  ArgReader r(info, "lstmCellBackward");
  TensorView dg = r.view(0, "dgates"), dcp = r.view(1, "dcPrev"), dh = r.view(2, "dh"), dc = r.optional_view(3, "dc");
  TensorView act = r.view(4, "act"), cp = r.optional_view(5, "cPrev"), c = r.view(6, "c");
  if (!dense(r, act, "act", DType::F32, 2)) return info.Env().Undefined();
  const int64_t B = act.shape[0], H = act.shape[1] / 4;
  if (act.shape[1] % 4) return r.fail("act must be [B, 4H], got " + shape_str(act));
  if (!bh(r, dg, "dgates", B, 4 * H) || !bh(r, dcp, "dcPrev", B, H) || !bh(r, dh, "dh", B, H) ||
      !bh(r, dc, "dc", B, H) || !bh(r, cp, "cPrev", B, H) || !bh(r, c, "c", B, H))
    return info.Env().Undefined();
  cuda::lstm_cell_backward(dptr<float>(dg), dptr<float>(dcp), dptr<float>(dh), dptr<float>(dc), dptr<float>(act),
                           dptr<float>(cp), dptr<float>(c), B, H, r.stream());
  return info.Env().Undefined();
}

// gruCell(h, act, gx, gh, hPrev) args: [views]; gx/gh [B,3H], act [B,4H], h/hPrev [B,H]
TF_CUDA_BINDING(gruCell) {
  ArgReader r(info, "gruCell");
  TensorView h = r.view(0, "h"), act = r.view(1, "act"), gx = r.view(2, "gx"), gh = r.view(3, "gh"),
             hp = r.view(4, "hPrev");
  if (!dense(r, gx, "gx", DType::F32, 2)) return info.Env().Undefined();
  const int64_t B = gx.shape[0], H = gx.shape[1] / 3;
  if (gx.shape[1] % 3) return r.fail("gx must be [B, 3H], got " + shape_str(gx));
  if (!bh(r, h, "h", B, H) || !bh(r, act, "act", B, 4 * H) || !bh(r, gh, "gh", B, 3 * H) || !bh(r, hp, "hPrev", B, H))
    return info.Env().Undefined();
  cuda::gru_cell_forward(dptr<float>(h), dptr<float>(act), dptr<float>(gx), dptr<float>(gh), dptr<float>(hp), B, H,
                         r.stream());
  return info.Env().Undefined();
}

// gruCellBackward(dgx, dgh, dhPrev, dh, act, hPrev) args: [views]
TF_CUDA_BINDING(gruCellBackward) {
  ArgReader r(info, "gruCellBackward");
  TensorView dgx = r.view(0, "dgx"), dgh = r.view(1, "dgh"), dhp = r.view(2, "dhPrev"), dh = r.view(3, "dh"),
             act = r.view(4, "act"), hp = r.view(5, "hPrev");
  if (!dense(r, act, "act", DType::F32, 2)) return info.Env().Undefined();
  const int64_t B = act.shape[0], H = act.shape[1] / 4;
  if (act.shape[1] % 4) return r.fail("act must be [B, 4H], got " + shape_str(act));
  if (!bh(r, dgx, "dgx", B, 3 * H) || !bh(r, dgh, "dgh", B, 3 * H) || !bh(r, dhp, "dhPrev", B, H) ||
      !bh(r, dh, "dh", B, H) || !bh(r, hp, "hPrev", B, H))
    return info.Env().Undefined();
  cuda::gru_cell_backward(dptr<float>(dgx), dptr<float>(dgh), dptr<float>(dhp), dptr<float>(dh), dptr<float>(act),
                          dptr<float>(hp), B, H, r.stream());
  return info.Env().Undefined();
}

// lstmLayer(hs, cs, gates, x, wIh, wHh, bias?, h0?, c0?) args: [views]
// x [T,B,I], wIh [4H,I], wHh [4H,H], bias [4H] (b_ih + b_hh), h0/c0 [B,H]; hs/cs [T,B,H], gates [T,B,4H]
TF_CUDA_BINDING(lstmLayer) {
  ArgReader r(info, "lstmLayer");
  TensorView hs = r.view(0, "hs"), cs = r.view(1, "cs"), gates = r.view(2, "gates"), x = r.view(3, "input"),
             wih = r.view(4, "weightIh"), whh = r.view(5, "weightHh");
  TensorView bias = r.optional_view(6, "bias"), h0 = r.optional_view(7, "h0"), c0 = r.optional_view(8, "c0");
  if (!dense(r, x, "input", DType::F32, 3) || !dense(r, whh, "weightHh", DType::F32, 2)) return info.Env().Undefined();
  const int64_t T = x.shape[0], B = x.shape[1], I = x.shape[2], H = whh.shape[1];
  if (!dense(r, wih, "weightIh") || !has_shape(r, wih, "weightIh", {4 * H, I}) ||
      !has_shape(r, whh, "weightHh", {4 * H, H}) || !dense(r, hs, "hs") || !has_shape(r, hs, "hs", {T, B, H}) ||
      !dense(r, cs, "cs") || !has_shape(r, cs, "cs", {T, B, H}) || !dense(r, gates, "gates") ||
      !has_shape(r, gates, "gates", {T, B, 4 * H}) || !bh(r, h0, "h0", B, H) || !bh(r, c0, "c0", B, H))
    return info.Env().Undefined();
  if (bias.data && (!dense(r, bias, "bias", DType::F32, 1) || !has_shape(r, bias, "bias", {4 * H})))
    return info.Env().Undefined();
  cuda::lstm_layer_forward(dptr<float>(hs), dptr<float>(cs), dptr<float>(gates), dptr<float>(x), dptr<float>(wih),
                           dptr<float>(whh), dptr<float>(bias), dptr<float>(h0), dptr<float>(c0), T, B, I, H,
                           instance(info.Env()).precision, r.stream());
  return info.Env().Undefined();
}

// ---- softmax: the CPU addon's protocol (native/binding/softmax.cpp) -----------------------
// [outer, n, inner] split of a contiguous tensor at dim.
void split_at(const TensorView& x, int dim, int64_t* outer, int64_t* n, int64_t* inner) {
  *outer = 1; *inner = 1; *n = x.ndim ? x.shape[dim] : 1;
  for (int d = 0; d < dim; ++d) *outer *= x.shape[d];
  for (int d = dim + 1; d < x.ndim; ++d) *inner *= x.shape[d];
}

// softmax(y, x) args: [log, dim, view y, view x]; contiguous float32
TF_CUDA_BINDING(softmax) {
  ArgReader r(info, "softmax");
  bool log = r.int64(0, 1, "log") == 1;
  int dim = int(r.int64(0, kMaxDims, "dim"));
  TensorView y = r.view(0, "out"), x = r.view(1, "input");
  if (!dense(r, x, "input") || !dense(r, y, "out")) return info.Env().Undefined();
  if (!same_shape(x, y)) return r.fail("input and out must be contiguous float32 of one shape");
  if (dim >= std::max(x.ndim, 1)) return r.fail("dim out of range");
  int64_t outer, n, inner;
  split_at(x, dim, &outer, &n, &inner);
  cuda::softmax_forward(dptr<float>(y), dptr<float>(x), outer, n, inner, log, r.stream());
  return info.Env().Undefined();
}

// softmaxBackward(dx, dy, y) args: [log, dim, view dx, view dy, view y]
TF_CUDA_BINDING(softmaxBackward) {
  ArgReader r(info, "softmax backward");
  bool log = r.int64(0, 1, "log") == 1;
  int dim = int(r.int64(0, kMaxDims, "dim"));
  TensorView dx = r.view(0, "grad_input"), dy = r.view(1, "grad_output"), y = r.view(2, "output");
  if (!dense(r, dx, "grad_input") || !dense(r, dy, "grad_output") || !dense(r, y, "output")) return info.Env().Undefined();
  if (!same_shape(dx, dy) || !same_shape(dx, y)) return r.fail("dx, dy and y must have one shape");
  if (dim >= std::max(y.ndim, 1)) return r.fail("dim out of range");
  int64_t outer, n, inner;
  split_at(y, dim, &outer, &n, &inner);
  cuda::softmax_backward(dptr<float>(dx), dptr<float>(dy), dptr<float>(y), outer, n, inner, log, r.stream());
  return info.Env().Undefined();
}

// ---- fused cross-entropy rows (CUDA only for now) ------------------------------------------
// NOTE: not the CPU addon's crossEntropy protocol (reduction, smoothing, probabilities,
// class weights): these are the per-row kernels it reduces over; named apart on purpose.
// crossEntropyRows(loss, lse, logits, target) args: [ignoreIndex, views]; logits [N,C], target int32 [N]
TF_CUDA_BINDING(crossEntropyRows) {
  ArgReader r(info, "crossEntropy");
  int32_t ignore = int32_t(r.int64(-2147483648LL, 2147483647LL, "ignoreIndex"));
  TensorView loss = r.view(0, "loss"), lse = r.view(1, "lse"), logits = r.view(2, "logits"), t = r.view(3, "target");
  if (!dense(r, logits, "logits", DType::F32, 2)) return info.Env().Undefined();
  const int64_t N = logits.shape[0], C = logits.shape[1];
  if (!dense(r, t, "target", DType::I32) || !has_shape(r, t, "target", {N}) || !dense(r, loss, "loss") ||
      !has_shape(r, loss, "loss", {N}) || !dense(r, lse, "lse") || !has_shape(r, lse, "lse", {N}))
    return info.Env().Undefined();
  if (C == 0 && N > 0) return r.fail("logits need at least one class");
  cuda::cross_entropy_forward(dptr<float>(loss), dptr<float>(lse), dptr<float>(logits), dptr<int32_t>(t), N, C, ignore,
                              r.stream());
  return info.Env().Undefined();
}

// crossEntropyRowsBackward(dlogits, dloss, logits, lse, target) args: [ignoreIndex, views]
TF_CUDA_BINDING(crossEntropyRowsBackward) {
  ArgReader r(info, "crossEntropyBackward");
  int32_t ignore = int32_t(r.int64(-2147483648LL, 2147483647LL, "ignoreIndex"));
  TensorView dl = r.view(0, "dlogits"), dloss = r.view(1, "dloss"), logits = r.view(2, "logits"),
             lse = r.view(3, "lse"), t = r.view(4, "target");
  if (!dense(r, logits, "logits", DType::F32, 2)) return info.Env().Undefined();
  const int64_t N = logits.shape[0], C = logits.shape[1];
  if (!dense(r, dl, "dlogits") || !same_shape(dl, logits) || !dense(r, dloss, "dloss") ||
      !has_shape(r, dloss, "dloss", {N}) || !dense(r, lse, "lse") || !has_shape(r, lse, "lse", {N}) ||
      !dense(r, t, "target", DType::I32) || !has_shape(r, t, "target", {N}))
    return r.ok() ? r.fail("dlogits must match logits " + shape_str(logits)) : info.Env().Undefined();
  cuda::cross_entropy_backward(dptr<float>(dl), dptr<float>(dloss), dptr<float>(logits), dptr<float>(lse),
                               dptr<int32_t>(t), N, C, ignore, r.stream());
  return info.Env().Undefined();
}

// ---- dropout -------------------------------------------------------------------------------
// dropout(y, mask, x) args: [p, view y, view mask (uint8), view x]; advances the RNG offset.
TF_CUDA_BINDING(dropout) {
  ArgReader r(info, "dropout");
  double p = r.num();
  TensorView y = r.view(0, "out"), mask = r.view(1, "mask"), x = r.view(2, "input");
  if (!dense(r, x, "input") || !dense(r, y, "out") || !dense(r, mask, "mask", DType::U8)) return info.Env().Undefined();
  if (!same_shape(x, y) || !same_shape(x, mask)) return r.fail("out and mask must match the input shape " + shape_str(x));
  if (!(p >= 0.0 && p <= 1.0)) return r.fail("p must be in [0, 1], got " + std::to_string(p));
  Instance& inst = instance(info.Env());
  const uint64_t offset = inst.rng_offset;
  inst.rng_offset += uint64_t(x.numel());
  cuda::dropout_forward(dptr<float>(y), dptr<uint8_t>(mask), dptr<float>(x), x.numel(), float(p), inst.seed, offset,
                        r.stream());
  return info.Env().Undefined();
}

// dropoutBackward(dx, dy, mask) args: [p, view dx, view dy, view mask]
TF_CUDA_BINDING(dropoutBackward) {
  ArgReader r(info, "dropoutBackward");
  double p = r.num();
  TensorView dx = r.view(0, "dx"), dy = r.view(1, "dy"), mask = r.view(2, "mask");
  if (!dense(r, dx, "dx") || !dense(r, dy, "dy") || !dense(r, mask, "mask", DType::U8)) return info.Env().Undefined();
  if (!same_shape(dx, dy) || !same_shape(dx, mask)) return r.fail("dx, dy and mask must have one shape");
  if (!(p >= 0.0 && p <= 1.0)) return r.fail("p must be in [0, 1], got " + std::to_string(p));
  cuda::dropout_backward(dptr<float>(dx), dptr<float>(dy), dptr<uint8_t>(mask), dx.numel(), float(p), r.stream());
  return info.Env().Undefined();
}

// ---- optimizers: the CPU addon's protocol (native/binding/optim.cpp) -----------------------
bool same_param(ArgReader& r, const TensorView& p, const TensorView& v, const char* what) {
  if (!dense(r, v, what)) return false;
  if (!same_shape(p, v)) return r.fail(std::string(what) + " " + shape_str(v) + " must match param " + shape_str(p)), false;
  return true;
}

// sgdStep(p, g, buf?) args: [lr, momentum, dampening, weightDecay, nesterov, first, maximize,
// view p, view g, (view buf if momentum != 0)]
TF_CUDA_BINDING(sgdStep) {
  ArgReader r(info, "sgd");
  double lr = r.num(), momentum = r.num(), dampening = r.num(), wd = r.num();
  bool nesterov = r.int64(0, 1, "nesterov") == 1, first = r.int64(0, 1, "first") == 1;
  bool maximize = r.int64(0, 1, "maximize") == 1;
  const bool has_buf = momentum != 0.0;
  TensorView p = r.view(0, "param"), g = r.view(1, "grad");
  TensorView buf = has_buf ? r.view(2, "momentum_buffer") : TensorView();
  if (!r.ok() || !dense(r, p, "param") || !same_param(r, p, g, "grad") || (has_buf && !same_param(r, p, buf, "momentum_buffer")))
    return info.Env().Undefined();
  if (!std::isfinite(lr) || !std::isfinite(momentum) || !std::isfinite(dampening) || !std::isfinite(wd))
    return r.fail("hyperparameters must be finite");
  cuda::sgd_step(dptr<float>(p), dptr<float>(buf), dptr<float>(g), p.numel(), float(lr), float(momentum),
                 float(dampening), float(wd), nesterov, first, maximize, r.stream());
  return info.Env().Undefined();
}

// adamStep(p, g, m, v, vmax?) args: [lr, beta1, beta2, eps, weightDecay, decoupled, amsgrad,
// stepSize, bc2Sqrt, maximize, view p, view g, view expAvg, view expAvgSq, (view maxExpAvgSq)]
TF_CUDA_BINDING(adamStep) {
  ArgReader r(info, "adam");
  double lr = r.num(), b1 = r.num(), b2 = r.num(), eps = r.num(), wd = r.num();
  bool decoupled = r.int64(0, 1, "decoupled") == 1, amsgrad = r.int64(0, 1, "amsgrad") == 1;
  double step_size = r.num(), bc2_sqrt = r.num();
  bool maximize = r.int64(0, 1, "maximize") == 1;
  TensorView p = r.view(0, "param"), g = r.view(1, "grad"), m = r.view(2, "exp_avg"), v = r.view(3, "exp_avg_sq");
  TensorView vmax = amsgrad ? r.view(4, "max_exp_avg_sq") : TensorView();
  if (!r.ok() || !dense(r, p, "param") || !same_param(r, p, g, "grad") || !same_param(r, p, m, "exp_avg") ||
      !same_param(r, p, v, "exp_avg_sq") || (amsgrad && !same_param(r, p, vmax, "max_exp_avg_sq")))
    return info.Env().Undefined();
  if (!(bc2_sqrt > 0) || !std::isfinite(step_size)) return r.fail("bias corrections must be positive and finite");
  cuda::adam_step(dptr<float>(p), dptr<float>(m), dptr<float>(v), dptr<float>(vmax), dptr<float>(g), p.numel(),
                  float(lr), float(b1), float(b2), float(eps), float(wd), decoupled, step_size, bc2_sqrt, maximize,
                  r.stream());
  return info.Env().Undefined();
}

}  // namespace
}  // namespace cudab
}  // namespace tf
