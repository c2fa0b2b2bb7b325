// N-API glue for native/cpu/attention: fused scaled dot-product attention (CPU only).
// q [..., L, E], k [..., S, E], v [..., S, Ev] and the optional additive float mask
// [..., L, S] arrive as views already broadcast to one batch shape (expanded views: stride 0
// where broadcast); their batch dims are turned into one offset per problem here, so no
// operand is copied. The last dim of q, k and v must be contiguous (stride 1).
#include <string>
#include <vector>

#include "binding/args.h"
#include "binding/checks.h"
#include "cpu/attention.h"
#include "runtime/parallel.h"

namespace tf {
namespace {

// The element offset of each problem of v's batch dims (all but the last two), in order.
std::vector<int64_t> batch_offsets(const TensorView& v) {
  const int nb = v.ndim - 2;
  int64_t B = 1;
  for (int d = 0; d < nb; ++d) B *= v.shape[d];
  std::vector<int64_t> off(size_t(B), v.offset);
  for (int64_t b = 0; b < B; ++b) {
    int64_t rem = b, o = v.offset;
    for (int d = nb - 1; d >= 0; --d) {
      o += (rem % v.shape[d]) * v.strides[d];
      rem /= v.shape[d];
    }
    off[size_t(b)] = o;
  }
  return off;
}

struct AttnArgs {
  cpu::AttnProblem p;
  std::vector<int64_t> qo, ko, vo, mo;
  bool has_mask = false;

