/**
 * The context vector: the attention-weighted sum of the encoder outputs.
 */
import * as tf from "@tensorflow/tfjs";
import { ShapeChecker } from "../util/shapes";

/**
 * `context[b] = Σ_s weights[b,s] · keys[b,s]`.
 *
 * Defined in notebook 01, step 4 and notebook 02, step 5 (the context vector).
 *
 * @param weights `[B,S]` attention weights
 * @param keys `[B,S,Hk]` encoder outputs
 * @returns context `[B,Hk]`
 */
export function contextVector(weights: tf.Tensor2D, keys: tf.Tensor3D): tf.Tensor2D {
  new ShapeChecker().check("weights", weights, ["B", "S"]).check("keys", keys, ["B", "S", "Hk"]);
  const [B, S] = weights.shape;
  return tf.tidy(() => tf.matMul(weights.reshape([B, 1, S]), keys).reshape([B, keys.shape[2]]));
}
