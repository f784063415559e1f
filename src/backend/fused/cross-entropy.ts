/**
 * Softmax cross-entropy per token as one kernel (log-sum-exp, the label's score and the softmax in one
 * pass over each row), and its gradient `(softmax - target)·dy` as one kernel. With label smoothing ε the
 * target is (1-ε)·onehot + ε/V. The loss is taught in src/nn/losses.ts, which calls this. A second
 * kernel puts the classifier (features·W + b) in front, so training never materialises the logits outside it.
 */
import * as tf from "@tensorflow/tfjs";
import type { NativeKernels } from "../native";
import { asHeld, f32, heldView, i32, KernelArgs, makeOutputs, runKernel, scratchBuffer } from "./heap";

export const SOFTMAX_CROSS_ENTROPY = "WorkbookSoftmaxCrossEntropy";
export const SOFTMAX_CROSS_ENTROPY_GRAD = "WorkbookSoftmaxCrossEntropyGrad";

type Attrs = { labelSmoothing: number; V: number };

export function softmaxCrossEntropyKernel(native: NativeKernels) {
  return ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] => {
    const { logits, labels } = inputs as Record<string, tf.TensorInfo>;
    const [N, V] = logits.shape;
    const outs = makeOutputs(backend, [[N], [N, V]]);
    const [perToken, probs] = outs.map((t) => f32(backend, t));
    native.softmaxCrossEntropy(
      N,
      V,
      f32(backend, logits),
      i32(backend, labels),
      (attrs as unknown as Attrs).labelSmoothing,
      perToken,
      probs,
    );
    return [outs[0], asHeld(outs[1])];
  };
}

export function softmaxCrossEntropyGradKernel(native: NativeKernels) {
  return ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo => {
    const { probs, labels, dy } = inputs as Record<string, tf.TensorInfo>;
    const { labelSmoothing, V } = attrs as unknown as Attrs;
    const N = labels.shape[0];
    const [dLogits] = makeOutputs(backend, [[N, V]]);
    native.softmaxCrossEntropyBackward(
      N,
      V,
      heldView(backend, probs, [N, V]),
      i32(backend, labels),
      labelSmoothing,
      f32(backend, dy),
      f32(backend, dLogits),
    );
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
export function fusedSoftmaxCrossEntropy(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  labelSmoothing: number,
): tf.Tensor1D {
  const [perToken, probs] = runKernel(
    SOFTMAX_CROSS_ENTROPY,
    { logits, labels },
    { labelSmoothing, V: logits.shape[1] },
  );
  probs.dispose();
  return perToken as tf.Tensor1D;
}

export const CLASSIFIER_CROSS_ENTROPY = "WorkbookClassifierCrossEntropy";
export const CLASSIFIER_CROSS_ENTROPY_GRAD = "WorkbookClassifierCrossEntropyGrad";

type ClassifierAttrs = Attrs & { N: number; F: number };

/** The classifier `features·W + b` and the cross-entropy of each row in one kernel (the logits never leave it). */
export function classifierCrossEntropyKernel(native: NativeKernels) {
  return ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] => {
    const { features, W, b, labels } = inputs as Record<string, tf.TensorInfo>;
    const { labelSmoothing, N, F, V } = attrs as unknown as ClassifierAttrs;
    const outs = makeOutputs(backend, [[N], [N, V]]);
    const [perToken, probs] = outs.map((t) => f32(backend, t));
    native.classifierCrossEntropy(
      N,
      F,
      V,
      f32(backend, features),
      f32(backend, W),
      f32(backend, b),
      i32(backend, labels),
      labelSmoothing,
      perToken,
      probs,
    );
    return [outs[0], asHeld(outs[1])];
  };
}

export function classifierCrossEntropyGradKernel(native: NativeKernels) {
  return ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] => {
    const { features, W, probs, labels, dy } = inputs as Record<string, tf.TensorInfo>;
    const { labelSmoothing, N, F, V } = attrs as unknown as ClassifierAttrs;
    const outs = makeOutputs(backend, [[N, F], [F, V], [V]]);
    const [dX, dW, db] = outs.map((t) => f32(backend, t));
    native.classifierCrossEntropyBackward(
      N,
      F,
      V,
      f32(backend, features),
      f32(backend, W),
      heldView(backend, probs, [N, V]),
      i32(backend, labels),
      labelSmoothing,
      f32(backend, dy),
      dX,
      dW,
      db,
      scratchBuffer(N * V),
    );
    return outs;
  };
}

export const classifierCrossEntropyGrad: tf.GradConfig = {
  kernelName: CLASSIFIER_CROSS_ENTROPY,
  inputsToSave: ["features", "W", "labels"],
  outputsToSave: [false, true],
  gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const [dy] = dys as tf.Tensor[];
    const [features, W, labels, probs] = saved;
    const [dX, dW, db] = runKernel(
      CLASSIFIER_CROSS_ENTROPY_GRAD,
      { features, W, probs, labels, dy },
      attrs as unknown as Record<string, unknown>,
    );
    return { features: () => dX, W: () => dW, b: () => db, labels: () => tf.zerosLike(labels) };
  },
};

/**
 * @param features `[N,F]`; @param W `[F,V]`; @param b `[V]`; @param labels `[N]` int32
 * @returns the cross-entropy of each row of `softmax(features·W + b)` `[N]`
 */
export function fusedClassifierCrossEntropy(
  features: tf.Tensor2D,
  W: tf.Tensor2D,
  b: tf.Tensor1D,
  labels: tf.Tensor1D,
  labelSmoothing: number,
): tf.Tensor1D {
  const [N, F] = features.shape;
  const [perToken, probs] = runKernel(
    CLASSIFIER_CROSS_ENTROPY,
    { features, W, b, labels },
    { labelSmoothing, N, F, V: W.shape[1] },
  );
  probs.dispose();
  return perToken as tf.Tensor1D;
}
