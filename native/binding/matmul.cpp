// N-API glue for matmul: batched GEMM over broadcast batch dims with transposed operands
// passed as flags (no copies), and the bias/relu epilogue. Kernel: native/cpu/gemm/gemm.h.
#include "binding/args.h"
#include "cpu/gemm/gemm.h"
#include "runtime/parallel.h"

namespace tf {
namespace {

// Row stride and transpose flag of the matrix in a view's last two dims, or false if
// neither dim has unit stride.
bool matrix_layout(const TensorView& v, bool* trans, int64_t* ld) {
  const int64_t rs = v.strides[v.ndim - 2], cs = v.strides[v.ndim - 1];
  const int64_t rows = v.shape[v.ndim - 2], cols = v.shape[v.ndim - 1];
  if (cs == 1 || cols == 1) {
    *trans = false;
    *ld = rows <= 1 ? std::max<int64_t>(cols, 1) : rs;
    return rows <= 1 || *ld >= cols;  // NOTE: overlapping rows (e.g. stride 0) are rejected
  }
  if (rs == 1 || rows == 1) {
    *trans = true;
    *ld = cols <= 1 ? std::max<int64_t>(rows, 1) : cs;
    return cols <= 1 || *ld >= rows;
  }
  return false;
}

// matmul(y, a, b[, bias]) args: [act, hasBias, view y, view a, view b, (view bias)]
// a: [batch..., M, K], b: [batch..., K, N] (batch dims broadcast to y's), y: contiguous
// [batch..., M, N]; bias: [N] contiguous.
TF_BINDING(matmul) {
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
    return r.fail("inner dimensions do not match");
  for (int d = 0; d < nd - 2; ++d)
    if (a.shape[d] != y.shape[d] || b.shape[d] != y.shape[d]) return r.fail("batch dims must be broadcast to the output's");
  if (!y.is_contiguous()) return r.fail("output must be contiguous");
  if (has_bias && (bias.dtype != DType::F32 || bias.ndim != 1 || bias.shape[0] != N || (N > 1 && bias.strides[0] != 1)))
    return r.fail("bias must be a contiguous float32 vector of length N");
  bool ta = false, tb = false;
  int64_t lda = 1, ldb = 1;
  if (!matrix_layout(a, &ta, &lda) || !matrix_layout(b, &tb, &ldb))
    return r.fail("each matrix needs unit stride in one of its last two dims");
  cpu::GemmEpilogue ep;
  ep.bias = has_bias ? bias.ptr<float>() : nullptr;
  ep.bias_kind = has_bias ? cpu::kBiasPerCol : cpu::kBiasNone;
  ep.act = act;
  int64_t batch = 1;
  for (int d = 0; d < nd - 2; ++d) batch *= y.shape[d];
  if (M == 0 || N == 0 || batch == 0) return info.Env().Undefined();
  Instance& inst = instance(info.Env());
  ScopedPool pool(inst.pool.get());
  auto gemm = TF_ISA_CALL(inst.isa, cpu, sgemm);
  for (int64_t i = 0; i < batch; ++i) {
    int64_t rem = i, ao = a.offset, bo = b.offset;
    for (int d = nd - 3; d >= 0; --d) {
      int64_t c = rem % y.shape[d];
      rem /= y.shape[d];
      ao += c * a.strides[d];
      bo += c * b.strides[d];
    }
    const float* A = static_cast<const float*>(a.data) + ao;
    const float* B = static_cast<const float*>(b.data) + bo;
    float* C = y.ptr<float>() + i * M * N;
    if (K == 0) {
      for (int64_t k = 0; k < M * N; ++k) C[k] = 0.0f;
      continue;  // NOTE: epilogue on an empty product is applied by TS (rare)
    }
    gemm(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, N, has_bias || act ? &ep : nullptr);
  }
  return info.Env().Undefined();
}

}  // namespace
}  // namespace tf
