// Counter-based random fill (Philox4x32-10): element i of a call draws from counter
// (offset + i) under key `seed`, so results do not depend on the thread count.
#pragma once
#include "tensorforge/view.h"

namespace tf {
namespace cpu {

// NOTE: codes shared with lib/ops/random.ts.
enum RandomKind : int32_t { kUniform = 0, kNormal, kBernoulli, kRandint, kNumRandomKinds };

TF_DECL_ALL(
// y: contiguous. kUniform: F32 in [p0, p1). kNormal: F32 mean p0, std p1.
// kBernoulli: 1 with probability p0 (F32, U8 or Bool y). kRandint: I32 in [p0, p1).
void random_fill(const TensorView& y, int32_t kind, double p0, double p1, uint64_t seed, uint64_t offset))

}  // namespace cpu
}  // namespace tf
