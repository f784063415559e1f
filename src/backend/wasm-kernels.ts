/**
 * Kernels that make the `wasm` backend usable for training.
 *
 * 1. `UnsortedSegmentSum` is missing from tfjs-backend-wasm 4.22. It is the gradient of `tf.gather`,
 *    so without it no embedding can be trained on wasm. We register a plain-JavaScript version that
 *    reads and writes the wasm heap directly.
 * 2. wasm's `BatchMatMul` with `transposeA` / `transposeB` walks memory with a large stride and is
 *    about 10x slower than transposing first. Every matMul gradient uses a transposed product, so we
 *    wrap the kernel: transpose the operand explicitly (wasm's `Transpose` kernel), then multiply.
 */
import * as tf from "@tensorflow/tfjs";

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: any; attrs?: tf.NamedAttrMap };

/** Which of our kernels are currently registered for wasm. */
export const wasmPatches = { unsortedSegmentSum: false, batchMatMul: false };

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

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
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
  if (transposeB) {
    b = transpose({ inputs: { x: b }, backend, attrs: { perm: swapLastTwo(b.shape.length) } });
    temporaries.push(b);
  }
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
  if (!originalBatchMatMul) originalBatchMatMul = tf.getKernel("BatchMatMul", "wasm");
  if (!originalBatchMatMul) throw new Error("registerWasmKernels: load @tensorflow/tfjs-backend-wasm first");
  if (wantBatchMatMul !== wasmPatches.batchMatMul) {
    tf.unregisterKernel("BatchMatMul", "wasm");
    tf.registerKernel(
      wantBatchMatMul
        ? { ...originalBatchMatMul, kernelFunc: batchMatMulTransposeFirst as any }
        : originalBatchMatMul,
    );
    wasmPatches.batchMatMul = wantBatchMatMul;
  }
}
