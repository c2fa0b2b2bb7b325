// N-API glue for native/cpu/rnn and native/cuda/rnn.cu: one layer, one direction per call
// (on CUDA `impl` is ignored: one implementation).
// Storage arguments have fixed positions; an absent tensor (c0/cn/dc0/dcn outside LSTM,
// the biases when hasBias is 0) is passed as null and has no view in the arg buffer.
#include <new>
#include <string>

#include "binding/args.h"
#include "cpu/rnn.h"
#include "runtime/parallel.h"

namespace tf {
namespace {

const char* kModeNames[] = {"rnnTanh", "rnnRelu", "lstm", "gru"};

// Reads the arguments shared by forward and backward and checks every shape against the
// sizes implied by x [T, B, I] and w_hh [G*H, H].
struct RnnArgs {
  int32_t mode = 0;
  bool reverse = false, has_bias = false, use_ref = false;
  int64_t T = 0, B = 0, I = 0, H = 0, G = 1, S = 0;
  ArgReader& r;
  std::vector<TensorView> all;  // every view read, for the alias check

  explicit RnnArgs(ArgReader& reader) : r(reader) {
    mode = int32_t(r.int64(0, cpu::kNumRnnModes - 1, "mode"));
    reverse = r.int64(0, 1, "reverse") != 0;
    has_bias = r.int64(0, 1, "hasBias") != 0;
    use_ref = r.int64(0, 1, "impl") != 0;
    G = cpu::rnn_gates(mode);
  }
  bool lstm() const { return mode == cpu::kLstm; }
  // Next view (storage argument `arg`), or an absent view (ndim -1) when `present` is false.
  TensorView read(size_t arg, const char* what, bool present) {
    TensorView v;
    v.ndim = -1;
    if (!present || !r.ok()) return v;
    v = r.view(arg, what);
    if (!r.ok()) return v;
    if (v.dtype != DType::F32) r.fail(std::string(what) + " must be float32");
    else if (!v.is_contiguous()) r.fail(std::string(what) + " must be contiguous");
    all.push_back(v);
    return v;
  }
  // Checks v's shape is exactly `want` (an absent view passes).
  void expect(const TensorView& v, const char* what, std::initializer_list<int64_t> want) {
    if (!r.ok() || v.ndim < 0) return;
    bool ok = v.ndim == int(want.size());
    int d = 0;
    for (int64_t w : want) ok = ok && v.shape[d++] == w;
    if (ok) return;
    std::string ws = "[";
    d = 0;
    for (int64_t w : want) ws += (d++ ? ", " : "") + std::to_string(w);
    r.fail(std::string(kModeNames[mode]) + ": " + what + " must have shape " + ws + "], got " + shape_str(v));
  }
  // Derives T, B, I, H from x and w_hh, then checks the weights.
  void sizes(const TensorView& x, const TensorView& w_ih, const TensorView& w_hh,
             const TensorView& b_ih, const TensorView& b_hh) {
    if (!r.ok()) return;
    if (x.ndim != 3) { r.fail("x must be [T, B, I], got " + shape_str(x)); return; }
    if (w_hh.ndim != 2 || w_hh.shape[0] != G * w_hh.shape[1]) {
      r.fail(std::string(kModeNames[mode]) + ": weight_hh must be [" + std::to_string(G) +
             "*H, H], got " + shape_str(w_hh));
      return;
    }
    T = x.shape[0]; B = x.shape[1]; I = x.shape[2]; H = w_hh.shape[1];
    S = cpu::rnn_reserve_width(mode, H);
    expect(w_ih, "weight_ih", {G * H, I});
    expect(b_ih, "bias_ih", {G * H});
    expect(b_hh, "bias_hh", {G * H});
    // NOTE: backward keeps T*B*G*H floats of gate gradients (twice for GRU) in a workspace.
    if (r.ok() && double(T) * double(B) * double(G * H) > double(int64_t(1) << 34))
      r.fail("sequence too large for the gate workspace");
  }
  // Outputs must not overlap any other argument (all views are contiguous float32, so a
  // view covers exactly [offset, offset + numel) of its storage).
  void no_alias(std::initializer_list<const TensorView*> outs) {
    for (const TensorView* o : outs) {
      if (!r.ok() || o->ndim < 0 || o->numel() == 0) continue;
      int overlaps = 0;
      for (const TensorView& v : all)
        overlaps += v.numel() > 0 && v.data == o->data && v.offset < o->offset + o->numel() &&
                    o->offset < v.offset + v.numel();
      if (overlaps > 1) r.fail("output tensors must not overlap other arguments");
    }
  }
};

const float* cptr(const TensorView& v) { return v.ndim < 0 ? nullptr : v.ptr<float>(); }
float* mptr(const TensorView& v) { return v.ndim < 0 ? nullptr : v.ptr<float>(); }

// rnnForward(y, hn, cn, reserve, x, h0, c0, w_ih, w_hh, b_ih, b_hh)
// args: [mode, reverse, hasBias, impl, views of the non-null tensors in that order]
TF_BINDING(rnnForward) {
  ArgReader r(info, "rnnForward", Kernels::CpuAndCuda);
  RnnArgs a(r);
  bool lstm = a.lstm(), bias = a.has_bias;
  TensorView y = a.read(0, "y", true), hn = a.read(1, "hn", true), cn = a.read(2, "cn", lstm);
  TensorView reserve = a.read(3, "reserve", true), x = a.read(4, "x", true);
  TensorView h0 = a.read(5, "h0", true), c0 = a.read(6, "c0", lstm);
  TensorView w_ih = a.read(7, "weight_ih", true), w_hh = a.read(8, "weight_hh", true);
  TensorView b_ih = a.read(9, "bias_ih", bias), b_hh = a.read(10, "bias_hh", bias);
  a.sizes(x, w_ih, w_hh, b_ih, b_hh);
  a.expect(h0, "h0", {a.B, a.H});
  a.expect(c0, "c0", {a.B, a.H});
  a.expect(y, "y", {a.T, a.B, a.H});
  a.expect(hn, "hn", {a.B, a.H});
  a.expect(cn, "cn", {a.B, a.H});
  a.expect(reserve, "reserve", {a.T, a.B, a.S});
  a.no_alias({&y, &hn, &cn, &reserve});
  if (!r.ok()) return info.Env().Undefined();
  Instance& inst = instance(info.Env());
  if (r.on_cuda()) {
    cuda::rnn_forward(mptr(y), mptr(hn), mptr(cn), mptr(reserve), cptr(x), cptr(h0), cptr(c0), cptr(w_ih), cptr(w_hh),
                      cptr(b_ih), cptr(b_hh), a.T, a.B, a.I, a.H, a.mode, a.reverse, inst.matmul_precision, r.stream());
    return info.Env().Undefined();
  }
  // NOTE: the scratch of the recurrence may fail to allocate: "out of memory" (a RangeError
  // here in synchronous mode, the rejected read of y in async mode).
  auto fn = a.use_ref ? cpu::ref::rnn_forward : TF_ISA_CALL(inst.isa, cpu, rnn_forward);
  const int64_t T = a.T, B = a.B, I = a.I, H = a.H;
  const int32_t mode = a.mode;
  const bool reverse = a.reverse;
  r.launch(4, [=] {
    fn(mptr(y), mptr(hn), mptr(cn), mptr(reserve), cptr(x), cptr(h0), cptr(c0), cptr(w_ih),
       cptr(w_hh), cptr(b_ih), cptr(b_hh), T, B, I, H, mode, reverse);
  });
  return info.Env().Undefined();
}

// rnnBackward(dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh, dy, dhn, dcn, x, h0, c0, w_ih, w_hh,
//             y, reserve)
// args: [mode, reverse, hasBias, impl, hasDx, views of the non-null tensors in that order]
TF_BINDING(rnnBackward) {
  ArgReader r(info, "rnnBackward", Kernels::CpuAndCuda);
  RnnArgs a(r);
  bool lstm = a.lstm(), bias = a.has_bias, has_dx = r.int64(0, 1, "hasDx") != 0;
  TensorView dx = a.read(0, "dx", has_dx), dh0 = a.read(1, "dh0", true), dc0 = a.read(2, "dc0", lstm);
  TensorView dw_ih = a.read(3, "dweight_ih", true), dw_hh = a.read(4, "dweight_hh", true);
  TensorView db_ih = a.read(5, "dbias_ih", bias), db_hh = a.read(6, "dbias_hh", bias);
  TensorView dy = a.read(7, "dy", true), dhn = a.read(8, "dhn", true), dcn = a.read(9, "dcn", lstm);
  TensorView x = a.read(10, "x", true), h0 = a.read(11, "h0", true), c0 = a.read(12, "c0", lstm);
  TensorView w_ih = a.read(13, "weight_ih", true), w_hh = a.read(14, "weight_hh", true);
  TensorView y = a.read(15, "y", true), reserve = a.read(16, "reserve", true);
  TensorView none;
  none.ndim = -1;
  a.sizes(x, w_ih, w_hh, none, none);
  const int64_t GH = a.G * a.H;
  a.expect(h0, "h0", {a.B, a.H});
  a.expect(c0, "c0", {a.B, a.H});
  a.expect(dh0, "dh0", {a.B, a.H});
  a.expect(dc0, "dc0", {a.B, a.H});
  a.expect(dhn, "dhn", {a.B, a.H});
  a.expect(dcn, "dcn", {a.B, a.H});
  a.expect(dx, "dx", {a.T, a.B, a.I});
  a.expect(dw_ih, "dweight_ih", {GH, a.I});
  a.expect(dw_hh, "dweight_hh", {GH, a.H});
  a.expect(db_ih, "dbias_ih", {GH});
  a.expect(db_hh, "dbias_hh", {GH});
  a.expect(dy, "dy", {a.T, a.B, a.H});
  a.expect(y, "y", {a.T, a.B, a.H});
  a.expect(reserve, "reserve", {a.T, a.B, a.S});
  a.no_alias({&dx, &dh0, &dc0, &dw_ih, &dw_hh, &db_ih, &db_hh});
  if (!r.ok()) return info.Env().Undefined();
  Instance& inst = instance(info.Env());
  if (r.on_cuda()) {
    cuda::rnn_backward(mptr(dx), mptr(dh0), mptr(dc0), mptr(dw_ih), mptr(dw_hh), mptr(db_ih), mptr(db_hh), cptr(dy),
                       cptr(dhn), cptr(dcn), cptr(x), cptr(h0), cptr(c0), cptr(w_ih), cptr(w_hh), cptr(y),
                       cptr(reserve), a.T, a.B, a.I, a.H, a.mode, a.reverse, inst.matmul_precision, r.stream());
    return info.Env().Undefined();
  }
  auto fn = a.use_ref ? cpu::ref::rnn_backward : TF_ISA_CALL(inst.isa, cpu, rnn_backward);
  const int64_t T = a.T, B = a.B, I = a.I, H = a.H;
  const int32_t mode = a.mode;
  const bool reverse = a.reverse;
  r.launch([=] {  // outputs are packed (absent ones skipped): all count as written
    fn(mptr(dx), mptr(dh0), mptr(dc0), mptr(dw_ih), mptr(dw_hh), mptr(db_ih), mptr(db_hh),
       cptr(dy), cptr(dhn), cptr(dcn), cptr(x), cptr(h0), cptr(c0), cptr(w_ih), cptr(w_hh),
       cptr(y), cptr(reserve), T, B, I, H, mode, reverse);
  });
  return info.Env().Undefined();
}

}  // namespace
}  // namespace tf
