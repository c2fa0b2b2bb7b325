// Indexing kernels: gather / scatter-add along a dim (index has the output's rank) and
// index-select / its backward index-add (a 1-D index picks whole slices). Indices are int32
// and must be validated by the caller (index_find_invalid) before these read memory.
#pragma once
#include "tensorforge/view.h"

namespace tf {
namespace cpu {

TF_DECL_ALL(
// Position (flat, row-major over idx's shape) of the first value outside [0, limit) that is
// not `allowed`, or -1 when all are valid. idx: I32, any strides. Pass allowed < INT32_MIN
// to allow nothing extra.
int64_t index_find_invalid(const TensorView& idx, int64_t limit, int64_t allowed))

TF_DECL_ALL(
// y[p] = x[p with p[dim] = idx[p]] for every position p of idx's shape.
// y: idx's shape, any dtype (same as x). x: shape[d] >= idx.shape[d] for d != dim.
// idx: I32 in [0, x.shape[dim]).
void gather_forward(const TensorView& y, const TensorView& x, const TensorView& idx, int dim))

TF_DECL_ALL(
// y[p with p[dim] = idx[p]] += src[p] for every position p of idx's shape (gather's backward
// when y starts at zero). y: F32 or I32, shape[d] >= idx.shape[d] for d != dim; src: y's
// dtype, shape[d] >= idx.shape[d] for all d; idx: I32 in [0, y.shape[dim]). Duplicate
// indices accumulate in a fixed order (deterministic).
void scatter_add_forward(const TensorView& y, const TensorView& idx, const TensorView& src, int dim))

TF_DECL_ALL(
// y: [outer, K, inner] = x[outer, idx[k], inner] with x: [outer, n, inner], both contiguous
// with elements of elem_bytes bytes; idx: [K] in [0, n).
void index_select_forward(void* y, const void* x, const int32_t* idx, int64_t outer, int64_t n,
                          int64_t K, int64_t inner, int64_t elem_bytes))

TF_DECL_ALL(
// dx[outer, idx[k], inner] += dy[outer, k, inner] (index-add). dx: [outer, n, inner],
// dy: [outer, K, inner], contiguous F32; idx: [K] in [0, n).
void index_select_backward(float* dx, const float* dy, const int32_t* idx, int64_t outer,
                           int64_t n, int64_t K, int64_t inner))

}  // namespace cpu
}  // namespace tf
