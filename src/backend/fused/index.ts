/**
 * The workbook's fused kernels for the wasm backend, backed by the native addon (../native): registered
 * once; a model built while the wasm backend is active and the addon is built runs them (src/models/fast.ts
 * is their one user outside src/backend). Without the addon the model runs the same formulas as tfjs ops
 * (the teaching code), so nothing depends on it.
 *
 * | kernel | replaces | taught in |
 * |---|---|---|
 * | BatchMatMul (native) | wasm's single-threaded product | everywhere |
 * | Sum over leading axes, Tanh (native) | wasm's transpose-then-sum, scalar tanh | everywhere |
 * | WorkbookLstmSequence (+Grad) | T cell steps of ~10 ops each | src/nn/layers.ts `LSTMCell` (fast.ts `FusedLSTMCell`) |
 * | WorkbookAdditiveScores (+Grad) | add, tanh, product with v | src/attention/scores.ts (fast.ts `fusedAdditive`) |
 * | WorkbookSoftmaxCrossEntropy (+Grad) | max, exp, sum, log, gather | src/nn/losses.ts `maskedCrossEntropy` |
 * | WorkbookClassifierCrossEntropy (+Grad) | the classifier's product and bias, then the above | src/nn/losses.ts (fast.ts `fusedClassifierLoss`) |
 * | WorkbookAdamUpdate | ~12 ops per variable | src/train/update.ts (fast.ts `fusedAdamStep`) |
 * | WorkbookLuongGreedy | ~20 ops per step of a free-running pass | src/models/seq2seq.ts `unrolled` (fast.ts `luongGuesser`) |
 */
import * as tf from "@tensorflow/tfjs";
import { nativeKernels, nativeStatus } from "../native";
import { nativeBatchMatMul } from "./matmul";
import {
  LSTM_SEQUENCE,
  LSTM_SEQUENCE_GRAD,
  lstmSequenceGrad,
  lstmSequenceGradKernel,
  lstmSequenceKernel,
} from "./lstm";
import {
  ADDITIVE_SCORES,
  ADDITIVE_SCORES_GRAD,
  additiveScoresGrad,
  additiveScoresGradKernel,
  additiveScoresKernel,
} from "./additive";
import {
  CLASSIFIER_CROSS_ENTROPY,
  CLASSIFIER_CROSS_ENTROPY_GRAD,
  classifierCrossEntropyGrad,
  classifierCrossEntropyGradKernel,
  classifierCrossEntropyKernel,
  SOFTMAX_CROSS_ENTROPY,
  SOFTMAX_CROSS_ENTROPY_GRAD,
  softmaxCrossEntropyGrad,
  softmaxCrossEntropyGradKernel,
  softmaxCrossEntropyKernel,
} from "./cross-entropy";
import { ADAM_UPDATE, adamUpdateKernel } from "./adam";
import { LUONG_GREEDY, luongGreedyKernel } from "./greedy";
import { nativeSum, nativeTanh } from "./elementwise";

export { fusedLstmSequence } from "./lstm";
export { fusedAdditiveScores } from "./additive";
export { fusedSoftmaxCrossEntropy, fusedClassifierCrossEntropy } from "./cross-entropy";
export { fusedAdamUpdate, AdamUpdateAttrs } from "./adam";
export { fusedLuongGreedy, LuongGreedyWeights, GreedyScore } from "./greedy";

let registered = false;
let wasmBatchMatMul: tf.KernelConfig | undefined;
/** `WORKBOOK_FUSED=0` keeps the native matrix products but runs the model on tfjs ops (for comparisons). */
let enabled = process.env.WORKBOOK_FUSED !== "0";

/**
 * Registers the fused kernels (and the native BatchMatMul) for wasm when the addon is built; returns
 * whether they are registered. Safe to call more than once.
 */
export function registerFusedKernels(): boolean {
  if (registered) return true;
  const native = nativeKernels();
  if (!native) return false;
  wasmBatchMatMul = tf.getKernel("BatchMatMul", "wasm");
  if (!wasmBatchMatMul) throw new Error("registerFusedKernels: load @tensorflow/tfjs-backend-wasm first");
  const fallback = wasmBatchMatMul.kernelFunc as (a: unknown) => tf.TensorInfo;
  tf.unregisterKernel("BatchMatMul", "wasm");
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tfjs's kernel functions take backend-specific arguments it does not type
  const reg = (kernelName: string, kernelFunc: any) =>
    tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc });
  // Replacements keep wasm's setup function: their fallback is wasm's own kernel, which needs it.
  tf.registerKernel({ ...wasmBatchMatMul, kernelFunc: nativeBatchMatMul(native, fallback as never) as never });
  for (const [name, make] of [
    ["Sum", nativeSum],
    ["Tanh", nativeTanh],
  ] as const) {
    const own = tf.getKernel(name, "wasm")!;
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel({ ...own, kernelFunc: make(native, own.kernelFunc as never) as never });
  }
  reg(LSTM_SEQUENCE, lstmSequenceKernel(native));
  reg(LSTM_SEQUENCE_GRAD, lstmSequenceGradKernel(native));
  reg(ADDITIVE_SCORES, additiveScoresKernel(native));
  reg(ADDITIVE_SCORES_GRAD, additiveScoresGradKernel(native));
  reg(SOFTMAX_CROSS_ENTROPY, softmaxCrossEntropyKernel(native));
  reg(SOFTMAX_CROSS_ENTROPY_GRAD, softmaxCrossEntropyGradKernel(native));
  reg(CLASSIFIER_CROSS_ENTROPY, classifierCrossEntropyKernel(native));
  reg(CLASSIFIER_CROSS_ENTROPY_GRAD, classifierCrossEntropyGradKernel(native));
  reg(ADAM_UPDATE, adamUpdateKernel(native));
  reg(LUONG_GREEDY, luongGreedyKernel(native));
  for (const g of [lstmSequenceGrad, additiveScoresGrad, softmaxCrossEntropyGrad, classifierCrossEntropyGrad])
    tf.registerGradient(g);
  registered = true;
  return true;
}

/** Whether model code should call the fused kernels now: registered, enabled, and wasm is the active backend. */
export function fusedKernelsActive(): boolean {
  return registered && enabled && tf.getBackend() === "wasm";
}

/** Switches the fused kernels off (and on again) for comparisons; the native BatchMatMul stays. */
export function setFusedKernels(on: boolean): void {
  enabled = on;
}

/** One line: whether the fused kernels are in use, and why not. */
export function describeFusedKernels(): string {
  if (registered)
    return `fused kernels on wasm: ${nativeStatus()}, ${nativeKernels()!.getThreads()} thread(s)${enabled ? "" : " (switched off)"}`;
  return `fused kernels off: ${nativeStatus()}`;
}
