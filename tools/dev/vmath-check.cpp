// Sweeps simd.h's vector math against double-precision libm and prints the worst error in
// float ulps per function (and any special-value mismatch). Not part of the addon.
// Build + run: tools/dev/run.sh vmath [generic|avx2|avx512]
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>

#include "cpu/simd.h"

using namespace tf::TF_ISA;

static double ulp_of(double r) {  // float ulp at |r| (subnormal spacing below 2^-126)
  double a = std::fabs(r);
  if (a < 1.1754943508222875e-38) return std::ldexp(1.0, -149);
  int e;
  std::frexp(a, &e);
  return std::ldexp(1.0, e - 24);
}

struct Fn {
  const char* name;
  vf (*v)(vf);
  std::function<double(double)> ref;
  float lo, hi;  // domain swept
};

int main() {
  const Fn fns[] = {
      {"exp", vexp, [](double x) { return std::exp(x); }, -110, 90},
      {"expm1", vexpm1, [](double x) { return std::expm1(x); }, -40, 90},
      {"log", vlog, [](double x) { return std::log(x); }, 0, 3.4e38f},
      {"log1p", vlog1p, [](double x) { return std::log1p(x); }, -1, 3.4e38f},
      {"tanh", vtanh, [](double x) { return std::tanh(x); }, -20, 20},
      {"sigmoid", vsigmoid, [](double x) { return 1.0 / (1.0 + std::exp(-x)); }, -110, 110},
      {"normcdf", vnormcdf, [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }, -30, 30},
      {"gelu", vgelu, [](double x) { return x * 0.5 * std::erfc(-x / std::sqrt(2.0)); }, -30, 30},
  };
  int bad = 0;
  for (const Fn& f : fns) {
    double worst = 0;
    float worst_x = 0;
    long count = 0;
    // Every 97th float bit pattern of both signs, kept inside [lo, hi].
    for (uint64_t b = 0; b < 0x100000000ull; b += 97) {
      uint32_t u = uint32_t(b);
      float x;
      std::memcpy(&x, &u, 4);
      if (!(x >= f.lo && x <= f.hi)) continue;
      float got = f.v(vbroadcast(x))[0];
      double want = f.ref(double(x));
      double wf = double(float(want));
      if (std::isinf(wf) || std::isinf(got)) {
        if (got != wf) { if (bad++ < 10) std::printf("%s(%a): got %a want %a\n", f.name, x, got, wf); }
        continue;
      }
      double err = std::fabs(double(got) - want) / ulp_of(want);
      if (!(err <= worst)) { worst = err; worst_x = x; }
      ++count;
    }
    std::printf("%-8s max %.2f ulp at x=%.9g (%ld points)\n", f.name, worst, worst_x, count);
  }
  // Special values.
  const float inf = INFINITY, nan = NAN;
  struct S { const char* what; float got, want; } sp[] = {
      {"exp(100)", sexp(100), inf}, {"exp(-100)", sexp(-100), std::exp(-100.0f)},
      {"exp(inf)", sexp(inf), inf}, {"exp(-inf)", sexp(-inf), 0}, {"exp(nan)", sexp(nan), nan},
      {"exp(88.72)", sexp(88.72f), std::exp(88.72f)}, {"exp(-0)", sexp(-0.0f), 1},
      {"expm1(-0)", sexpm1(-0.0f), -0.0f}, {"expm1(inf)", sexpm1(inf), inf},
      {"expm1(-inf)", sexpm1(-inf), -1}, {"expm1(1e-30)", sexpm1(1e-30f), 1e-30f},
      {"log(0)", slog(0), -inf}, {"log(-0)", slog(-0.0f), -inf}, {"log(-1)", slog(-1), nan},
      {"log(inf)", slog(inf), inf}, {"log(1e-45)", slog(1e-45f), std::log(1e-45f)},
      {"log1p(-1)", slog1p(-1), -inf}, {"log1p(inf)", slog1p(inf), inf}, {"log1p(-0)", slog1p(-0.0f), -0.0f},
      {"tanh(inf)", stanh(inf), 1}, {"tanh(-inf)", stanh(-inf), -1}, {"tanh(-0)", stanh(-0.0f), -0.0f},
      {"tanh(1e-4)", stanh(1e-4f), float(std::tanh(double(1e-4f)))}, {"tanh(nan)", stanh(nan), nan},
      {"sigmoid(-100)", ssigmoid(-100), float(1 / (1 + std::exp(100.0)))}, {"sigmoid(inf)", ssigmoid(inf), 1},
      {"sigmoid(-inf)", ssigmoid(-inf), 0}, {"sigmoid(nan)", ssigmoid(nan), nan},
  };
  for (const S& s : sp) {
    bool ok = (std::isnan(s.want) && std::isnan(s.got)) ||
              (s.got == s.want && std::signbit(s.got) == std::signbit(s.want));
    if (!ok) { ++bad; std::printf("%s: got %a want %a\n", s.what, s.got, s.want); }
  }
  std::printf("%s\n", bad ? "MISMATCHES" : "special values ok");
  return bad ? 1 : 0;
}
