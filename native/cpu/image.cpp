#include "cpu/image.h"

#include <cmath>
#include <cstring>

#include "cpu/simd.h"
#include "runtime/parallel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

void image_normalize_forward(float* y, const float* x, const double* mean, const double* std,
                             int64_t N, int64_t C, int64_t HW) {
  parallel_for(N * C, 1 + 32768 / (HW + 1), [&](int64_t b, int64_t e) {
    for (int64_t nc = b; nc < e; ++nc) {
      const int64_t c = nc % C;
      const float scale = float(1.0 / std[c]), shift = float(-mean[c] / std[c]);
      const float* xp = x + nc * HW;
      float* yp = y + nc * HW;
      for (int64_t i = 0; i < HW; ++i) yp[i] = xp[i] * scale + shift;
    }
  });
}

void image_flip_forward(float* y, const float* x, const float* flip, int64_t N, int64_t C,
                        int64_t H, int64_t W, bool horizontal) {
  parallel_for(N * C, 1 + 32768 / (H * W + 1), [&](int64_t b, int64_t e) {
    for (int64_t nc = b; nc < e; ++nc) {
      const float* xp = x + nc * H * W;
      float* yp = y + nc * H * W;
      if (flip[nc / C] == 0.0f) {
        std::memcpy(yp, xp, sizeof(float) * size_t(H * W));
      } else if (horizontal) {
        for (int64_t i = 0; i < H; ++i)
          for (int64_t j = 0; j < W; ++j) yp[i * W + j] = xp[i * W + (W - 1 - j)];
      } else {
        for (int64_t i = 0; i < H; ++i) std::memcpy(yp + i * W, xp + (H - 1 - i) * W, sizeof(float) * size_t(W));
      }
    }
  });
}

void image_affine_forward(float* y, const float* x, const float* params, int64_t N, int64_t C,
                          int64_t H, int64_t W, float fill) {
  const double cx = 0.5 * double(W - 1), cy = 0.5 * double(H - 1);
  parallel_for(N, 1 + 32768 / (C * H * W + 1), [&](int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) {
      const float* p = params + n * 5;
      // NOTE: image rows grow downwards, so a counter-clockwise rotation on screen uses
      // R = [[cos, sin], [-sin, cos]] in (x, y) pixel coordinates.
      const double a = p[0], tx = p[1], ty = p[2], s = p[3], sh = std::tan(double(p[4]));
      const double ca = std::cos(a), sa = std::sin(a);
      // M = s * R * [[1, sh], [0, 1]]
      const double m00 = s * ca, m01 = s * (ca * sh + sa), m10 = -s * sa, m11 = s * (-sa * sh + ca);
      const double det = m00 * m11 - m01 * m10;
      const bool singular = !(std::fabs(det) > 1e-12) || !std::isfinite(det);
      const double i00 = m11 / det, i01 = -m01 / det, i10 = -m10 / det, i11 = m00 / det;
      for (int64_t c = 0; c < C; ++c) {
        const float* xp = x + (n * C + c) * H * W;
        float* yp = y + (n * C + c) * H * W;
        auto at = [&](int64_t i, int64_t j) -> float {
          return i >= 0 && i < H && j >= 0 && j < W ? xp[i * W + j] : fill;
        };
        for (int64_t i = 0; i < H; ++i) {
          for (int64_t j = 0; j < W; ++j) {
            if (singular) { yp[i * W + j] = fill; continue; }
            const double dx = double(j) - cx - tx, dy = double(i) - cy - ty;
            const double sx = i00 * dx + i01 * dy + cx, sy = i10 * dx + i11 * dy + cy;
            if (!(sx > -1.0 && sx < double(W) && sy > -1.0 && sy < double(H))) { yp[i * W + j] = fill; continue; }
            const double fx0 = std::floor(sx), fy0 = std::floor(sy);
            const int64_t x0 = int64_t(fx0), y0 = int64_t(fy0);
            const double fx = sx - fx0, fy = sy - fy0;
            const double v = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
                             fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
            yp[i * W + j] = float(v);
          }
        }
      }
    }
  });
}

void image_crop_forward(float* y, const float* x, const int32_t* offsets, int64_t N, int64_t C,
                        int64_t H, int64_t W, int64_t OH, int64_t OW, int64_t pad, float fill) {
  parallel_for(N * C, 1 + 32768 / (OH * OW + 1), [&](int64_t b, int64_t e) {
    for (int64_t nc = b; nc < e; ++nc) {
      const int64_t n = nc / C;
      const int64_t top = int64_t(offsets[2 * n]) - pad, left = int64_t(offsets[2 * n + 1]) - pad;
      const float* xp = x + nc * H * W;
      float* yp = y + nc * OH * OW;
      for (int64_t i = 0; i < OH; ++i) {
        const int64_t si = top + i;
        float* row = yp + i * OW;
        if (si < 0 || si >= H) {
          for (int64_t j = 0; j < OW; ++j) row[j] = fill;
          continue;
        }
        for (int64_t j = 0; j < OW; ++j) {
          const int64_t sj = left + j;
          row[j] = sj >= 0 && sj < W ? xp[si * W + sj] : fill;
        }
      }
    }
  });
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
