// Spectrogram resizing (§3.1: "we use the numpy resize function to resize them from 128x44 to
// 128x34" and back to 128×44 for evaluation; §5.1: the S2I-A autoencoder input is 120×36).
// "numpy resize" taken literally (np.resize) repeats/truncates the flat buffer, which is not a
// resampling; we implement what image code means by resize: skimage.transform.resize(image,
// shape, order=1, mode='edge', anti_aliasing=False, preserve_range=True), i.e. bilinear
// interpolation with half-pixel centres — identical to torch.nn.functional.interpolate(
// mode='bilinear', align_corners=False) and OpenCV INTER_LINEAR:
//   src = (dst + 0.5) · (inSize / outSize) − 0.5, clamped to [0, inSize − 1] (edge mode),
//   value = (1−a)·v[floor(src)] + a·v[floor(src)+1], a = src − floor(src), separably on rows then columns.
import { AUTOENCODER_SPEC_SHAPE, GAN_SPEC_SHAPE, LMS_SHAPE } from './constants';
import { featureMatrix, type FeatureMatrix } from './spectrogram';

interface Taps {
  i0: Int32Array;
  i1: Int32Array;
  a: Float64Array;
}

function taps(inSize: number, outSize: number): Taps {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const a = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let d = 0; d < outSize; d++) {
    let src = (d + 0.5) * scale - 0.5;
    if (src < 0) src = 0;
    if (src > inSize - 1) src = inSize - 1;
    const f = Math.floor(src);
    i0[d] = f;
    i1[d] = Math.min(f + 1, inSize - 1);
    a[d] = src - f;
  }
  return { i0, i1, a };
}

/** Bilinear resize (skimage order=1, mode='edge', no anti-aliasing) of a [rows][cols] matrix. */
export function resizeBilinear(input: FeatureMatrix, outShape: readonly [number, number]): FeatureMatrix {
  const [h, w] = input.shape;
  const [oh, ow] = outShape;
  if (h < 1 || w < 1 || oh < 1 || ow < 1) throw new Error(`cannot resize ${h}×${w} to ${oh}×${ow}`);
  const ty = taps(h, oh);
  const tx = taps(w, ow);
  const out = featureMatrix(oh, ow);
  const src = input.data;
  for (let y = 0; y < oh; y++) {
    const r0 = ty.i0[y] * w;
    const r1 = ty.i1[y] * w;
    const ay = ty.a[y];
    for (let x = 0; x < ow; x++) {
      const c0 = tx.i0[x];
      const c1 = tx.i1[x];
      const ax = tx.a[x];
      const top = src[r0 + c0] * (1 - ax) + src[r0 + c1] * ax;
      const bottom = src[r1 + c0] * (1 - ax) + src[r1 + c1] * ax;
      out.data[y * ow + x] = top * (1 - ay) + bottom * ay;
    }
  }
  return out;
}

/** LMS 128×44 → 128×34, the I2S GAN's spectrogram size (§3.1). */
export function toGanSpectrogram(lms: FeatureMatrix): FeatureMatrix {
  return resizeBilinear(lms, GAN_SPEC_SHAPE);
}

/** 128×34 → 128×44, to compare generated spectrograms with ground truth (§3.1). */
export function fromGanSpectrogram(spec: FeatureMatrix): FeatureMatrix {
  return resizeBilinear(spec, LMS_SHAPE);
}

/** LMS → 120×36, the S2I-A autoencoder input (§5.1). */
export function toAutoencoderInput(lms: FeatureMatrix): FeatureMatrix {
  return resizeBilinear(lms, AUTOENCODER_SPEC_SHAPE);
}
