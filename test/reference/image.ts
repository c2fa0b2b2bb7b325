/** Float64 references for the image transforms (lib/data/transforms.ts). Images are
 * row-major [N, C, H, W] Float64Arrays. */
import type { Nd } from './ndarray';

export function normalize(x: Nd, mean: number[], std: number[]): Nd {
  const [N, C, H, W] = x.shape, out = new Float64Array(x.data.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < H * W; i++) {
    const k = (n * C + c) * H * W + i;
    out[k] = (x.data[k] - mean[c]) / std[c];
  }
  return { shape: x.shape.slice(), data: out };
}

export function flip(x: Nd, flags: ArrayLike<number>, horizontal: boolean): Nd {
  const [N, C, H, W] = x.shape, out = new Float64Array(x.data.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
    const si = flags[n] && !horizontal ? H - 1 - i : i, sj = flags[n] && horizontal ? W - 1 - j : j;
    out[((n * C + c) * H + i) * W + j] = x.data[((n * C + c) * H + si) * W + sj];
  }
  return { shape: x.shape.slice(), data: out };
}

/** params[n] = [angle, tx, ty, scale, shear]; see native/cpu/image.h for the convention. */
export function affine(x: Nd, params: ArrayLike<number>, fill: number): Nd {
  const [N, C, H, W] = x.shape, out = new Float64Array(x.data.length);
  const cx = (W - 1) / 2, cy = (H - 1) / 2;
  for (let n = 0; n < N; n++) {
    const [a, tx, ty, s, shr] = Array.from({ length: 5 }, (_, k) => params[n * 5 + k]);
    const sh = Math.tan(shr), ca = Math.cos(a), sa = Math.sin(a);
    // Forward map M = s * [[cos, sin], [-sin, cos]] * [[1, sh], [0, 1]] (y axis points down).
    const m = [[s * ca, s * (ca * sh + sa)], [-s * sa, s * (-sa * sh + ca)]];
    const det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    const inv = [[m[1][1] / det, -m[0][1] / det], [-m[1][0] / det, m[0][0] / det]];
    for (let c = 0; c < C; c++) {
      const base = (n * C + c) * H * W;
      const at = (i: number, j: number): number => (i >= 0 && i < H && j >= 0 && j < W ? x.data[base + i * W + j] : fill);
      for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
        const dx = j - cx - tx, dy = i - cy - ty;
        const sx = inv[0][0] * dx + inv[0][1] * dy + cx, sy = inv[1][0] * dx + inv[1][1] * dy + cy;
        let v = fill;
        if (sx > -1 && sx < W && sy > -1 && sy < H) {
          const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
          v = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
        }
        out[base + i * W + j] = v;
      }
    }
  }
  return { shape: x.shape.slice(), data: out };
}

export function crop(x: Nd, offsets: ArrayLike<number>, oh: number, ow: number, pad: number, fill: number): Nd {
  const [N, C, H, W] = x.shape, out = new Float64Array(N * C * oh * ow);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    const si = offsets[2 * n] + i - pad, sj = offsets[2 * n + 1] + j - pad;
    out[((n * C + c) * oh + i) * ow + j] = si >= 0 && si < H && sj >= 0 && sj < W ? x.data[((n * C + c) * H + si) * W + sj] : fill;
  }
  return { shape: [N, C, oh, ow], data: out };
}
