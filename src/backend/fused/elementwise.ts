/**
 * Two of wasm's own kernels, replaced where the native addon does them several times faster: `Sum` over
 * leading axes (every bias gradient: wasm transposes first, then sums the last axis) and `Tanh`
 * (vectorised). Other cases go to wasm's kernels.
 */
import * as tf from "@tensorflow/tfjs";
import type { NativeKernels } from "../native";
import { f32, KernelArgs } from "./heap";

type Fallback = (args: KernelArgs) => tf.TensorInfo;

export function nativeSum(native: NativeKernels, fallback: Fallback) {
  return (args: KernelArgs): tf.TensorInfo => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as tf.TensorInfo;
    const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort(
      (a, b) => a - b,
    );
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (x.dtype !== "float32" || !leading) return fallback(args);
    const k = axes.length;
    const rows = x.shape.slice(0, k).reduce((p, d) => p * d, 1);
    const rest = x.shape.slice(k);
    const cols = rest.reduce((p, d) => p * d, 1);
    const out = backend.makeOutput(keepDims ? [...x.shape.slice(0, k).map(() => 1), ...rest] : rest, "float32");
    native.sumRows(rows, cols, f32(backend, x), f32(backend, out));
    return out;
  };
}

export function nativeTanh(native: NativeKernels, fallback: Fallback) {
  return (args: KernelArgs): tf.TensorInfo => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype !== "float32") return fallback(args);
    const out = args.backend.makeOutput(x.shape, "float32");
    const xv = f32(args.backend, x);
    native.tanh(xv.length, xv, f32(args.backend, out));
    return out;
  };
}
