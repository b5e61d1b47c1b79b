// Named constants of the audio pipeline, with the paper section each comes from
// (Chen et al. 2017, "Deep Cross-Modal Audio-Visual Generation").

/** §3.3 / §4: "The sound files are sampled at 44,100 Hz". Every decoded track is resampled to this. */
export const SAMPLE_RATE = 44_100;
/** §4.1 (Sub-URMP): "The size of the sliding window is 0.5 seconds". */
export const WINDOW_SECONDS = 0.5;
/** §4.1: "... and the stride is 0.1 seconds". */
export const STRIDE_SECONDS = 0.1;
/** 0.5 s × 44,100 Hz: every window is a standalone clip of exactly this many samples. */
export const WINDOW_SAMPLES = Math.round(WINDOW_SECONDS * SAMPLE_RATE); // 22,050
/** §3.3: "a 2048-point FFT window". */
export const N_FFT = 2048;
/** §3.3: "with a 512-point hop size". */
export const HOP_LENGTH = 512;
/** §3.1: LMS ground-truth spectrograms are 128×44 (128 mel bands). */
export const N_MELS = 128;
/** Frames of a centred STFT of one window: 1 + floor(22050 / 512) = 44 (§3.1's "128x44"). */
export const WINDOW_FRAMES = 1 + Math.floor(WINDOW_SAMPLES / HOP_LENGTH); // 44
/** §3.1: the I2S generator/discriminator work on 128×34 spectrograms. */
export const GAN_SPEC_SHAPE: readonly [number, number] = [128, 34];
/** §3.1: ground-truth LMS shape. */
export const LMS_SHAPE: readonly [number, number] = [N_MELS, WINDOW_FRAMES];
/** §5.1 (S2I-A): the autoencoder's input is "a 2D array of shape 120x36". */
export const AUTOENCODER_SPEC_SHAPE: readonly [number, number] = [120, 36];
/** §3.1: generated / discriminated images are 64×64×3. */
export const IMAGE_SIZE = 64;
/** Number of MFCCs kept (librosa's and torchaudio's default, n_mfcc = 20; the paper does not say). */
export const N_MFCC = 20;
/** `power_to_db` floor (librosa / torchaudio amin). */
export const DB_AMIN = 1e-10;
/** `power_to_db` dynamic range: values below (max − 80 dB) are clipped (librosa / torchaudio top_db). */
export const DB_TOP = 80;
