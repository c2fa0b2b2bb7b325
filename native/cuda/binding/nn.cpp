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
// matmul(y, a, b[, bias]) args: [act, hasBias, view y, view a, view b, (view bias)]
// a: [batch..., M, K], b: [batch..., K, N] (batch dims broadcast to y's, stride 0 allowed),
// y: contiguous [batch..., M, N]; bias: [N] contiguous. A matrix whose last two dims have
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
  bool has_bias = r.int64(0, 1, "hasBias") == 1;
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
  if (has_bias && (bias.dtype != DType::F32 || bias.ndim != 1 || bias.shape[0] != N || (N > 1 && bias.strides[0] != 1)))
    return r.fail("bias must be a contiguous float32 vector of length N");
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
  ep.bias_kind = has_bias ? cpu::kBiasPerCol : cpu::kBiasNone;
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

// ---- conv2d --------------------------------------------------------------------------------
// Reads [sh, sw, ph, pw, dh, dw, groups] and checks x [N,C,H,W], w [OC,C/g,KH,KW] and
// y [N,OC,OH,OW] agree (OH = (H + 2ph - dh(KH-1) - 1)/sh + 1).
struct ConvArgs {
  int64_t sh, sw, ph, pw, dh, dw, g;
};
ConvArgs read_conv(ArgReader& r) {
  ConvArgs c;
  c.sh = r.int64(1, 1 << 20, "stride"); c.sw = r.int64(1, 1 << 20, "stride");
  c.ph = r.int64(0, 1 << 20, "padding"); c.pw = r.int64(0, 1 << 20, "padding");
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
  p->sh = a.sh; p->sw = a.sw; p->ph = a.ph; p->pw = a.pw; p->dh = a.dh; p->dw = a.dw; p->groups = a.g;
  if (p->C % a.g || p->OC % a.g || w.shape[1] != p->C / a.g) {
    r.fail("weight " + shape_str(w) + " does not fit input " + shape_str(x) + " with groups=" + std::to_string(a.g));
    return false;
  }
  const int64_t eh = p->H + 2 * a.ph - a.dh * (p->KH - 1) - 1, ew = p->W + 2 * a.pw - a.dw * (p->KW - 1) - 1;
  if (eh < 0 || ew < 0 || p->KH == 0 || p->KW == 0) {
    r.fail("kernel " + shape_str(w) + " is larger than the padded input " + shape_str(x));
    return false;
  }
  p->OH = eh / a.sh + 1;
  p->OW = ew / a.sw + 1;
  return has_shape(r, y, "output", {p->N, p->OC, p->OH, p->OW});
}

// conv2d(y, x, w, bias?) args: [conv params, view y, view x, view w, (view bias)]
TF_CUDA_BINDING(conv2d) {
  ArgReader r(info, "conv2d");
  ConvArgs ca = read_conv(r);
  TensorView y = r.view(0, "out"), x = r.view(1, "input"), w = r.view(2, "weight");
  TensorView bias = r.optional_view(3, "bias");
  cuda::Conv2dParams p;
  if (!r.ok() || !conv_params(r, ca, x, w, y, &p)) return info.Env().Undefined();
  if (bias.data && (!dense(r, bias, "bias", DType::F32, 1) || !has_shape(r, bias, "bias", {p.OC})))
    return info.Env().Undefined();
  cuda::conv2d_forward(dptr<float>(y), dptr<float>(x), dptr<float>(w), dptr<float>(bias), p,
                       instance(info.Env()).precision, r.stream());
  return info.Env().Undefined();
}

// conv2dBackwardInput(dx, dy, w) args: [conv params, view dx, view dy, view w]
TF_CUDA_BINDING(conv2dBackwardInput) {
  ArgReader r(info, "conv2dBackwardInput");
  ConvArgs ca = read_conv(r);
  TensorView dx = r.view(0, "dx"), dy = r.view(1, "dy"), w = r.view(2, "weight");
  cuda::Conv2dParams p;
  if (!r.ok() || !conv_params(r, ca, dx, w, dy, &p)) return info.Env().Undefined();
  cuda::conv2d_backward_input(dptr<float>(dx), dptr<float>(dy), dptr<float>(w), p, instance(info.Env()).precision,
                              r.stream());
  return info.Env().Undefined();
}

