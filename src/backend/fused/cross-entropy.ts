/**
 * Softmax cross-entropy per token as one kernel (log-sum-exp, the label's score and the softmax in one
 * pass over each row), and its gradient `(softmax - target)·dy` as one kernel. With label smoothing ε the
 * target is (1-ε)·onehot + ε/V. The loss is taught in src/train/losses.ts, which calls this.
 */
import * as tf from "@tensorflow/tfjs";
import type { NativeKernels } from "../native";
import { f32, i32, KernelArgs, makeOutputs, runKernel } from "./heap";

export const SOFTMAX_CROSS_ENTROPY = "WorkbookSoftmaxCrossEntropy";
export const SOFTMAX_CROSS_ENTROPY_GRAD = "WorkbookSoftmaxCrossEntropyGrad";

type Attrs = { labelSmoothing: number };

export function softmaxCrossEntropyKernel(native: NativeKernels) {
  return ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] => {
    const { logits, labels } = inputs as Record<string, tf.TensorInfo>;
    const [N, V] = logits.shape;
    const outs = makeOutputs(backend, [[N], [N, V]]);
    const [perToken, probs] = outs.map((t) => f32(backend, t));
    native.softmaxCrossEntropy(N, V, f32(backend, logits), i32(backend, labels), (attrs as unknown as Attrs).labelSmoothing, perToken, probs);
    return outs;
  };
}

export function softmaxCrossEntropyGradKernel(native: NativeKernels) {
  return ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo => {
    const { probs, labels, dy } = inputs as Record<string, tf.TensorInfo>;
    const [N, V] = probs.shape;
    const [dLogits] = makeOutputs(backend, [[N, V]]);
    native.softmaxCrossEntropyBackward(N, V, f32(backend, probs), i32(backend, labels), (attrs as unknown as Attrs).labelSmoothing, f32(backend, dy), f32(backend, dLogits));
    return dLogits;
  };
}

export const softmaxCrossEntropyGrad: tf.GradConfig = {
  kernelName: SOFTMAX_CROSS_ENTROPY,
  inputsToSave: ["labels"],
  outputsToSave: [false, true],
  gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const [dy] = dys as tf.Tensor[];
    const [labels, probs] = saved;
    const dLogits = tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY_GRAD, { probs, labels, dy }, attrs) as tf.Tensor;
    return { logits: () => dLogits, labels: () => tf.zerosLike(labels) };
  },
};

/** @param logits `[N,V]`; @param labels `[N]` int32; @returns the cross-entropy of each row `[N]`. */
export function fusedSoftmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, labelSmoothing: number): tf.Tensor1D {
  const [perToken, probs] = runKernel(SOFTMAX_CROSS_ENTROPY, { logits, labels }, { labelSmoothing });
  probs.dispose();
  return perToken as tf.Tensor1D;
}
