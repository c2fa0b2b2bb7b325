// The one GEMM entry point every kernel family uses (linear, matmul, conv, rnn).
// Row-major. C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C, then the epilogue
// (bias, activation). op(X) = X^T when trans_x. lda/ldb/ldc are row strides in elements
// of the matrices as stored (A is [K,M] in memory when trans_a). With beta == 0, C is
// write-only (it may hold garbage or NaN on entry).
#pragma once
#include <cstdint>

#include "tensorforge/view.h"

namespace tf {
namespace cpu {

// NOTE: codes shared with lib/ops/codes.ts (GemmAct).
enum GemmAct : int32_t { kActNone = 0, kActRelu = 1 };
enum GemmBias : int32_t { kBiasNone = 0, kBiasPerCol = 1 /* bias[N] */, kBiasPerRow = 2 /* bias[M] */ };

struct GemmEpilogue {
  const float* bias = nullptr;
  int32_t bias_kind = kBiasNone;
  int32_t act = kActNone;
};

// Implicit GEMM operand: op(B) is never stored; the GEMM asks for it one panel at a time
// (convolution packs straight from the image instead of writing im2col columns). A panel is
// depth [p0, p0+kc) x columns [j0, j0+n) of op(B), n <= NR (gemm_cfg::kNR of the calling
// ISA: callers are compiled per ISA too), written by fn into dst in one of two layouts:
//   kPanelRows: dst[k*NR + t] = op(B)[p0+k, j0+t], zero for t in [n, NR)  (the packed panel)
//   kPanelCols: dst[t*kc + k] = op(B)[p0+k, j0+t] for t < n (the GEMM transposes it)
struct GemmPanelSource {
  enum Layout : int32_t { kPanelRows = 0, kPanelCols = 1 };
  void (*fn)(const void* ctx, float* dst, int64_t p0, int64_t kc, int64_t j0, int64_t n);
  const void* ctx;
  Layout layout;
};

TF_DECL_ALL(
void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
           float* C, int64_t ldc, const GemmEpilogue* ep))

// sgemm with op(B)[K, N] supplied panel by panel (see GemmPanelSource); fn may run on
// several threads at once.
TF_DECL_ALL(
void sgemm_implicit_b(bool trans_a, int64_t M, int64_t N, int64_t K, float alpha,
                      const float* A, int64_t lda, const GemmPanelSource& b, float beta,
                      float* C, int64_t ldc, const GemmEpilogue* ep))

// Batched: matrix i uses A + i*stride_a, B + i*stride_b, C + i*stride_c (a stride of 0
// broadcasts that operand). The epilogue applies to every batch.
TF_DECL_ALL(
void sgemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                   float alpha, const float* A, int64_t lda, int64_t stride_a,
                   const float* B, int64_t ldb, int64_t stride_b, float beta,
                   float* C, int64_t ldc, int64_t stride_c, const GemmEpilogue* ep))

// int32 GEMM (gemm_i32.cpp), batched like sgemm_batched: C[M,N] = op(A)[M,K] * op(B)[K,N]
// for each of `batch` matrices, every product and sum wrapping modulo 2^32 as PyTorch's
// integer matmul does (exact, so every ISA gives the same result). C is write-only.
TF_DECL_ALL(
void igemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                   const int32_t* A, int64_t lda, int64_t stride_a, const int32_t* B, int64_t ldb,
                   int64_t stride_b, int32_t* C, int64_t ldc, int64_t stride_c))

// bf16 GEMM with float32 operands and result (autocast): sgemm's contract, but each element
// of op(A) and op(B) is first rounded to bfloat16 (bf16_bits below), the products (exact in
// fp32) are accumulated in fp32. With AVX512-BF16 (avx512 variant on a CPU that has it) the
// operands are packed as bf16 pairs and VDPBF16PS does two products per lane; otherwise
// rounded fp32 copies run through sgemm: the same function up to the order of the fp32 sums.
TF_DECL_ALL(
void sbgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
            const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
            float* C, int64_t ldc, const GemmEpilogue* ep))

// sbgemm on AMX-BF16 tiles (gemm_bf16_amx.cpp, built into the avx512 variant only): the same
// function, up to the order of the fp32 sums. Call it only where amx_bf16_usable()
// (runtime/cpu_features.h) said yes: the CPU has AMX-BF16 and the OS granted the tile state.
namespace avx512 {
void sbgemm_amx(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
                float* C, int64_t ldc, const GemmEpilogue* ep);
}  // namespace avx512

// Whether this variant's sbgemm runs bf16 instructions on this CPU (else it rounds and
// calls sgemm).
TF_DECL_ALL(bool sbgemm_native())

// x rounded to bfloat16 (the upper 16 bits of the result): round to nearest even; NaN stays
// a (quiet) NaN; fp32 subnormals become signed zero, as AVX512-BF16 conversions do.
inline uint32_t bf16_bits(float x) {
  uint32_t u;
  __builtin_memcpy(&u, &x, 4);
  if ((u & 0x7f800000u) == 0) return (u >> 16) & 0x8000u;
  if ((u & 0x7fffffffu) > 0x7f800000u) return (u >> 16) | 0x40u;
  return (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
}

// bf16_bits as a float (the low 16 bits zero).
inline float bf16_round(float x) {
  const uint32_t u = bf16_bits(x) << 16;
  float f;
  __builtin_memcpy(&f, &u, 4);
  return f;
}

}  // namespace cpu
}  // namespace tf
