/**
 * Kernels that make the `wasm` backend usable for training.
 *
 * 1. `UnsortedSegmentSum` is missing from tfjs-backend-wasm 4.22. It is the gradient of `tf.gather`,
 *    so without it no embedding can be trained on wasm. We register a plain-JavaScript version that
 *    reads and writes the wasm heap directly.
 * 2. wasm's `BatchMatMul` with `transposeA` / `transposeB` walks memory with a large stride and is
 *    about 10x slower than transposing first. Every matMul gradient uses a transposed product, so we
 *    wrap the kernel: transpose the operand explicitly (wasm's `Transpose` kernel), then multiply.
 *    A transposed right-hand operand is kept for reuse while its source lives: backpropagation through
 *    time multiplies by the same `Wh` (and the same encoder outputs) at every step, so it is transposed
 *    once per batch instead of once per step. The cache holds at most TRANSPOSE_CACHE_SIZE copies and
 *    drops a copy as soon as a lookup finds its source disposed.
 * 3. wasm's `GatherV2` computes a source index for every element; ours copies whole rows.
 * 4. wasm's `Identity` copies its input; ours shares it (see `identityShared`).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- tfjs's wasm backend and its kernel registry have no public types for backends and kernel functions */
import * as tf from "@tensorflow/tfjs";

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: any; attrs?: tf.NamedAttrMap };

/** Which of our kernels are currently registered for wasm. */
export const wasmPatches = { unsortedSegmentSum: false, batchMatMul: false, gatherRows: false, sharedIdentity: false };

let originalBatchMatMul: tf.KernelConfig | undefined;

/** Segment sum: out[segmentIds[i], ...] += x[i, ...]. Shapes: x [N, ...inner], segmentIds [N]. */
function unsortedSegmentSum({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  const segmentIds = inputs.segmentIds as tf.TensorInfo;
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const idsRank = segmentIds.shape.length;
  if (idsRank < 1 || x.shape.slice(0, idsRank).join(",") !== segmentIds.shape.join(",")) {
    throw new Error(
      `UnsortedSegmentSum (wasm): segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}]`,
    );
  }
  const inner = x.shape.slice(idsRank).reduce((a, b) => a * b, 1);
  const outShape = [numSegments, ...x.shape.slice(idsRank)];
  const out = backend.makeOutput(outShape, x.dtype);
  // Views are taken after makeOutput: an allocation may grow (and so move) the wasm heap.
  const outVals = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  const xVals = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = backend.typedArrayFromHeap(segmentIds) as Int32Array;
  outVals.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const seg = ids[i];
    if (seg < 0 || seg >= numSegments) continue; // TensorFlow drops out-of-range ids
    const src = i * inner;
    const dst = seg * inner;
    for (let j = 0; j < inner; j++) outVals[dst + j] += xVals[src + j];
  }
  return out;
}

let originalGather: tf.KernelConfig | undefined;

/**
 * Identity (tfjs's clone, and the copy it keeps of every tensor a gradient needs) sharing the input's
 * memory, as the cpu backend's does and wasm's own Reshape does: tensors are never written in place.
 * wasm's own Identity copies (a training step made 77 copies, ~9 ms).
 */