  // The numbers both bindings start with: [causal, scale, hasMask].
  explicit AttnArgs(ArgReader& r) {
    p.causal = r.int64(0, 1, "causal") == 1;
    p.scale = float(r.num());
    has_mask = r.int64(0, 1, "hasMask") == 1;
  }
  // The problem with its offset tables pointing into this object (the kernel runs on a copy
  // of AttnArgs captured by the launched task, after the binding has returned).
  cpu::AttnProblem problem() const {
    cpu::AttnProblem q = p;
    q.q.offset = qo.data();
    q.k.offset = ko.data();
    q.v.offset = vo.data();
    q.mask.offset = mo.empty() ? nullptr : mo.data();
    return q;
  }
};

// Checks q, k, v (and mask) against each other and fills the problem description.
bool read_problem(ArgReader& r, AttnArgs& a, const TensorView& q, const TensorView& k, const TensorView& v,
                  const TensorView* mask) {
  if (!r.ok()) return false;
  for (const TensorView* t : {&q, &k, &v}) {
    if (t->dtype != DType::F32 || t->ndim < 2) {
      r.fail("q, k and v must be float32 with at least 2 dims, got " + shape_str(*t));
      return false;
    }
  }
  const int nd = q.ndim;
  bool ok = k.ndim == nd && v.ndim == nd && k.shape[nd - 2] == v.shape[nd - 2] && q.shape[nd - 1] == k.shape[nd - 1];
  for (int d = 0; ok && d < nd - 2; ++d) ok = k.shape[d] == q.shape[d] && v.shape[d] == q.shape[d];
  if (!ok) {
    r.fail("shapes do not match: q " + shape_str(q) + ", k " + shape_str(k) + ", v " + shape_str(v));
    return false;
  }
  cpu::AttnProblem& p = a.p;
  p.L = q.shape[nd - 2];
  p.S = k.shape[nd - 2];
  p.E = q.shape[nd - 1];
  p.Ev = v.shape[nd - 1];
  p.B = 1;
  for (int d = 0; d < nd - 2; ++d) p.B *= q.shape[d];
  for (const TensorView* t : {&q, &k, &v}) {
    if (t->shape[nd - 1] > 1 && t->strides[nd - 1] != 1) {
      r.fail("the last dim of q, k and v must be contiguous, got strides of " + shape_str(*t));
      return false;
    }
  }
  if (mask) {
    ok = mask->dtype == DType::F32 && mask->ndim == nd && mask->shape[nd - 2] == p.L && mask->shape[nd - 1] == p.S;
    for (int d = 0; ok && d < nd - 2; ++d) ok = mask->shape[d] == q.shape[d];
    if (!ok) {
      r.fail("mask must be float32 of shape [..., L, S] like q's batch dims, got " + shape_str(*mask) + " for q " +
             shape_str(q));
      return false;
    }
  }
  a.qo = batch_offsets(q);
  a.ko = batch_offsets(k);
  a.vo = batch_offsets(v);
  auto fill = [nd](cpu::AttnOperand& o, const TensorView& t, const std::vector<int64_t>& off) {
    o.data = static_cast<const float*>(t.data);
    o.offset = off.data();
    o.row_stride = t.strides[nd - 2];
    o.col_stride = t.strides[nd - 1];
  };
  fill(p.q, q, a.qo);
  fill(p.k, k, a.ko);
  fill(p.v, v, a.vo);
  if (mask) {
    a.mo = batch_offsets(*mask);
    fill(p.mask, *mask, a.mo);
  }
  return true;
}

// attention(out, lse, q, k, v, mask?) args: [causal, scale, hasMask, view out, view lse,
// view q, view k, view v, (view mask)]
TF_BINDING(attention) {
  ArgReader r(info, "scaledDotProductAttention");
  AttnArgs a(r);
  const bool has_mask = a.has_mask;
  TensorView out = r.view(0, "out"), lse = r.view(1, "lse"), q = r.view(2, "q"), k = r.view(3, "k"),
             v = r.view(4, "v");
  TensorView mask;
  if (has_mask) mask = r.view(5, "mask");
  if (!read_problem(r, a, q, k, v, has_mask ? &mask : nullptr)) return info.Env().Undefined();
  if (!check_tensor(r, out, DType::F32, -1, "out") || !check_numel(r, out, a.p.B * a.p.L * a.p.Ev, "out") ||
      !check_tensor(r, lse, DType::F32, -1, "lse") || !check_numel(r, lse, a.p.B * a.p.L, "lse"))
    return info.Env().Undefined();
  if (!check_no_alias(r, {&out, &lse}, {&q, &k, &v})) return info.Env().Undefined();
  r.launch(2, [=, isa = r.inst().isa] {
    TF_ISA_CALL(isa, cpu, attention_forward)(out.ptr<float>(), lse.ptr<float>(), a.problem());
  });
  return info.Env().Undefined();
}

// attentionBackward(dq, dk, dv, dmask?, dout, q, k, v, out, lse, mask?) args: [causal,
// scale, hasMask, wantMaskGrad, view dq, view dk, view dv, (view dmask), view dout, view q,
// view k, view v, view out, view lse, (view mask)]
TF_BINDING(attentionBackward) {
  ArgReader r(info, "scaledDotProductAttention");
  AttnArgs a(r);
  const bool has_mask = a.has_mask;
  const bool want_dmask = r.int64(0, 1, "wantMaskGrad") == 1;
  TensorView dq = r.view(0, "dq"), dk = r.view(1, "dk"), dv = r.view(2, "dv");
  TensorView dmask;
  if (want_dmask) dmask = r.view(3, "dmask");
  TensorView dout = r.view(4, "dout"), q = r.view(5, "q"), k = r.view(6, "k"), v = r.view(7, "v"),
             out = r.view(8, "out"), lse = r.view(9, "lse");
  TensorView mask;
  if (has_mask) mask = r.view(10, "mask");
  if (!read_problem(r, a, q, k, v, has_mask ? &mask : nullptr)) return info.Env().Undefined();
  const cpu::AttnProblem p = a.problem();
  if (want_dmask && !has_mask) return r.fail("wantMaskGrad needs a mask");
  if (!check_tensor(r, dq, DType::F32, -1, "dq") || !check_numel(r, dq, p.B * p.L * p.E, "dq") ||
      !check_tensor(r, dk, DType::F32, -1, "dk") || !check_numel(r, dk, p.B * p.S * p.E, "dk") ||
      !check_tensor(r, dv, DType::F32, -1, "dv") || !check_numel(r, dv, p.B * p.S * p.Ev, "dv") ||
      !check_tensor(r, dout, DType::F32, -1, "dout") || !check_numel(r, dout, p.B * p.L * p.Ev, "dout") ||
      !check_tensor(r, out, DType::F32, -1, "out") || !check_numel(r, out, p.B * p.L * p.Ev, "out") ||
      !check_tensor(r, lse, DType::F32, -1, "lse") || !check_numel(r, lse, p.B * p.L, "lse"))
    return info.Env().Undefined();
  if (want_dmask && (!check_tensor(r, dmask, DType::F32, -1, "dmask") ||
                     !check_numel(r, dmask, p.B * p.L * p.S, "dmask")))
    return info.Env().Undefined();
  if (!check_no_alias(r, {&dq, &dk, &dv}, {&dout, &q, &k, &v, &out, &lse})) return info.Env().Undefined();
  r.launch(4, [=, isa = r.inst().isa] {
    TF_ISA_CALL(isa, cpu, attention_backward)(dq.ptr<float>(), dk.ptr<float>(), dv.ptr<float>(),
        want_dmask ? dmask.ptr<float>() : nullptr, dout.ptr<float>(), out.ptr<float>(), lse.ptr<float>(), a.problem());
  });
  return info.Env().Undefined();
}

}  // namespace
}  // namespace tf
