/**
 * What every fused kernel needs from the wasm backend: outputs allocated on its heap and typed-array views
 * of tensors there. Views are taken after all outputs are made: an allocation may grow (and so move) the heap.
 */
import * as tf from "@tensorflow/tfjs";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tfjs's wasm backend class is not exported with types
export type WasmBackend = any;
export type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: WasmBackend; attrs?: tf.NamedAttrMap };

export function makeOutputs(backend: WasmBackend, shapes: number[][], dtype: tf.DataType = "float32"): tf.TensorInfo[] {
  return shapes.map((s) => backend.makeOutput(s, dtype));
}

export function f32(backend: WasmBackend, t: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

export function i32(backend: WasmBackend, t: tf.TensorInfo): Int32Array {
  return backend.typedArrayFromHeap(t) as Int32Array;
}

/** A reusable scratch buffer outside the heap, grown as needed. */
let scratch = new Float32Array(0);
export function scratchBuffer(n: number): Float32Array {
  if (scratch.length < n) scratch = new Float32Array(Math.max(n, scratch.length * 2));
  return scratch.subarray(0, n);
}

/** A placeholder input for an absent optional tensor (its kernel attribute says it is absent). */
export function placeholder(): tf.Tensor {
  return tf.scalar(0);
}

/** Runs a kernel with several outputs. */
export function runKernel(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown> = {},
): tf.Tensor[] {
  return tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as unknown as tf.Tensor[];
}

/**
 * What a fused kernel keeps for its gradient (activated gates, tanh values, softmax) is returned as an extra
 * output whose reported shape is [1]: tfjs gives every output its caller does not use a zero gradient of
 * the output's size, so a full-size shape would cost a zero-filled copy of it in every backward pass. The
 * memory behind it has its true size; `heldView` reads it with the shape the kernel knows.
 * (tf.memory().numBytes counts such a tensor as 4 bytes.)
 */
export function asHeld(info: tf.TensorInfo): tf.TensorInfo {
  return { ...info, shape: [1] };
}

export function heldView(backend: WasmBackend, held: tf.TensorInfo, shape: number[]): Float32Array {
  return f32(backend, { dataId: held.dataId, shape, dtype: "float32" });
}
