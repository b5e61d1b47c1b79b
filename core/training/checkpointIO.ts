// Checkpoints for pure-JS tfjs, which has no `file://` handler: an io.IOHandler that writes
// `model.json` + `weights.bin` (the tfjs layers format, loadable by tf.loadLayersModel elsewhere) into
// a directory atomically, plus optional optimiser state (`optimizer.json` + `optimizer.bin`, Adam's
// iteration count and moment slots) so a resumed run continues the same schedule.
//
// Atomicity: everything is written into a sibling temporary directory, fsync'd, then swapped in by
// rename. If a previous checkpoint exists it is first renamed to `<dir>.old-*` and removed after
// the swap; a crash between the two renames leaves that `.old-*` directory, which `loadCheckpoint`
// falls back to.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../tf/tfBackend';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const OPTIMIZER_JSON = 'optimizer.json';
export const OPTIMIZER_BIN = 'optimizer.bin';
export const META_JSON = 'meta.json';

type WeightData = tfjs.io.ModelArtifacts['weightData'];

function toBuffer(data: WeightData): Buffer {
  if (!data) return Buffer.alloc(0);
  const parts = Array.isArray(data) ? data : [data];
  return Buffer.concat(parts.map((p) => Buffer.from(p)));
}

function toArrayBuffer(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

async function writeFileSynced(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes the files produced by `fill(tmpDir)` and swaps them in as `dir`. */
export async function writeDirectoryAtomically(dir: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  const parent = path.dirname(dir);
  await fs.mkdir(parent, { recursive: true });
  const suffix = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const tmp = `${dir}.tmp-${suffix}`;
  await fs.mkdir(tmp);
  try {
    await fill(tmp);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  let old: string | null = null;
  try {
    await fs.rename(tmp, dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EISDIR' && code !== 'EPERM') throw err;
    old = `${dir}.old-${suffix}`;
    await fs.rename(dir, old);
    await fs.rename(tmp, dir);
  }
  if (old) await fs.rm(old, { recursive: true, force: true });
}

/** The directory to read: `dir`, or the `.old-*` left by a crash in the middle of a swap. */
async function readableDir(dir: string): Promise<string> {
  try {
    await fs.access(path.join(dir, MODEL_JSON));
    return dir;
  } catch {
    const parent = path.dirname(dir);
    const base = `${path.basename(dir)}.old-`;
    const entries = await fs.readdir(parent).catch(() => [] as string[]);
    const olds = entries.filter((e) => e.startsWith(base)).sort();
    if (olds.length > 0) return path.join(parent, olds[olds.length - 1]);
    throw new Error(`no checkpoint at ${dir}`);
  }
}

/** Writes model artifacts (model.json + weights.bin) into an existing directory. */
async function writeArtifacts(dir: string, artifacts: tfjs.io.ModelArtifacts): Promise<void> {
  const modelJson = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    trainingConfig: artifacts.trainingConfig,
    userDefinedMetadata: artifacts.userDefinedMetadata,
    weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
  };
  await writeFileSynced(path.join(dir, WEIGHTS_BIN), toBuffer(artifacts.weightData));
  await writeFileSynced(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
}

async function readArtifacts(dir: string): Promise<tfjs.io.ModelArtifacts> {
  const json = JSON.parse(await fs.readFile(path.join(dir, MODEL_JSON), 'utf8')) as {
    modelTopology: tfjs.io.ModelArtifacts['modelTopology'];
    format?: string;
    generatedBy?: string;
    convertedBy?: string | null;
    trainingConfig?: tfjs.io.ModelArtifacts['trainingConfig'];
    userDefinedMetadata?: tfjs.io.ModelArtifacts['userDefinedMetadata'];
    weightsManifest: { paths: string[]; weights: tfjs.io.WeightsManifestEntry[] }[];
  };
  const specs: tfjs.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(await fs.readFile(path.join(dir, p)));
  }
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
    trainingConfig: json.trainingConfig,
    userDefinedMetadata: json.userDefinedMetadata,
    weightSpecs: specs,
    weightData: toArrayBuffer(Buffer.concat(buffers)),
  };
}

/** io.IOHandler for `model.save(handler)` / `tf.loadLayersModel(handler)` on a directory. */
export function directoryHandler(dir: string): tfjs.io.IOHandler {
  return {
    async save(artifacts: tfjs.io.ModelArtifacts): Promise<tfjs.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new Error('binary model topologies are not supported');
      await writeDirectoryAtomically(dir, (tmp) => writeArtifacts(tmp, artifacts));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: toBuffer(artifacts.weightData).byteLength,
        },
      };
    },
    async load(): Promise<tfjs.io.ModelArtifacts> {
      return readArtifacts(await readableDir(dir));
    },
  };
}

interface OptimizerManifest {
  className: string;
  config: Record<string, unknown>;
  weights: { name: string; shape: number[]; dtype: 'float32' | 'int32'; byteOffset: number; byteLength: number }[];
  /**
   * Adam's running β1^t, β2^t. tfjs's setWeights recomputes them as pow(β, t + 1), which differs in
   * the last bits from the product the uninterrupted run accumulated; saving them (float32 values,
   * exact in JSON) makes a resumed run bit-identical to an uninterrupted one.
   */
  accBeta?: [number, number];
}

