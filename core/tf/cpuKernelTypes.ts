// The parts of tfjs-backend-cpu's kernel interface the studio's cpu-fast kernels use (its classes
// are not exported with types): tensor infos, the backend's value store, kernel arguments.
import type { Values } from './kernels/runtime';

export interface TensorInfoLike { dataId: object; shape: number[]; dtype: string }
export interface CpuBackendLike {
  data: { get(dataId: object): { values: Values } };
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): TensorInfoLike;
}
export interface KernelArgs {
  inputs: Record<string, TensorInfoLike | undefined>;
  backend: unknown;
  attrs?: Record<string, unknown>;
}
export type KernelFunc = (args: KernelArgs) => unknown;

/** The values array behind a tensor on the cpu backend. */
export const valuesOf = (backend: CpuBackendLike, t: TensorInfoLike): Values => backend.data.get(t.dataId).values;

/** Number of elements of a shape. */
export const shapeSize = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
