// PNG output for the examples: grayscale image grids and heat-map tiles, written with pngjs.
import * as fs from 'fs';
import * as path from 'path';
import { PNG } from 'pngjs';
import type { Tensor } from '../../lib';

/** An RGB canvas of tiles; tile (row, col) holds one [h, w] image drawn with a colour map. */
export class TileCanvas {
  readonly png: PNG;
  constructor(readonly rows: number, readonly cols: number, readonly tileH: number, readonly tileW: number,
    readonly scale = 2, readonly gap = 2) {
    const w = cols * (tileW * scale + gap) + gap, h = rows * (tileH * scale + gap) + gap;
    this.png = new PNG({ width: w, height: h });
    this.png.data.fill(255);   // white gaps, opaque alpha
  }
  /** Draws `values` (row-major [tileH, tileW], each in [0, 1]) at tile (r, c) through `colour`. */
  draw(r: number, c: number, values: ArrayLike<number>, colour: (v: number) => [number, number, number] = gray): void {
    if (values.length !== this.tileH * this.tileW) throw new RangeError(`TileCanvas.draw: expected ${this.tileH * this.tileW} values, got ${values.length}`);
    const { scale: s, gap } = this, x0 = gap + c * (this.tileW * s + gap), y0 = gap + r * (this.tileH * s + gap);
    for (let y = 0; y < this.tileH * s; y++) {
      for (let x = 0; x < this.tileW * s; x++) {
        const v = values[Math.floor(y / s) * this.tileW + Math.floor(x / s)];
        const [R, G, B] = colour(Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)));
        const o = ((y0 + y) * this.png.width + x0 + x) * 4;
        this.png.data[o] = R; this.png.data[o + 1] = G; this.png.data[o + 2] = B; this.png.data[o + 3] = 255;
      }
    }
  }
  write(file: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, PNG.sync.write(this.png));
  }
}

/** White ink on black, as MNIST is stored. */
export function gray(v: number): [number, number, number] { const g = Math.round(v * 255); return [g, g, g]; }

/** A black-red-yellow-white heat map for attribution magnitudes. */
export function heat(v: number): [number, number, number] {
  const c = (t: number): number => Math.round(255 * Math.min(1, Math.max(0, t)));
  return [c(3 * v), c(3 * v - 1), c(3 * v - 2)];
}

/** Writes images x: [N, 1, H, W] with values in [0, 1] as a grid PNG with `cols` columns. */
export function writeImageGrid(file: string, x: Tensor, cols: number, scale = 2): void {
  const [n, , h, w] = x.shape;
  const rows = Math.ceil(n / cols), px = x.contiguous().dataSync() as Float32Array;
  const canvas = new TileCanvas(rows, cols, h, w, scale);
  for (let i = 0; i < n; i++) canvas.draw(Math.floor(i / cols), i % cols, px.subarray(i * h * w, (i + 1) * h * w));
  canvas.write(file);
}

/** Signed values mapped to [0, 1] (0.5 = zero): blue for negative, white for zero, red for positive. */
export function diverging(v: number): [number, number, number] {
  const t = Math.round(255 * (1 - Math.abs(2 * v - 1)));
  return v >= 0.5 ? [255, t, t] : [t, t, 255];
}
