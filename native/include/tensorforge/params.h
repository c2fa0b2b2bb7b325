// Parameter structs of the conv and pool families, shared by the binding (which validates
// and fills them once), the CPU kernels (native/cpu/conv.h, pool.h) and the CUDA kernels
// (native/cuda/kernels.h). Plain data: no N-API, no CUDA headers.
#pragma once
#include <cstdint>

namespace tf {

// Upper bound of every conv / pool hyper-parameter (stride, padding, dilation, groups,
// kernel size) the binding accepts.
constexpr int64_t kMaxConvParam = int64_t(1) << 30;

struct Conv2dParams {
  int64_t N = 0, C = 0, H = 0, W = 0;   // x[N, C, H, W]
  int64_t OC = 0, OH = 0, OW = 0;       // y[N, OC, OH, OW]
  int64_t KH = 1, KW = 1;               // w[OC, C/groups, KH, KW]
  // pad_h/pad_w: top/left padding (bottom/right padding only sizes OH/OW).
  int64_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dil_h = 1, dil_w = 1;
  int64_t groups = 1;
  // CPU GEMM paths: ConvPrecision (cpu/conv.h): fp32, or bf16 operands with fp32 accumulation
  // (autocast), on the ISA's sbgemm or on AMX tiles. Only gemm1x1 and im2col run bf16.
  int32_t precision = 0;
};

struct Pool2dParams {
  int64_t N = 0, C = 0, H = 0, W = 0;   // x[N, C, H, W]
  int64_t OH = 0, OW = 0;               // y[N, C, OH, OW]
  int64_t KH = 1, KW = 1;
  int64_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dil_h = 1, dil_w = 1;  // avg: dil 1
  bool count_include_pad = true;        // avg: divide by the window clipped to the padded input
  int64_t divisor_override = 0;         // avg: > 0 replaces the divisor
};

// PyTorch's pooling_output_shape: floor or ceil, and in ceil mode the last window must
// start inside the input or its left padding. 0 when the window does not fit.
// NOTE: lib/ops/pool.ts computes the same size for shape inference; change both together.
inline int64_t pool_output_size(int64_t in, int64_t k, int64_t s, int64_t pad, int64_t d, bool ceil_mode) {
  const int64_t num = in + 2 * pad - d * (k - 1) - 1;
  if (num < 0) return 0;
  int64_t o = (ceil_mode ? (num + s - 1) / s : num / s) + 1;
  if (ceil_mode && (o - 1) * s >= in + pad) --o;
  return o;
}

}  // namespace tf
