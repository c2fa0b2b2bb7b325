// N-API glue for native/cpu/reduce and native/cuda/reduce.cu.
#include "binding/args.h"
#include "cpu/reduce.h"
#include "runtime/parallel.h"

namespace tf {
namespace {

// reduce(y, x) args: [op, nkept, correction, view y, view x]
TF_BINDING(reduce) {
  ArgReader r(info, "reduce", Kernels::CpuAndCuda);
  int32_t op = int32_t(r.int64(0, cpu::kNumReduceOps - 1, "op"));
  int nkept = int(r.int64(0, kMaxDims, "nkept"));
  double correction = r.num();
  TensorView y = r.view(0, "out"), x = r.view(1, "x");
  if (!r.ok()) return info.Env().Undefined();
  if (nkept > x.ndim || y.ndim != nkept) return r.fail("output must have the kept dims of x");
  for (int d = 0; d < nkept; ++d)
    if (y.shape[d] != x.shape[d]) return r.fail("output shape does not match the kept dims of x");
  if (x.dtype != DType::F32 && x.dtype != DType::I32) return r.fail("x must be float32 or int32");
  bool arg = op == cpu::kArgmax || op == cpu::kArgmin;
  DType want = arg ? DType::I32 : (op == cpu::kMean || op == cpu::kVar) ? DType::F32 : x.dtype;
  if (y.dtype != want) return r.fail("output dtype mismatch");
  if ((op == cpu::kMean || op == cpu::kVar) && x.dtype != DType::F32) return r.fail("mean/var need float32");
  int64_t count = 1;
  for (int d = nkept; d < x.ndim; ++d) count *= x.shape[d];
  if (count == 0 && (arg || op == cpu::kMax || op == cpu::kMin) && y.numel() > 0)
    return r.fail("cannot take max/min/argmax/argmin of an empty dimension");
  if (!std::isfinite(correction)) return r.fail("correction must be finite");
  if (r.on_cuda()) {
    cuda::reduce(y, x, nkept, op, correction, r.stream());
  } else {
    r.launch([=, isa = r.inst().isa] {
      TF_ISA_CALL(isa, cpu, reduce)(y, x, nkept, op, correction);
    });
  }
  return info.Env().Undefined();
}

}  // namespace
}  // namespace tf
