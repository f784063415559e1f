/**
 * The training loss: cross-entropy of the next word, averaged over real (unpadded) target tokens.
 * Sparse: it takes word ids, not one-hot rows, and its gradient `softmax - target` is written out
 * directly (one fused step instead of the gradient of log-softmax and a gather).
 */
import * as tf from "@tensorflow/tfjs";
import { ShapeChecker } from "../util/shapes";
import type { Dense } from "./layers";

/**
 * @param logits `[N,V]` word scores
 * @param labels `[N]` int32 target ids
 * @param mask `[N]` 1 for real tokens, 0 for padding
 * @param labelSmoothing ε: the target distribution is (1-ε)·onehot + ε/V
 * @returns scalar: Σ mask·CE / Σ mask
 */
export function maskedCrossEntropy(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  mask: tf.Tensor1D,
  labelSmoothing = 0,
): tf.Scalar {
  new ShapeChecker().check("logits", logits, ["N", "V"]).check("labels", labels, ["N"]).check("mask", mask, ["N"]);
  const [N, V] = logits.shape;
  const eps = labelSmoothing;
  const fn = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const m = mask.toFloat();
    const ids = labels.toInt();
    const count = tf.maximum(tf.sum(m), 1);
    // One pass of exp: softmax = e / Σe and log Σ exp(x) = max + log Σe.
    const max = tf.max(x, 1, true);
    const e = tf.exp(tf.sub(x, max));
    const sumE = tf.sum(e, 1, true);
    const lse = tf.add(tf.log(sumE), max).reshape([N]);
    const softmax = tf.div(e, sumE);
    const flat = tf.add(tf.mul(tf.range(0, N, 1, "int32"), tf.scalar(V, "int32")), ids);
    const labelLogit = tf.gather(x.reshape([N * V]), flat);
    let perToken = tf.sub(lse, labelLogit);
    if (eps > 0) perToken = tf.add(tf.mul(perToken, 1 - eps), tf.mul(tf.sub(lse, tf.mean(x, 1)), eps));
    const value = tf.div(tf.sum(tf.mul(perToken, m)), count) as tf.Scalar;
    save([softmax, ids, m, count]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        // Only saved tensors may be used here: the inputs of the forward pass can be disposed by now.
        const [p, y, ms, cnt] = saved;
        let target = tf.oneHot(y as tf.Tensor1D, V).toFloat();
        if (eps > 0) target = tf.add(tf.mul(target, 1 - eps), eps / V);
        const scale = tf.div(tf.mul(dy, ms), cnt).expandDims(1);
        return tf.mul(tf.sub(p, target), scale);
      },
    };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tf.customGrad's typing takes no function of a tensor and a save function
  }) as any);
  return fn(logits) as tf.Scalar;
}

/**
 * The training loss from the classifier's input: mean cross-entropy of `classifier.apply(features)` over
 * the rows (every row a real target token). The same as `maskedCrossEntropy(classifier.apply(features),
 * labels, ones)`. A model on the native kernels runs the same loss as one kernel (models/fast.ts).
 *
 * @param features `[N,F]`; @param labels `[N]` int32 target ids
 */
export function classifierCrossEntropy(
  features: tf.Tensor2D,
  classifier: Dense,
  labels: tf.Tensor1D,
  labelSmoothing = 0,
): tf.Scalar {
  new ShapeChecker({ F: classifier.inputSize }).check("features", features, ["N", "F"]).check("labels", labels, ["N"]);
  return tf.tidy(() =>
    maskedCrossEntropy(classifier.apply(features), labels, tf.ones([features.shape[0]]) as tf.Tensor1D, labelSmoothing),
  );
}
