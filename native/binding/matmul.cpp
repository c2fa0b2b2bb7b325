// N-API glue for cpu/gemm and cuda/matmul.cu: matmul(y, a, b, bias?) over 2-D and batched views.
// Batch dims are already broadcast by the caller (stride 0 where an operand repeats); each
// matrix needs unit stride in one of its last two dims, and the other one passes as the
// GEMM's transpose flag, so transposed views reach the kernel without copies.
#include <algorithm>
#include <string>

#include "binding/args.h"
#include "cpu/gemm/gemm.h"
#include "runtime/parallel.h"

namespace tf {
namespace {

// The last two dims of v as a GEMM operand: rows x cols with either unit column stride
// (trans = false, ld = row stride) or unit row stride (trans = true, ld = column stride).
bool as_matrix(const TensorView& v, bool* trans, int64_t* ld) {
  const int64_t rows = v.shape[v.ndim - 2], cols = v.shape[v.ndim - 1];
  const int64_t rs = v.strides[v.ndim - 2], cs = v.strides[v.ndim - 1];
  if (cs == 1 || cols <= 1) {
    *trans = false;
    *ld = rows <= 1 ? std::max<int64_t>(cols, 1) : rs;
    return true;
  }
  if (rs == 1 || rows <= 1) {
    *trans = true;
    *ld = cs;
    return true;
  }
  return false;
}

// The GEMM of y = a @ b: sizes, and each operand's transpose flag and leading dim.
struct GemmShape {
  int64_t M = 0, K = 0, N = 0, lda = 0, ldb = 0;
  bool ta = false, tb = false;
};

// a [..., M, K], b [..., K, N] and out y [..., M, N] of one rank >= 2 with equal batch dims
// (broadcast by the caller), y contiguous and apart from a and b, a and b with unit stride in
// one of their last two dims: fills g and returns "", or returns the error.
std::string check_operands(const TensorView& y, const TensorView& a, const TensorView& b, GemmShape* g) {
  const int nd = y.ndim;
  if (nd < 2 || a.ndim != nd || b.ndim != nd)
    return "a " + shape_str(a) + ", b " + shape_str(b) + " and out " + shape_str(y) +
           " must have the same rank >= 2 (batch dims broadcast by the caller)";
  const int64_t M = a.shape[nd - 2], K = a.shape[nd - 1], N = b.shape[nd - 1];
  bool shapes_ok = b.shape[nd - 2] == K && y.shape[nd - 2] == M && y.shape[nd - 1] == N;
  for (int d = 0; d < nd - 2; ++d)
    shapes_ok = shapes_ok && a.shape[d] == y.shape[d] && b.shape[d] == y.shape[d];
  if (!shapes_ok)
    return "shapes a " + shape_str(a) + ", b " + shape_str(b) + ", out " + shape_str(y) +
           " do not match [..., M, K] x [..., K, N] -> [..., M, N]";
  if (!y.is_contiguous()) return "out " + shape_str(y) + " must be contiguous";
  if (same_storage(y, a) || same_storage(y, b)) return "out must not share storage with an input";
  if (!as_matrix(a, &g->ta, &g->lda)) return "a " + shape_str(a) + " needs unit stride in one of its last two dims";
  if (!as_matrix(b, &g->tb, &g->ldb)) return "b " + shape_str(b) + " needs unit stride in one of its last two dims";
  g->M = M;
  g->K = K;
  g->N = N;
  return "";
}

// The batch dims of y = a @ b: the innermost one goes to the batched GEMM (one stride per
// operand); `outer` counts the rest, walked by the binding. y is contiguous, so its batch
// stride is M*N throughout.
struct Batches {
  int64_t outer = 1, inner = 1, sa = 0, sb = 0;
  Batches(const TensorView& y, const TensorView& a, const TensorView& b) {
    const int nd = y.ndim;
    if (nd > 2) {
      inner = y.shape[nd - 3];
      sa = a.strides[nd - 3];
      sb = b.strides[nd - 3];
      for (int d = 0; d < nd - 3; ++d) outer *= y.shape[d];
    }
  }
  // Element offsets of outer batch o's first matrix in a and b.
  void offsets(const TensorView& y, const TensorView& a, const TensorView& b, int64_t o,
               int64_t* oa, int64_t* ob) const {
    *oa = a.offset;
    *ob = b.offset;
    for (int d = y.ndim - 4; d >= 0; --d) {
      const int64_t i = o % y.shape[d];
      o /= y.shape[d];
      *oa += i * a.strides[d];
      *ob += i * b.strides[d];
    }
  }
};

// How long a GEMM runs, by its FLOPs (ArgReader::KernelSize). NOTE: in async mode a GEMM of
// up to n = 256 cubed (~150 us on 2 threads) that writes at most 1 MiB runs inline when the
// stream is idle: queued, it paid the handoff to the stream thread and a reader spinning on a
// core while the pool ran on all of them (tf.matmul, 2 threads on 2 cores: 128x256 . 256x10
// 3.5 -> 50 GFLOP/s, n=128 19 -> 100, n=256 77 -> 130). Larger ones are queued as long: a
// reader sleeps at once, a futex wake costing less than the core its spin would take. (The
// output bound: a long, thin product, K = 1, is memory bound; its FLOPs understate its time.)
constexpr double kInlineFlops = 2.0 * 256 * 256 * 256, kInlineOutBytes = 1 << 20;

// matmul(y, a, b, bias?) args: [act, biasKind, precision, view y, view a, view b, (view bias)]
//   a [..., M, K], b [..., K, N], y [..., M, N] contiguous; batch dims equal (broadcast by
//   the caller). biasKind 1: bias [N] per column, 2: bias [M] per row. act 1: relu.
//   precision 0: fp32; 1: bf16 operands, fp32 accumulation (autocast; CPU only).
TF_BINDING(matmul) {
  ArgReader r(info, "matmul", Kernels::CpuAndCuda);
  const int32_t act = int32_t(r.int64(0, 1, "act"));
  const int32_t bias_kind = int32_t(r.int64(0, 2, "biasKind"));
  const bool bf16 = r.int64(0, 1, "precision") == 1;
  TensorView y = r.view(0, "out"), a = r.view(1, "a"), b = r.view(2, "b"), bias;
  if (bias_kind != cpu::kBiasNone) bias = r.view(3, "bias");
  if (!r.ok()) return info.Env().Undefined();
  if (a.dtype != DType::F32 || b.dtype != DType::F32 || y.dtype != DType::F32 ||
      (bias_kind && bias.dtype != DType::F32))
    return r.fail("operands must be float32");
  GemmShape g;
  const std::string bad = check_operands(y, a, b, &g);
  if (!bad.empty()) return r.fail(bad);
  if (bias_kind && same_storage(y, bias)) return r.fail("out must not share storage with an input");
  const int64_t M = g.M, K = g.K, N = g.N, lda = g.lda, ldb = g.ldb;
  const bool ta = g.ta, tb = g.tb;
  if (bias_kind) {
    const int64_t want = bias_kind == cpu::kBiasPerCol ? N : M;
    if (bias.ndim != 1 || bias.shape[0] != want || (want > 1 && bias.strides[0] != 1))
      return r.fail("bias " + shape_str(bias) + " must be a contiguous 1-D tensor of length " +
                    std::to_string(want) + (bias_kind == cpu::kBiasPerCol ? " (N)" : " (M)"));
  }
  cpu::GemmEpilogue ep;
  ep.bias = bias_kind ? bias.ptr<float>() : nullptr;
  ep.bias_kind = bias_kind;
  ep.act = act;

  const Batches bt(y, a, b);
  const int64_t outer = bt.outer, inner = bt.inner, sa = bt.sa, sb = bt.sb;
  if (outer * inner == 0 || M == 0 || N == 0) return info.Env().Undefined();
  const bool on_cuda = r.on_cuda();
  if (on_cuda && bf16) return r.fail("bf16 precision (autocast) has no CUDA kernel yet");
  cuda::Stream stream = on_cuda ? r.stream() : nullptr;
  // NOTE: CUDA keeps its earlier K == 0 rule: zeros, without the epilogue (the CPU GEMM
  // applies bias and relu to the empty product); the device GEMM is not asked for K == 0.
  if (on_cuda && K == 0) return cuda::fill(y, 0.0, stream), info.Env().Undefined();
  // Walks the outer batch dims; gemm(inner, A, B, C) multiplies one run of `inner` matrices.
  auto walk = [=](auto&& gemm) {
    for (int64_t o = 0; o < outer; ++o) {
      int64_t oa = 0, ob = 0;
      bt.offsets(y, a, b, o, &oa, &ob);
      gemm(static_cast<const float*>(a.data) + oa, static_cast<const float*>(b.data) + ob,
           y.ptr<float>() + o * inner * M * N);
    }
  };
  if (on_cuda) {
    const int32_t precision = r.inst().matmul_precision;
    walk([&](const float* A, const float* B, float* C) {
      cuda::sgemm_batched(inner, ta, tb, M, N, K, 1.0f, A, lda, sa, B, ldb, sb, 0.0f, C, N, M * N,
                          bias_kind || act ? &ep : nullptr, precision, stream);
    });
  } else {
    const bool amx = bf16 && bf16_uses_amx(r.inst());
    const double outs = double(outer * inner) * double(M) * double(N), flops = 2.0 * outs * double(K);
    const bool small = flops <= kInlineFlops && 4.0 * outs <= kInlineOutBytes;
    const auto size = small ? ArgReader::KernelSize::kSmall : ArgReader::KernelSize::kLong;
    r.launch_sized(1, size, [=, isa = r.inst().isa] {
      auto batched = TF_ISA_CALL(isa, cpu, sgemm_batched);
      auto bf16_gemm = amx ? cpu::avx512::sbgemm_amx : TF_ISA_CALL(isa, cpu, sbgemm);
      walk([&](const float* A, const float* B, float* C) {
        if (!bf16)
          batched(inner, ta, tb, M, N, K, 1.0f, A, lda, sa, B, ldb, sb, 0.0f, C, N, M * N, &ep);
        else  // one matrix at a time, each threaded inside
          for (int64_t i = 0; i < inner; ++i)
            bf16_gemm(ta, tb, M, N, K, 1.0f, A + i * sa, lda, B + i * sb, ldb, 0.0f, C + i * M * N, N, &ep);
      });
    });
  }
  return info.Env().Undefined();
}

// matmulInt32(y, a, b) args: [view y, view a, view b]: int32 a [..., M, K], b [..., K, N],
// y [..., M, N] contiguous, batch dims broadcast by the caller (as matmul). Products and sums
// wrap modulo 2^32 (PyTorch's integer matmul). CPU only.
TF_BINDING(matmulInt32) {
  ArgReader r(info, "matmulInt32");
  TensorView y = r.view(0, "out"), a = r.view(1, "a"), b = r.view(2, "b");
  if (!r.ok()) return info.Env().Undefined();
  if (a.dtype != DType::I32 || b.dtype != DType::I32 || y.dtype != DType::I32)
    return r.fail("operands and out must be int32");
  GemmShape g;
  const std::string bad = check_operands(y, a, b, &g);
  if (!bad.empty()) return r.fail(bad);
  const Batches bt(y, a, b);
  if (bt.outer * bt.inner == 0 || g.M == 0 || g.N == 0) return info.Env().Undefined();
  r.launch(1, [=, isa = r.inst().isa] {
    auto batched = TF_ISA_CALL(isa, cpu, igemm_batched);
    for (int64_t o = 0; o < bt.outer; ++o) {
      int64_t oa = 0, ob = 0;
      bt.offsets(y, a, b, o, &oa, &ob);
      batched(bt.inner, g.ta, g.tb, g.M, g.N, g.K, static_cast<const int32_t*>(a.data) + oa, g.lda, bt.sa,
              static_cast<const int32_t*>(b.data) + ob, g.ldb, bt.sb, y.ptr<int32_t>() + o * bt.inner * g.M * g.N,
              g.N, g.M * g.N);
    }
  });
  return info.Env().Undefined();
}

}  // namespace
}  // namespace tf
