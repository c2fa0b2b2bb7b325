// N-API glue for native/cpu/gather: rows of a contiguous tensor by index (batch assembly).
#include "binding/args.h"
#include "cpu/gather.h"
#include "runtime/parallel.h"

namespace tf {
namespace {

// gatherRows(y, x, idx) args: [view y, view x, view idx]
// x: [rows, ...] contiguous, any dtype; idx: int32 [n] contiguous; y: [n, ...] contiguous.
TF_BINDING(gatherRows) {
  ArgReader r(info, "gatherRows");
  TensorView y = r.view(0, "out"), x = r.view(1, "input"), idx = r.view(2, "indices");
  if (!r.ok()) return info.Env().Undefined();
  if (x.ndim < 1 || !x.is_contiguous() || !y.is_contiguous()) return r.fail("input and output must be contiguous with at least one dim");
  if (y.dtype != x.dtype || y.ndim != x.ndim) return r.fail("output must have the input's dtype and rank");
  for (int d = 1; d < x.ndim; ++d)
    if (y.shape[d] != x.shape[d]) return r.fail("output rows must have the input's row shape");
  if (idx.dtype != DType::I32 || idx.ndim != 1 || !idx.is_contiguous() || idx.shape[0] != y.shape[0])
    return r.fail("indices must be a contiguous int32 vector with one entry per output row");
  if (same_storage(x, y)) return r.fail("output must not share storage with the input");
  const int64_t n = idx.shape[0], rows = x.shape[0];
  const int32_t* ip = idx.ptr<int32_t>();
  for (int64_t i = 0; i < n; ++i)
    if (ip[i] < 0 || ip[i] >= rows)
      return r.fail("index " + std::to_string(ip[i]) + " at position " + std::to_string(i) + " is out of range for " +
                    std::to_string(rows) + " rows");
  const int64_t row_bytes = (rows > 0 ? x.numel() / rows : 0) * int64_t(dtype_size(x.dtype));
  if (n == 0 || row_bytes == 0) return info.Env().Undefined();
  Instance& inst = instance(info.Env());
  ScopedPool pool(inst.pool.get());
  TF_ISA_CALL(inst.isa, cpu, gather_rows_forward)(
      static_cast<uint8_t*>(y.data) + y.offset * int64_t(dtype_size(y.dtype)),
      static_cast<const uint8_t*>(x.data) + x.offset * int64_t(dtype_size(x.dtype)), ip, n, row_bytes);
  return info.Env().Undefined();
}

}  // namespace
}  // namespace tf
