#include "cpu/gather.h"

#include <cstring>

#include "runtime/parallel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

void gather_rows_forward(uint8_t* y, const uint8_t* x, const int32_t* idx, int64_t n, int64_t row_bytes) {
  parallel_for(n, 1 + 65536 / (row_bytes + 1), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      std::memcpy(y + i * row_bytes, x + int64_t(idx[i]) * row_bytes, size_t(row_bytes));
  });
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