// conv2dBackwardWeight(dw, dy, x) args: [conv params, view dw, view dy, view x]
TF_CUDA_BINDING(conv2dBackwardWeight) {
  ArgReader r(info, "conv2dBackwardWeight");
  ConvArgs ca = read_conv(r);
  TensorView dw = r.view(0, "dw"), dy = r.view(1, "dy"), x = r.view(2, "input");
  cuda::Conv2dParams p;
  if (!r.ok() || !conv_params(r, ca, x, dw, dy, &p)) return info.Env().Undefined();
  cuda::conv2d_backward_weight(dptr<float>(dw), dptr<float>(dy), dptr<float>(x), p, instance(info.Env()).precision,
                               r.stream());
  return info.Env().Undefined();
}

// conv2dBackwardBias(db, dy) args: [view db, view dy]
TF_CUDA_BINDING(conv2dBackwardBias) {
  ArgReader r(info, "conv2dBackwardBias");
  TensorView db = r.view(0, "db"), dy = r.view(1, "dy");
  if (!dense(r, dy, "dy", DType::F32, 4) || !dense(r, db, "db", DType::F32, 1) ||
      !has_shape(r, db, "db", {dy.shape[1]}))
    return info.Env().Undefined();
  cuda::Conv2dParams p{};
  p.N = dy.shape[0]; p.OC = dy.shape[1]; p.OH = dy.shape[2]; p.OW = dy.shape[3];
  cuda::conv2d_backward_bias(dptr<float>(db), dptr<float>(dy), p, r.stream());
  return info.Env().Undefined();
}

// ---- pooling -------------------------------------------------------------------------------
// Params [KH, KW, sh, sw, ph, pw]; then x [N,C,H,W] is checked against y [N,C,OH,OW]
// (floor or ceil mode: the last window must start inside the padded input).
struct PoolArgs { int64_t KH, KW, sh, sw, ph, pw; };
PoolArgs read_pool(ArgReader& r) {
  PoolArgs a;
  a.KH = r.int64(1, 1 << 20, "kernelSize"); a.KW = r.int64(1, 1 << 20, "kernelSize");
  a.sh = r.int64(1, 1 << 20, "stride"); a.sw = r.int64(1, 1 << 20, "stride");
  a.ph = r.int64(0, 1 << 20, "padding"); a.pw = r.int64(0, 1 << 20, "padding");
  return a;
}
bool pool_params(ArgReader& r, const PoolArgs& a, const TensorView& x, const TensorView& y, cuda::Pool2dParams* p) {
  if (!dense(r, x, "input", DType::F32, 4) || !dense(r, y, "output", DType::F32, 4)) return false;
  if (2 * a.ph > a.KH || 2 * a.pw > a.KW) {
    r.fail("padding must be at most half the kernel size");
    return false;
  }
  p->KH = a.KH; p->KW = a.KW; p->sh = a.sh; p->sw = a.sw; p->ph = a.ph; p->pw = a.pw;
  p->N = x.shape[0]; p->C = x.shape[1]; p->H = x.shape[2]; p->W = x.shape[3];
  p->OH = y.shape[2]; p->OW = y.shape[3];
  if (y.shape[0] != p->N || y.shape[1] != p->C || (p->OH > 0 && (p->OH - 1) * p->sh >= p->H + p->ph) ||
      (p->OW > 0 && (p->OW - 1) * p->sw >= p->W + p->pw) || p->H + 2 * p->ph < p->KH || p->W + 2 * p->pw < p->KW) {
    r.fail("output " + shape_str(y) + " does not fit input " + shape_str(x) + " and the window");
    return false;
  }
  return true;
}

// maxPool2d(y, idx, x) args: [KH, KW, sh, sw, ph, pw, view y, view idx, view x]
TF_CUDA_BINDING(maxPool2d) {
  ArgReader r(info, "maxPool2d");
  PoolArgs a = read_pool(r);
  TensorView y = r.view(0, "out"), idx = r.view(1, "indices"), x = r.view(2, "input");
  cuda::Pool2dParams p{};
  if (!r.ok() || !pool_params(r, a, x, y, &p) || !dense(r, idx, "indices", DType::I32) ||
      !same_shape(idx, y))
    return r.ok() ? r.fail("indices must match the output shape") : info.Env().Undefined();
  cuda::max_pool2d_forward(dptr<float>(y), dptr<int32_t>(idx), dptr<float>(x), p, r.stream());
  return info.Env().Undefined();
}

