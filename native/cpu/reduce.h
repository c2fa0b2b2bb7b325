// Reductions over trailing dimensions. The caller permutes x so that its first
// `nkept` dims are kept (y has exactly those dims) and the rest are reduced.
#pragma once
#include "tensorforge/view.h"

namespace tf {
namespace cpu {

// NOTE: codes shared with lib/ops/codes.ts.
enum ReduceOp : int32_t { kSum = 0, kMean, kMax, kMin, kArgmax, kArgmin, kVar, kProd, kNumReduceOps };

TF_DECL_ALL(
// y: kept dims of x (F32 for kMean/kVar; I32 for kArgmax/kArgmin; x's dtype otherwise).
// x: F32 or I32, [kept..., reduced...] strided. correction: kVar divides by n - correction.
// An empty reduction gives 0 (sum), 1 (prod), NaN (mean, var); the caller rejects max/min/arg*.
void reduce(const TensorView& y, const TensorView& x, int nkept, int32_t op, double correction))

}  // namespace cpu
}  // namespace tf
