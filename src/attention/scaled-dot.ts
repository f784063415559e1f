/**
 * Scaled dot-product attention (Vaswani et al. 2017), the successor of Luong's dot score: every query
 * against every key at once, scores divided by sqrt(d), weights applied to separate values.
 * Taught in notebook 02, "From Luong's dot score to Transformers".
 *
 *   attention(Q, K, V) = softmax(Q·Kᵀ / sqrt(d)) · V
 *
 * With one query per sentence, keys = values = the encoder outputs and no division, it is Luong's dot
 * attention (`luongScores("dot")`, `attentionWeights`, `contextVector`) on sentences without padding:
 * this function takes no mask.
 */
import * as tf from "@tensorflow/tfjs";
import { ShapeChecker } from "../util/shapes";
import { tidy } from "../util/tidy";

export interface ScaledDotOutput {
  /** `[B,T,S]` the scores Q·Kᵀ / sqrt(d). */
  scores: tf.Tensor3D;
  /** `[B,T,S]` softmax over S. */
  weights: tf.Tensor3D;
  /** `[B,T,Dv]` the weighted sums of the values. */
  context: tf.Tensor3D;
}

/**
 * @param queries `[B,T,d]`
 * @param keys `[B,S,d]`
 * @param values `[B,S,Dv]`
 * @param options.scale false leaves out the division by sqrt(d) (to see why it is there)
 */
export function scaledDotProductAttention(
  queries: tf.Tensor3D,
  keys: tf.Tensor3D,
  values: tf.Tensor3D,
  options: { scale?: boolean } = {},
): ScaledDotOutput {
  new ShapeChecker()
    .check("queries", queries, ["B", "T", "d"])
    .check("keys", keys, ["B", "S", "d"])
    .check("values", values, ["B", "S", "Dv"]);
  return tidy(() => {
    const d = queries.shape[2];
    const raw = tf.matMul(queries, keys, false, true) as tf.Tensor3D; // [B,T,S]
    const scores = ((options.scale ?? true) ? tf.div(raw, Math.sqrt(d)) : raw) as tf.Tensor3D;
    const weights = tf.softmax(scores) as tf.Tensor3D;
    return { scores, weights, context: tf.matMul(weights, values) as tf.Tensor3D };
  });
}