// maxPool2dBackward(dx, dy, idx) args: [KH, KW, sh, sw, ph, pw, view dx, view dy, view idx]
TF_CUDA_BINDING(maxPool2dBackward) {
  ArgReader r(info, "maxPool2dBackward");
  PoolArgs a = read_pool(r);
  TensorView dx = r.view(0, "dx"), dy = r.view(1, "dy"), idx = r.view(2, "indices");
  cuda::Pool2dParams p{};
  if (!r.ok() || !pool_params(r, a, dx, dy, &p) || !dense(r, idx, "indices", DType::I32) || !same_shape(idx, dy))
    return r.ok() ? r.fail("indices must match dy's shape") : info.Env().Undefined();
  cuda::max_pool2d_backward(dptr<float>(dx), dptr<float>(dy), dptr<int32_t>(idx), p, r.stream());
  return info.Env().Undefined();
}

// avgPool2d(y, x) args: [KH, KW, sh, sw, ph, pw, countIncludePad, view y, view x]
TF_CUDA_BINDING(avgPool2d) {
  ArgReader r(info, "avgPool2d");
  PoolArgs a = read_pool(r);
  bool cip = r.flag("countIncludePad");
  TensorView y = r.view(0, "out"), x = r.view(1, "input");
  cuda::Pool2dParams p{};
  if (!r.ok() || !pool_params(r, a, x, y, &p)) return info.Env().Undefined();
  p.count_include_pad = cip;
  cuda::avg_pool2d_forward(dptr<float>(y), dptr<float>(x), p, r.stream());
  return info.Env().Undefined();
}

// avgPool2dBackward(dx, dy) args: [KH, KW, sh, sw, ph, pw, countIncludePad, view dx, view dy]
TF_CUDA_BINDING(avgPool2dBackward) {
  ArgReader r(info, "avgPool2dBackward");
  PoolArgs a = read_pool(r);
  bool cip = r.flag("countIncludePad");
  TensorView dx = r.view(0, "dx"), dy = r.view(1, "dy");
  cuda::Pool2dParams p{};
  if (!r.ok() || !pool_params(r, a, dx, dy, &p)) return info.Env().Undefined();
  p.count_include_pad = cip;
  cuda::avg_pool2d_backward(dptr<float>(dx), dptr<float>(dy), p, r.stream());
  return info.Env().Undefined();
}

// adaptiveAvgPool2d(y, x) args: [view y, view x]; y [N,C,OH,OW], x [N,C,H,W]
TF_CUDA_BINDING(adaptiveAvgPool2d) {
  ArgReader r(info, "adaptiveAvgPool2d");
  TensorView y = r.view(0, "out"), x = r.view(1, "input");
  if (!dense(r, x, "input", DType::F32, 4) || !dense(r, y, "output", DType::F32, 4)) return info.Env().Undefined();
  if (y.shape[0] != x.shape[0] || y.shape[1] != x.shape[1] || (y.shape[2] * y.shape[3] > 0 && x.shape[2] * x.shape[3] == 0))
    return r.fail("output " + shape_str(y) + " does not fit input " + shape_str(x));
  cuda::adaptive_avg_pool2d_forward(dptr<float>(y), dptr<float>(x), x.shape[0] * x.shape[1], x.shape[2], x.shape[3],
                                    y.shape[2], y.shape[3], r.stream());
  return info.Env().Undefined();
}

// adaptiveAvgPool2dBackward(dx, dy) args: [view dx, view dy]
TF_CUDA_BINDING(adaptiveAvgPool2dBackward) {
  ArgReader r(info, "adaptiveAvgPool2dBackward");
  TensorView dx = r.view(0, "dx"), dy = r.view(1, "dy");
  if (!dense(r, dx, "dx", DType::F32, 4) || !dense(r, dy, "dy", DType::F32, 4)) return info.Env().Undefined();
  if (dy.shape[0] != dx.shape[0] || dy.shape[1] != dx.shape[1] || (dy.shape[2] * dy.shape[3] > 0 && dx.shape[2] * dx.shape[3] == 0))
    return r.fail("dy " + shape_str(dy) + " does not fit dx " + shape_str(dx));
  cuda::adaptive_avg_pool2d_backward(dptr<float>(dx), dptr<float>(dy), dx.shape[0] * dx.shape[1], dx.shape[2],
                                     dx.shape[3], dy.shape[2], dy.shape[3], r.stream());
  return info.Env().Undefined();
}

