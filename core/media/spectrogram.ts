// The shared layout of every time-frequency representation: row-major [nBins][nFrames] float32
// (row = frequency / mel band / quefrency / CQT bin, column = frame), with its shape stated.

export interface FeatureMatrix {
  /** Row-major: element (bin b, frame t) is data[b * shape[1] + t]. */
  data: Float32Array;
  /** [nBins, nFrames]. */
  shape: [number, number];
}

export function featureMatrix(rows: number, cols: number, data?: Float32Array): FeatureMatrix {
  const d = data ?? new Float32Array(rows * cols);
  if (d.length !== rows * cols) throw new Error(`feature matrix data has ${d.length} values, expected ${rows}×${cols}`);
  return { data: d, shape: [rows, cols] };
}
