// Batch normalization over x[N, C, HW] (per channel c), layer normalization over the last
// D elements of x[M, D] and group normalization over groups of C/G channels of x[N, C, HW],
// float32, contiguous; forward and backward. Each channel (row, group) is one task: its
// statistics, the normalization and, backward, the gradient sums are computed while its
// data is in cache.
#pragma once
#include <cstdint>

#include "tensorforge/view.h"

namespace tf {
namespace cpu {

TF_DECL_ALL(
// training: mean/var of each channel over N*HW (biased var normalizes; running_var is
//   updated with the unbiased var): running = (1 - momentum) * running + momentum * batch,
//   when running_mean/running_var are non-null. Needs N*HW > 1.
// eval: running_mean/running_var (required) are used instead and left unchanged.
// Either way y = (x - mean) * invstd * gamma + beta with invstd = 1/sqrt(var + eps), and
// save_mean/save_invstd[C] receive the mean/invstd used (what the backward needs).
// gamma/beta[C] may be null (1 and 0). x, y: [N, C, HW].
void batch_norm_forward(float* y, float* save_mean, float* save_invstd, float* running_mean,
                        float* running_var, const float* x, const float* gamma,
                        const float* beta, int64_t N, int64_t C, int64_t HW, bool training,
                        float momentum, float eps))

TF_DECL_ALL(
// dx[N, C, HW], dgamma[C], dbeta[C] (each may be null; overwritten) from dy and the saved
// mean/invstd. training: the statistics depend on x (the full formula); eval: they are
// constants, dx = dy * gamma * invstd. gamma may be null (1).
void batch_norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy,
                         const float* x, const float* save_mean, const float* save_invstd,
                         const float* gamma, int64_t N, int64_t C, int64_t HW, bool training))

TF_DECL_ALL(
// y[M, D] = (x - mean) * rstd * gamma + beta per row, rstd = 1/sqrt(biased var + eps);
// mean/rstd[M] saved. gamma/beta[D] may be null.
void layer_norm_forward(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                        const float* beta, int64_t M, int64_t D, float eps))

TF_DECL_ALL(
// dx[M, D], dgamma[D], dbeta[D] (each may be null; overwritten) from dy, x and the saved
// mean/rstd. gamma may be null (1).
void layer_norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x,
                         const float* mean, const float* rstd, const float* gamma, int64_t M,
                         int64_t D))

TF_DECL_ALL(
// y[N, C, HW] = (x - mean) * rstd * gamma[c] + beta[c], the statistics per (n, g) over the
// G-th block of C/G channels x HW (biased var), rstd = 1/sqrt(var + eps); mean/rstd[N, G]
// saved. gamma/beta[C] may be null (1 and 0). G divides C.
void group_norm_forward(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                        const float* beta, int64_t N, int64_t C, int64_t HW, int64_t G, float eps))

TF_DECL_ALL(
// dx[N, C, HW], dgamma[C], dbeta[C] (each may be null; overwritten) from dy[N, C, HW],
// x[N, C, HW] and the saved mean/rstd[N, G]. gamma may be null (1).
void group_norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x,
                         const float* mean, const float* rstd, const float* gamma, int64_t N,
                         int64_t C, int64_t HW, int64_t G))

}  // namespace cpu
}  // namespace tf