// ---- batch norm ----------------------------------------------------------------------------
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

// batchNorm(y, saveMean?, saveInvstd?, runningMean?, runningVar?, x, gamma?, beta?)
// args: [training, momentum, eps, views of the non-null storages in order]
TF_CUDA_BINDING(batchNorm) {
  ArgReader r(info, "batchNorm");
  bool training = r.flag("training");
  float momentum = float(r.num()), eps = float(r.num());
  TensorView y = r.view(0, "out"), sm = r.optional_view(1, "saveMean"), si = r.optional_view(2, "saveInvstd");
  TensorView rm = r.optional_view(3, "runningMean"), rv = r.optional_view(4, "runningVar");
  TensorView x = r.view(5, "input"), g = r.optional_view(6, "weight"), b = r.optional_view(7, "bias");
  int64_t N, C, S;
  if (!r.ok() || !bn_dims(r, x, &N, &C, &S) || !dense(r, y, "out") || !per_channel(r, sm, "saveMean", C) ||
      !per_channel(r, si, "saveInvstd", C) || !per_channel(r, rm, "runningMean", C) ||
      !per_channel(r, rv, "runningVar", C) || !per_channel(r, g, "weight", C) || !per_channel(r, b, "bias", C))
    return info.Env().Undefined();
  if (!same_shape(x, y)) return r.fail("out must match the input shape " + shape_str(x));
  if (!(eps > 0.0f) || !(momentum >= 0.0f && momentum <= 1.0f)) return r.fail("eps must be > 0 and momentum in [0, 1]");
  if ((rm.data == nullptr) != (rv.data == nullptr)) return r.fail("runningMean and runningVar go together");
  cuda::Stream s = r.stream();
  if (training) {
    if (!sm.data || !si.data) return r.fail("training needs saveMean and saveInvstd");
    if (N * S == 0) return r.fail("training needs at least one value per channel");
    cuda::batch_norm_forward_train(dptr<float>(y), dptr<float>(sm), dptr<float>(si), dptr<float>(rm), dptr<float>(rv),
                                   dptr<float>(x), dptr<float>(g), dptr<float>(b), N, C, S, momentum, eps, s);
  } else {
    if (!rm.data) return r.fail("evaluation needs runningMean and runningVar");
    cuda::batch_norm_forward_eval(dptr<float>(y), dptr<float>(x), dptr<float>(rm), dptr<float>(rv), dptr<float>(g),
                                  dptr<float>(b), N, C, S, eps, s);
  }
  return info.Env().Undefined();
}

