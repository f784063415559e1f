/**
 * The training loss: cross-entropy of the next word, averaged over real (unpadded) target tokens.
 * Sparse: it takes word ids, not one-hot rows, and its gradient `softmax - target` is written out
 * directly (one fused step instead of the gradient of log-softmax and a gather).
 */
import * as tf from "@tensorflow/tfjs";
import { ShapeChecker } from "../attention/shapes";

/**
 * @param logits `[N,V]` word scores
 * @param labels `[N]` int32 target ids
 * @param mask `[N]` 1 for real tokens, 0 for padding
 * @param labelSmoothing ε: the target distribution is (1-ε)·onehot + ε/V
 * @returns scalar: Σ mask·CE / Σ mask
 */
export function maskedCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, mask: tf.Tensor1D, labelSmoothing = 0): tf.Scalar {
  new ShapeChecker().check("logits", logits, ["N", "V"]).check("labels", labels, ["N"]).check("mask", mask, ["N"]);
  const V = logits.shape[1];
  const eps = labelSmoothing;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const fn = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const lse = tf.logSumExp(x as tf.Tensor2D, 1); // [N]
    const m = mask.toFloat();
    const count = tf.maximum(tf.sum(m), 1);
    const oneHot = tf.oneHot(labels.toInt(), V).toFloat();
    const labelLogit = tf.sum(tf.mul(x, oneHot), 1);
    let perToken = tf.sub(lse, labelLogit);
    if (eps > 0) perToken = tf.add(tf.mul(perToken, 1 - eps), tf.mul(tf.sub(lse, tf.mean(x, 1)), eps));
    const value = tf.div(tf.sum(tf.mul(perToken, m)), count) as tf.Scalar;
    save([x, lse, m, count, oneHot]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        // Only saved tensors may be used here: the inputs of the forward pass can be disposed by now.
        const [xs, lses, ms, cnt, hot] = saved;
        const softmax = tf.exp(tf.sub(xs, lses.expandDims(1)));
        let target = hot;
        if (eps > 0) target = tf.add(tf.mul(target, 1 - eps), eps / V);
        const scale = tf.div(tf.mul(dy, ms), cnt).expandDims(1);
        return tf.mul(tf.sub(softmax, target), scale);
      },
    };
  }) as any);
  return fn(logits) as tf.Scalar;
}
