// Sample grids saved each epoch (docs/ARCHITECTURE.md, "Decisions taken from peers"): fixed conditions (rows) × fixed
// noise (columns), so a researcher can watch the same cells change from epoch to epoch.
import sharp from 'sharp';

/** Images (B, s, s, 3) in [-1, 1], B = rows·cols in row-major order → PNG with cells scaled to `cell` px. */
export async function imageGridPng(values: Float32Array, rows: number, cols: number, size: number, cell = 64, gap = 2): Promise<Buffer> {
  const scale = Math.max(1, Math.floor(cell / size));
  const c = size * scale;
  const width = cols * c + (cols + 1) * gap;
  const height = rows * c + (rows + 1) * gap;
  const out = Buffer.alloc(width * height * 3, 255);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      const base = (r * cols + k) * size * size * 3;
      const ox = gap + k * (c + gap);
      const oy = gap + r * (c + gap);
      for (let y = 0; y < c; y++) {
        for (let x = 0; x < c; x++) {
          const src = base + (Math.floor(y / scale) * size + Math.floor(x / scale)) * 3;
          const dst = ((oy + y) * width + ox + x) * 3;
          for (let ch = 0; ch < 3; ch++) out[dst + ch] = Math.max(0, Math.min(255, Math.round((values[src + ch] + 1) * 127.5)));
        }
      }
    }
  }
  return sharp(out, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** Spectrograms (B, h, w, 1) in [-1, 1] → PNG grid, low frequencies at the bottom, magma-like colours. */
export async function spectrogramGridPng(values: Float32Array, rows: number, cols: number, h: number, w: number, gap = 2): Promise<Buffer> {
  const sx = 2;
  const cw = w * sx;
  const width = cols * cw + (cols + 1) * gap;
  const height = rows * h + (rows + 1) * gap;
  const out = Buffer.alloc(width * height * 3, 255);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      const base = (r * cols + k) * h * w;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < cw; x++) {
          const v = (values[base + (h - 1 - y) * w + Math.floor(x / sx)] + 1) / 2; // 0..1
          const dst = ((gap + r * (h + gap) + y) * width + gap + k * (cw + gap) + x) * 3;
          out[dst] = Math.round(255 * Math.min(1, Math.max(0, 1.6 * v)));
          out[dst + 1] = Math.round(255 * Math.min(1, Math.max(0, 1.6 * v - 0.6)));
          out[dst + 2] = Math.round(255 * Math.min(1, Math.max(0, 0.4 + 0.6 * v - 1.2 * Math.max(0, v - 0.5))));
        }
      }
    }
  }
  return sharp(out, { raw: { width, height, channels: 3 } }).png().toBuffer();
}
