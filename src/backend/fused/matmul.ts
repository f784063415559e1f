/**
 * BatchMatMul on OpenBLAS: `a [...,M,K] · b [...,K,N]` (either transposed) on every core, reading and
 * writing the wasm heap in place. The batch dimensions must be equal or one side's must be 1; any other
 * broadcast goes to wasm's own kernel.
 */
import * as tf from "@tensorflow/tfjs";
import type { NativeKernels } from "../native";
import { f32, KernelArgs } from "./heap";

const product = (xs: number[]) => xs.reduce((p, x) => p * x, 1);

export function nativeBatchMatMul(native: NativeKernels, fallback: (args: KernelArgs) => tf.TensorInfo) {
  return (args: KernelArgs): tf.TensorInfo => {
    const { inputs, backend, attrs } = args;
    const a = inputs.a as tf.TensorInfo,
      b = inputs.b as tf.TensorInfo;
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const ra = a.shape.length,
      rb = b.shape.length;
    if (a.dtype !== "float32" || b.dtype !== "float32" || ra < 2 || rb < 2) return fallback(args);
    const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const Kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    if (K !== Kb) return fallback(args); // wasm's kernel words the shape error
    const outerA = a.shape.slice(0, -2),
      outerB = b.shape.slice(0, -2);
    const batchA = product(outerA),
      batchB = product(outerB);
    let outer: number[];
    if (batchA === batchB) outer = outerA.length >= outerB.length ? outerA : outerB;
    else if (batchA === 1) outer = outerB;
    else if (batchB === 1) outer = outerA;
    else return fallback(args);
    const batch = Math.max(batchA, batchB);
    const out = backend.makeOutput([...outer, M, N], "float32");
    if (M * N === 0) return out;
    if (K === 0) {
      f32(backend, out).fill(0);
      return out;
    }
    native.gemm(
      transposeA,
      transposeB,
      M,
      N,
      K,
      1,
      f32(backend, a),
      f32(backend, b),
      0,
      f32(backend, out),
      batch,
      batchA === 1 ? 0 : M * K,
      batchB === 1 ? 0 : K * N,
      M * N,
    );
    return out;
  };
}
