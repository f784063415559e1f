/**
 * Attention weights: a softmax of the alignment scores over the source positions, with padding masked.
 */
import * as tf from "@tensorflow/tfjs";
import { ShapeChecker } from "./shapes";

/** Masks already checked for all-zero rows (a mask is usually reused for every decoder step). */
const checkedMasks = new WeakSet<tf.Tensor>();

/** Throws if any row of `mask [B,S]` has no position to attend to. */
export function assertMaskRowsNonEmpty(mask: tf.Tensor2D, name = "mask"): void {
  if (checkedMasks.has(mask)) return;
  const [B, S] = mask.shape;
  const values = mask.dataSync();
  for (let b = 0; b < B; b++) {
    let any = false;
    for (let s = 0; s < S && !any; s++) any = values[b * S + s] !== 0;
    if (!any) {
      throw new Error(`${name}: row ${b} of [${B},${S}] is all zeros: nothing to attend to (an empty source sentence?)`);
    }
  }
  checkedMasks.add(mask);
}

/**
 * `weights[b,s] = exp(scores[b,s]) / Σ_s' exp(scores[b,s'])` over the positions where `mask` is 1.
 * Where `mask[b,s]` is 0 (padding) the weight is exactly 0, and every row sums to 1.
 *
 * @param scores `[B,S]` alignment scores
 * @param mask optional `[B,S]`, 1 for real tokens and 0 for padding (any dtype)
 * @returns weights `[B,S]`
 */
export function attentionWeights(scores: tf.Tensor2D, mask?: tf.Tensor2D): tf.Tensor2D {
  const shapes = new ShapeChecker().check("scores", scores, ["B", "S"]);
  if (!mask) return tf.softmax(scores) as tf.Tensor2D;
  shapes.check("mask", mask, ["B", "S"]);
  assertMaskRowsNonEmpty(mask);
  return tf.tidy(() => {
    const m = mask.dtype === "float32" ? mask : mask.toFloat();
    // Padding gets -1e9 added: exp(-1e9 - max) underflows to exactly 0 in float32, and the
    // real positions are untouched (+0).
    const masked = tf.add(scores, tf.mul(tf.sub(m, 1), 1e9));
    return tf.softmax(masked) as tf.Tensor2D;
  });
}
