#include "cpu/random.h"

#include <cmath>

#include "cpu/simd.h"
#include "runtime/parallel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

namespace {

struct U4 { uint32_t v[4]; };

inline U4 philox(uint64_t counter, uint64_t key) {
  uint32_t c0 = uint32_t(counter), c1 = uint32_t(counter >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = uint32_t(key), k1 = uint32_t(key >> 32);
  for (int r = 0; r < 10; ++r) {
    uint64_t p0 = uint64_t(0xD2511F53u) * c0, p1 = uint64_t(0xCD9E8D57u) * c2;
    uint32_t n0 = uint32_t(p1 >> 32) ^ c1 ^ k0, n1 = uint32_t(p1);
    uint32_t n2 = uint32_t(p0 >> 32) ^ c3 ^ k1, n3 = uint32_t(p0);
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return U4{{c0, c1, c2, c3}};
}

// Uniform in [0, 1) with 24 random bits.
inline float unit(uint32_t x) { return float(x >> 8) * (1.0f / 16777216.0f); }

}  // namespace

void random_fill(const TensorView& y, int32_t kind, double p0, double p1, uint64_t seed, uint64_t offset) {
  const int64_t n = y.numel();
  parallel_for(n, 16384, [&](int64_t b, int64_t e) {
    switch (kind) {
      case kUniform: {
        float* o = y.ptr<float>();
        const float lo = float(p0), span = float(p1 - p0);
        for (int64_t i = b; i < e; ++i) {
          float v = lo + span * unit(philox(offset + uint64_t(i), seed).v[0]);
          o[i] = v < float(p1) ? v : lo;  // NOTE: guards rounding up to p1
        }
        break;
      }
      case kNormal: {
        float* o = y.ptr<float>();
        for (int64_t i = b; i < e; ++i) {
          U4 r = philox(offset + uint64_t(i), seed);
          // Box-Muller on (0,1] x [0,1)
          double u1 = (double(r.v[0]) + 1.0) * (1.0 / 4294967296.0);
          double u2 = double(r.v[1]) * (1.0 / 4294967296.0);
          double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
          o[i] = float(p0 + p1 * z);
        }
        break;
      }
      case kBernoulli: {
        const double p = p0;
        if (y.dtype == DType::F32) {
          float* o = y.ptr<float>();
          for (int64_t i = b; i < e; ++i)
            o[i] = double(philox(offset + uint64_t(i), seed).v[0]) * (1.0 / 4294967296.0) < p ? 1.0f : 0.0f;
        } else {
          uint8_t* o = y.ptr<uint8_t>();
          for (int64_t i = b; i < e; ++i)
            o[i] = double(philox(offset + uint64_t(i), seed).v[0]) * (1.0 / 4294967296.0) < p ? 1 : 0;
        }
        break;
      }
      case kRandint: {
        int32_t* o = y.ptr<int32_t>();
        const int64_t lo = int64_t(p0);
        const uint64_t span = uint64_t(int64_t(p1) - lo);
        for (int64_t i = b; i < e; ++i) {
          U4 r = philox(offset + uint64_t(i), seed);
          uint64_t x = (uint64_t(r.v[0]) << 32) | r.v[1];
          o[i] = int32_t(lo + int64_t(x % span));  // span <= 2^32: bias < 2^-32
        }
        break;
      }
      default: break;
    }
  });
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