/** tfjs's Adam keeps β^t in two private scalar variables. */
type AdamInternals = { accBeta1?: tfjs.Variable; accBeta2?: tfjs.Variable };

async function encodeOptimizer(optimizer: tfjs.Optimizer): Promise<{ manifest: OptimizerManifest; data: Buffer }> {
  const named = await optimizer.getWeights();
  const weights: OptimizerManifest['weights'] = [];
  const parts: Buffer[] = [];
  let offset = 0;
  for (const { name, tensor } of named) {
    const values = await tensor.data();
    const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
    const typed = dtype === 'int32' ? Int32Array.from(values as Int32Array) : Float32Array.from(values as Float32Array);
    const buf = Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength);
    weights.push({ name, shape: tensor.shape, dtype, byteOffset: offset, byteLength: buf.byteLength });
    parts.push(buf);
    offset += buf.byteLength;
  }
  // getWeights() returns a fresh scalar for the iteration count ('iter'); the slots are the
  // optimiser's own variables and must not be disposed here.
  for (const { name, tensor } of named) if (name === 'iter') tensor.dispose();
  const adam = optimizer as unknown as AdamInternals;
  const accBeta: [number, number] | undefined = adam.accBeta1 && adam.accBeta2 ? [adam.accBeta1.dataSync()[0], adam.accBeta2.dataSync()[0]] : undefined;
  return {
    manifest: { className: optimizer.getClassName(), config: optimizer.getConfig() as Record<string, unknown>, weights, ...(accBeta ? { accBeta } : {}) },
    data: Buffer.concat(parts),
  };
}

export interface CheckpointOptions {
  optimizer?: tfjs.Optimizer;
  /** Small JSON metadata (epoch, step, status...) written as meta.json. */
  meta?: Record<string, unknown>;
}

/** Saves a model (and optionally its optimiser state and metadata) into `dir`, atomically. */
export async function saveCheckpoint(model: tfjs.LayersModel, dir: string, options: CheckpointOptions = {}): Promise<void> {
  // Collect everything first, then write one directory swap.
  let artifacts: tfjs.io.ModelArtifacts | null = null;
  await model.save({
    save: async (a: tfjs.io.ModelArtifacts): Promise<tfjs.io.SaveResult> => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  });
  const captured = artifacts as tfjs.io.ModelArtifacts | null;
  if (!captured) throw new Error('model.save produced no artifacts');
  const optimizerState = options.optimizer ? await encodeOptimizer(options.optimizer) : null;
  await writeDirectoryAtomically(dir, async (tmp) => {
    await writeArtifacts(tmp, captured);
    if (optimizerState) {
      await writeFileSynced(path.join(tmp, OPTIMIZER_BIN), optimizerState.data);
      await writeFileSynced(path.join(tmp, OPTIMIZER_JSON), JSON.stringify(optimizerState.manifest));
    }
    if (options.meta) await writeFileSynced(path.join(tmp, META_JSON), JSON.stringify(options.meta));
  });
}

export async function loadCheckpointModel(tf: Tf, dir: string): Promise<tfjs.LayersModel> {
  return tf.loadLayersModel(directoryHandler(dir));
}

export async function readCheckpointMeta(dir: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(await readableDir(dir), META_JSON), 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/**
 * Restores optimiser state saved with the model into `optimizer` (same class, same variable order:
 * tfjs Adam matches slots to variables by position). Call it before the first step of the resumed
 * run. Returns false when the checkpoint has no optimiser state.
 */
export async function restoreOptimizer(tf: Tf, optimizer: tfjs.Optimizer, dir: string): Promise<boolean> {
  const src = await readableDir(dir);
  let manifest: OptimizerManifest;
  try {
    manifest = JSON.parse(await fs.readFile(path.join(src, OPTIMIZER_JSON), 'utf8')) as OptimizerManifest;
  } catch {
    return false;
  }
  if (manifest.className !== optimizer.getClassName()) {
    throw new Error(`checkpoint optimiser is ${manifest.className}, not ${optimizer.getClassName()}`);
  }
  const data = await fs.readFile(path.join(src, OPTIMIZER_BIN));
  const named = manifest.weights.map((w) => {
    const slice = data.subarray(w.byteOffset, w.byteOffset + w.byteLength);
    const copy = new Uint8Array(slice).buffer;
    const values = w.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
    return { name: w.name, tensor: tf.tensor(values, w.shape, w.dtype) };
  });
  await optimizer.setWeights(named);
  for (const n of named) n.tensor.dispose();
  const adam = optimizer as unknown as AdamInternals;
  if (manifest.accBeta && adam.accBeta1 && adam.accBeta2) {
    const [b1, b2] = manifest.accBeta;
    tf.tidy(() => {
      adam.accBeta1?.assign(tf.scalar(b1));
      adam.accBeta2?.assign(tf.scalar(b2));
    });
  }
  return true;
}
