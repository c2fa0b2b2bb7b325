// Row gather for batching: copies whole rows of a contiguous tensor by index, any dtype.
#pragma once
#include "tensorforge/view.h"

namespace tf {
namespace cpu {

TF_DECL_ALL(
// y: [n, row_bytes], x: [rows, row_bytes] raw bytes; idx: [n] in [0, rows) (checked by the
// caller). y[i] = x[idx[i]]: one copy per batch for the data loader.
void gather_rows_forward(uint8_t* y, const uint8_t* x, const int32_t* idx, int64_t n, int64_t row_bytes))

}  // namespace cpu
}  // namespace tf
