/**
 * Attention weights: a softmax of the alignment scores over the source positions, with padding masked.
 */
import * as tf from "@tensorflow/tfjs";
import { ShapeChecker } from "../util/shapes";

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
      throw new Error(
        `${name}: row ${b} of [${B},${S}] is all zeros: nothing to attend to (an empty source sentence?)`,
      );
    }
  }
  checkedMasks.add(mask);
}

/**
 * The additive form of a mask, `[B,S]`: 0 on real tokens, -1e9 on padding (exp(-1e9 - max) underflows to
 * exactly 0 in float32, so padding gets weight 0 and the real positions are untouched). Computed once per
 * batch, it turns masking into one addition per decoder step (see `attentionWeights`).
 */
export function maskBias(mask: tf.Tensor2D): tf.Tensor2D {
  new ShapeChecker().check("mask", mask, ["B", "S"]);
  assertMaskRowsNonEmpty(mask);
  return tf.tidy(() => tf.mul(tf.sub(mask.dtype === "float32" ? mask : mask.toFloat(), 1), 1e9) as tf.Tensor2D);
}

/**
 * `weights[b,s] = exp(scores[b,s]) / Σ_s' exp(scores[b,s'])` over the positions where `mask` is 1.
 * Where `mask[b,s]` is 0 (padding) the weight is exactly 0, and every row sums to 1.
 *
 * Defined in notebook 01, step 3 (softmax) and notebook 02, step 4 (softmax, for each score).
 *
 * @param scores `[B,S]` alignment scores
 * @param mask optional `[B,S]`, 1 for real tokens and 0 for padding (any dtype)
 * @param options.bias instead of `mask`: `maskBias(mask)`, computed once per batch
 * @returns weights `[B,S]`
 */
export function attentionWeights(
  scores: tf.Tensor2D,
  mask?: tf.Tensor2D,
  options: { bias?: tf.Tensor2D } = {},
): tf.Tensor2D {
  const shapes = new ShapeChecker().check("scores", scores, ["B", "S"]);
  if (options.bias) {
    // A mask already in additive form (see maskBias).
    shapes.check("mask bias", options.bias, ["B", "S"]);
    return tf.tidy(() => tf.softmax(tf.add(scores, options.bias!)) as tf.Tensor2D);
  }
  if (!mask) return tf.softmax(scores) as tf.Tensor2D;
  shapes.check("mask", mask, ["B", "S"]);
  return tf.tidy(() => tf.softmax(tf.add(scores, maskBias(mask))) as tf.Tensor2D);
}