function identityShared({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * GatherV2 along axis 0 (embedding lookups, picking rows): one block copy per index. wasm's own kernel
 * computes every element's source index and takes about 7 ms for 576 rows of 256; this takes a few
 * microseconds. Other axes go to wasm's kernel.
 */
function gatherRows(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as tf.TensorInfo;
  const indices = inputs.indices as tf.TensorInfo;
  const { axis, batchDims } = attrs as unknown as { axis: number; batchDims: number };
  const ax = axis < 0 ? axis + x.shape.length : axis;
  if (ax !== 0 || batchDims || (x.dtype !== "float32" && x.dtype !== "int32") || indices.dtype !== "int32") {
    return (originalGather!.kernelFunc as (a: KernelArgs) => tf.TensorInfo)(args);
  }
  const rows = x.shape[0];
  const inner = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
  const outVals = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  const xVals = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = backend.typedArrayFromHeap(indices) as Int32Array;
  for (let i = 0; i < ids.length; i++) {
    const r = ids[i];
    if (!(r >= 0 && r < rows)) {
      backend.disposeData(out.dataId);
      throw new Error(`gather: index ${r} at position ${i} is outside [0, ${rows}) for x of shape [${x.shape}]`);
    }
    outVals.set(xVals.subarray(r * inner, (r + 1) * inner), i * inner);
  }
  return out;
}

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

const TRANSPOSE_CACHE_SIZE = 6;
/** Source dataId -> its transposed copy (insertion order = least recently used first). */
const transposeCache = new Map<object, { shape: string; backend: any; t: tf.TensorInfo }>();

function dropCached(key: object): void {
  const entry = transposeCache.get(key)!;
  transposeCache.delete(key);
  entry.backend.disposeData(entry.t.dataId);
}

/** Forgets every cached transposed operand (frees their memory). */
export function clearTransposeCache(): void {
  for (const key of [...transposeCache.keys()]) dropCached(key);
}

/** The transpose of `b`'s last two axes, from the cache when `b`'s data was transposed before. */
function cachedTranspose(b: tf.TensorInfo, backend: any, transpose: (a: KernelArgs) => tf.TensorInfo): tf.TensorInfo {
  const shape = b.shape.join(",");
  const hit = transposeCache.get(b.dataId);
  if (hit && hit.shape === shape && hit.backend === backend) {
    transposeCache.delete(b.dataId); // most recently used goes last
    transposeCache.set(b.dataId, hit);
    return hit.t;
  }
  if (hit) dropCached(b.dataId);
  for (const [key, entry] of transposeCache) {
    if (!entry.backend.dataIdMap.has(key)) dropCached(key); // its source was disposed
  }
  const t = transpose({ inputs: { x: b }, backend, attrs: { perm: swapLastTwo(b.shape.length) } });
  transposeCache.set(b.dataId, { shape, backend, t });
  while (transposeCache.size > TRANSPOSE_CACHE_SIZE) dropCached(transposeCache.keys().next().value as object);
  return t;
}

/** BatchMatMul that materialises transposed operands first, then calls wasm's own kernel. */
function batchMatMulTransposeFirst(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  const original = originalBatchMatMul!.kernelFunc as (a: KernelArgs) => tf.TensorInfo;
  if (!transposeA && !transposeB) return original(args);
  const transpose = tf.getKernel("Transpose", "wasm")!.kernelFunc as (a: KernelArgs) => tf.TensorInfo;
  let a = inputs.a as tf.TensorInfo;
  let b = inputs.b as tf.TensorInfo;
  const temporaries: tf.TensorInfo[] = [];
  if (transposeA) {
    a = transpose({ inputs: { x: a }, backend, attrs: { perm: swapLastTwo(a.shape.length) } });
    temporaries.push(a);
  }
  if (transposeB) b = cachedTranspose(b, backend, transpose);
  const out = original({ inputs: { a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
  for (const t of temporaries) backend.disposeData(t.dataId);
  return out;
}

/**
 * Registers the training kernels for the wasm backend. Call before or after `tf.setBackend("wasm")`;
 * calling it twice is harmless. `batchMatMul: false` keeps wasm's original BatchMatMul (for benchmarks).
 */
export function registerWasmKernels(options: { batchMatMul?: boolean } = {}): void {
  const wantBatchMatMul = options.batchMatMul ?? true;
  if (!tf.getKernel("UnsortedSegmentSum", "wasm")) {
    tf.registerKernel({ kernelName: "UnsortedSegmentSum", backendName: "wasm", kernelFunc: unsortedSegmentSum as any });
  }
  wasmPatches.unsortedSegmentSum = true;
  if (!originalGather) {
    originalGather = tf.getKernel("GatherV2", "wasm");
    if (!originalGather) throw new Error("registerWasmKernels: load @tensorflow/tfjs-backend-wasm first");
    tf.unregisterKernel("GatherV2", "wasm");
    tf.registerKernel({ ...originalGather, kernelFunc: gatherRows as any });
  }
  wasmPatches.gatherRows = true;
  const identity = tf.getKernel("Identity", "wasm")!;
  if (identity.kernelFunc !== (identityShared as unknown)) {
    tf.unregisterKernel("Identity", "wasm");
    tf.registerKernel({ ...identity, kernelFunc: identityShared as any });
  }
  wasmPatches.sharedIdentity = true;
  if (!originalBatchMatMul) originalBatchMatMul = tf.getKernel("BatchMatMul", "wasm");
  if (!originalBatchMatMul) throw new Error("registerWasmKernels: load @tensorflow/tfjs-backend-wasm first");
  if (wantBatchMatMul !== wasmPatches.batchMatMul) {
    tf.unregisterKernel("BatchMatMul", "wasm");
    tf.registerKernel(
      wantBatchMatMul ? { ...originalBatchMatMul, kernelFunc: batchMatMulTransposeFirst as any } : originalBatchMatMul,
    );
    wasmPatches.batchMatMul = wantBatchMatMul;
  }
}