// batchNormBackward(dx, dgamma?, dbeta?, dy, x, saveMean, saveInvstd, gamma?) args: [views]
TF_CUDA_BINDING(batchNormBackward) {
  ArgReader r(info, "batchNormBackward");
  TensorView dx = r.view(0, "dx"), dg = r.optional_view(1, "dweight"), db = r.optional_view(2, "dbias");
  TensorView dy = r.view(3, "dy"), x = r.view(4, "input"), sm = r.view(5, "saveMean"), si = r.view(6, "saveInvstd");
  TensorView g = r.optional_view(7, "weight");
  int64_t N, C, S;
  if (!r.ok() || !bn_dims(r, x, &N, &C, &S) || !dense(r, dx, "dx") || !dense(r, dy, "dy") ||
      !per_channel(r, dg, "dweight", C) || !per_channel(r, db, "dbias", C) || !per_channel(r, sm, "saveMean", C) ||
      !per_channel(r, si, "saveInvstd", C) || !per_channel(r, g, "weight", C))
    return info.Env().Undefined();
  if (!same_shape(x, dx) || !same_shape(x, dy)) return r.fail("dx and dy must match the input shape " + shape_str(x));
  if (N * S == 0) return r.fail("needs at least one value per channel");
  cuda::batch_norm_backward(dptr<float>(dx), dptr<float>(dg), dptr<float>(db), dptr<float>(dy), dptr<float>(x),
                            dptr<float>(sm), dptr<float>(si), dptr<float>(g), N, C, S, r.stream());
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

// ---- softmax / cross-entropy ---------------------------------------------------------------
// softmax(y, x) args: [log, view y, view x]; over the last dim of contiguous tensors.
TF_CUDA_BINDING(softmax) {
  ArgReader r(info, "softmax");
  bool log = r.flag("log");
  TensorView y = r.view(0, "out"), x = r.view(1, "input");
  if (!dense(r, x, "input") || !dense(r, y, "out")) return info.Env().Undefined();
  if (!same_shape(x, y) || x.ndim < 1) return r.fail("out must match the input shape " + shape_str(x));
  const int64_t C = x.shape[x.ndim - 1], R = C ? x.numel() / C : 0;
  cuda::softmax_forward(dptr<float>(y), dptr<float>(x), R, C, log, r.stream());
  return info.Env().Undefined();
}

// softmaxBackward(dx, dy, y) args: [log, view dx, view dy, view y]
TF_CUDA_BINDING(softmaxBackward) {
  ArgReader r(info, "softmaxBackward");
  bool log = r.flag("log");
  TensorView dx = r.view(0, "dx"), dy = r.view(1, "dy"), y = r.view(2, "y");
  if (!dense(r, dx, "dx") || !dense(r, dy, "dy") || !dense(r, y, "y")) return info.Env().Undefined();
  if (!same_shape(dx, dy) || !same_shape(dx, y) || y.ndim < 1) return r.fail("dx, dy and y must have one shape");
  const int64_t C = y.shape[y.ndim - 1], R = C ? y.numel() / C : 0;
  cuda::softmax_backward(dptr<float>(dx), dptr<float>(dy), dptr<float>(y), R, C, log, r.stream());
  return info.Env().Undefined();
}

// crossEntropy(loss, lse, logits, target) args: [ignoreIndex, views]; logits [N,C], target int32 [N]
TF_CUDA_BINDING(crossEntropy) {
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

// crossEntropyBackward(dlogits, dloss, logits, lse, target) args: [ignoreIndex, views]
TF_CUDA_BINDING(crossEntropyBackward) {
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

// ---- optimizers ----------------------------------------------------------------------------
// adam(param, m, v, grad) args: [lr, beta1, beta2, eps, weightDecay, step, decoupled, views]
TF_CUDA_BINDING(adam) {
  ArgReader r(info, "adam");
  float lr = float(r.num()), b1 = float(r.num()), b2 = float(r.num()), eps = float(r.num()), wd = float(r.num());
  int64_t step = r.int64(1, int64_t(1) << 52, "step");
  bool decoupled = r.flag("decoupled");
  TensorView p = r.view(0, "param"), m = r.view(1, "expAvg"), v = r.view(2, "expAvgSq"), g = r.view(3, "grad");
  if (!dense(r, p, "param") || !dense(r, m, "expAvg") || !dense(r, v, "expAvgSq") || !dense(r, g, "grad"))
    return info.Env().Undefined();
  if (!same_shape(p, m) || !same_shape(p, v) || !same_shape(p, g)) return r.fail("param, state and grad shapes differ");
  if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) return r.fail("betas must be in [0, 1)");
  cuda::adam_step(dptr<float>(p), dptr<float>(m), dptr<float>(v), dptr<float>(g), p.numel(), lr, b1, b2, eps, wd, step,
                  decoupled, r.stream());
  return info.Env().Undefined();
}

// sgd(param, buf?, grad) args: [lr, momentum, dampening, weightDecay, nesterov, first, views]
TF_CUDA_BINDING(sgd) {
  ArgReader r(info, "sgd");
  float lr = float(r.num()), mom = float(r.num()), damp = float(r.num()), wd = float(r.num());
  bool nesterov = r.flag("nesterov"), first = r.flag("first");
  TensorView p = r.view(0, "param"), buf = r.optional_view(1, "momentumBuffer"), g = r.view(2, "grad");
  if (!dense(r, p, "param") || !dense(r, g, "grad") || (buf.data && !dense(r, buf, "momentumBuffer")))
    return info.Env().Undefined();
  if (!same_shape(p, g) || (buf.data && !same_shape(p, buf))) return r.fail("param, buffer and grad shapes differ");
  if (mom != 0.0f && !buf.data) return r.fail("momentum needs a momentum buffer");
  cuda::sgd_step(dptr<float>(p), dptr<float>(buf), dptr<float>(g), p.numel(), lr, mom, damp, wd, nesterov, first,
                 r.stream());
  return info.Env().Undefined();
}

}  // namespace
}  // namespace cudab
}  // namespace tf
