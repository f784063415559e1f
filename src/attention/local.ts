/**
 * Luong's local attention (Luong et al. 2015, section 3.2): at target step t the decoder looks only at a
 * window [p_t - D, p_t + D] of source positions around an aligned position p_t, and weighs the positions
 * in it by a Gaussian centred on p_t.
 *
 * - local-m (monotonic): p_t = t, the source and target assumed roughly aligned word for word;
 * - local-p (predictive), eq. (9): p_t = S · sigmoid(v_p^T tanh(W_p h_t)), with S the source sentence length;
 * - the weights, eq. (10): a_t(s) = align(h_t, h̄_s) · exp(-(s - p_t)² / (2σ²)), σ = D/2, where align is the
 *   softmax of eq. (7) taken over the window only, with one of Luong's scores (`luongQueryScores`).
 *
 * Positions count from 1, as in the paper: s = 1..S, and local-m's p_t = t for the t-th target word. Each
 * row's S is its own sentence length (the padding mask's sum), so padding is never in a window.
 *
 * B batch, S source length (padded), Hq query size, U units of W_p.
 */
import * as tf from "@tensorflow/tfjs";
import { ShapeChecker } from "../util/shapes";
import { dotWithVector } from "./scores";
import { attentionWeights } from "./weights";

/** The two ways of choosing p_t: `monotonic` (local-m) and `predictive` (local-p). */
export type LocalMode = "monotonic" | "predictive";

/** local-p's position predictor, eq. (9): `W_p [Hq,U]`, `v_p [U]`. */
export interface PredictiveParams {
  Wp: tf.Tensor2D;
  vp: tf.Tensor1D;
}

/** Each row's sentence length `[B]` (float32): the number of real tokens of `mask [B,S]`. */
export function sourceLengths(mask: tf.Tensor2D): tf.Tensor1D {
  new ShapeChecker().check("mask", mask, ["B", "S"]);
  return tf.tidy(() => tf.sum(mask.dtype === "float32" ? mask : mask.toFloat(), 1) as tf.Tensor1D);
}

/**
 * local-m: `p_t = t` (section 3.2), for the t-th target word (t from 1). A target longer than its source
 * would put p_t past the sentence's last word and, beyond D words, leave the window empty; p_t is clipped
 * to the sentence's length so that the last word is still looked at (the paper does not say what it did).
 *
 * @param t the target position, from 1; @param lengths `[B]` the source lengths (`sourceLengths`)
 * @returns p_t `[B]`
 */
export function monotonicPosition(t: number, lengths: tf.Tensor1D): tf.Tensor1D {
  new ShapeChecker().check("lengths", lengths, ["B"]);
  if (!(Number.isInteger(t) && t >= 1)) throw new Error(`monotonicPosition: t must be an integer from 1, got ${t}`);
  return tf.tidy(() => tf.minimum(lengths, t) as tf.Tensor1D);
}

/**
 * local-p, eq. (9): `p_t = S · sigmoid(v_p^T tanh(W_p h_t))`, a real number in (0, S). It is differentiable:
 * W_p and v_p learn through the Gaussian of eq. (10), which depends on p_t.
 *
 * @param query `[B,Hq]` h_t; @param lengths `[B]` each row's S (`sourceLengths`)
 * @returns p_t `[B]`
 */
export function predictivePosition(query: tf.Tensor2D, params: PredictiveParams, lengths: tf.Tensor1D): tf.Tensor1D {
  new ShapeChecker()
    .check("query", query, ["B", "Hq"])
    .check("Wp", params.Wp, ["Hq", "U"])
    .check("vp", params.vp, ["U"])
    .check("lengths", lengths, ["B"]);
  return tf.tidy(
    () =>
      tf.mul(
        lengths,
        tf.sigmoid(dotWithVector<tf.Rank.R1>(tf.tanh(tf.matMul(query, params.Wp)), params.vp)),
      ) as tf.Tensor1D,
  );
}

/** `s - p_t` for s = 1..S: `[B,S]`. */
function offsets(position: tf.Tensor1D, S: number): tf.Tensor2D {
  const s = tf.range(1, S + 1, 1, "float32").reshape([1, S]);
  return tf.sub(s, position.reshape([-1, 1])) as tf.Tensor2D;
}

/**
 * The Gaussian of eq. (10): `exp(-(s - p_t)² / (2σ²))` with σ = D/2, for s = 1..S.
 *
 * @param position `[B]` p_t; @param S the (padded) source length; @param D the window's half-width
 * @returns `[B,S]`, 1 at s = p_t
 */
export function localGaussian(position: tf.Tensor1D, S: number, D: number): tf.Tensor2D {
  new ShapeChecker().check("position", position, ["B"]);
  checkWindow(D, "localGaussian");
  const sigma = D / 2;
  return tf.tidy(() => tf.exp(tf.div(tf.neg(tf.square(offsets(position, S))), 2 * sigma * sigma)) as tf.Tensor2D);
}

/**
 * The window [p_t - D, p_t + D]: 1 where `|s - p_t| ≤ D`, 0 elsewhere, for s = 1..S (no gradient: the window
 * only says where to look; p_t learns through the Gaussian).
 *
 * @param position `[B]` p_t; @param S the (padded) source length; @param D the window's half-width
 * @returns `[B,S]`
 */
export function localWindow(position: tf.Tensor1D, S: number, D: number): tf.Tensor2D {
  new ShapeChecker().check("position", position, ["B"]);
  checkWindow(D, "localWindow");
  // 1 - step(|s - p_t| - D): step(x) is 1 only for x > 0, and its gradient is 0.
  return tf.tidy(() => tf.sub(1, tf.step(tf.sub(tf.abs(offsets(position, S)), D))) as tf.Tensor2D);
}

function checkWindow(D: number, caller: string): void {
  if (!(Number.isInteger(D) && D >= 1))
    throw new Error(`${caller}: the window's half-width D must be an integer from 1, got ${D}`);
}

export type LocalWeights = {
  /** `[B,S]` eq. (10)'s a_t: the window's softmax times the Gaussian (rows sum to less than 1: not renormalised). */
  weights: tf.Tensor2D;
  /** `[B,S]` the positions looked at: 1 inside [p_t - D, p_t + D] and inside the sentence, 0 elsewhere. */
  window: tf.Tensor2D;
  /** `[B,S]` exp(-(s - p_t)² / (2σ²)). */
  gaussian: tf.Tensor2D;
};

/**
 * Eq. (10): the softmax of the scores over the window (eq. 7's align, with padding and everything outside
 * [p_t - D, p_t + D] masked by `attentionWeights`), times the Gaussian.
 *
 * Not renormalised: the paper defines a_t(s) as the product and says nothing of normalising it again, so a
 * row sums to less than 1 and the context c_t = Σ_s a_t(s) h̄_s is shrunk where the window's mass lies far
 * from p_t. We do the same (dividing by the row's sum would change the model the paper trained).
 *
 * p_t is clipped to the sentence by its choice (local-m: `monotonicPosition`; local-p: p_t < S), so every
 * window holds at least one real word (D ≥ 1).
 *
 * @param scores `[B,S]` a Luong score of h_t against every source position
 * @param position `[B]` p_t
 * @param maskBias `[B,S]` `maskBias(mask)`: 0 on real tokens, -1e9 on padding
 * @param D the window's half-width
 */
export function localWeights(
  scores: tf.Tensor2D,
  position: tf.Tensor1D,
  maskBias: tf.Tensor2D,
  D: number,
): LocalWeights {
  new ShapeChecker()
    .check("scores", scores, ["B", "S"])
    .check("position", position, ["B"])
    .check("maskBias", maskBias, ["B", "S"]);
  const S = scores.shape[1];
  return tf.tidy((): LocalWeights => {
    const inWindow = localWindow(position, S, D);
    // Outside the window: -1e9, like padding (two such biases add to -2e9, still exactly 0 after the softmax).
    const bias = tf.add(maskBias, tf.mul(tf.sub(inWindow, 1), 1e9)) as tf.Tensor2D;
    const align = attentionWeights(scores, undefined, { bias });
    const gaussian = localGaussian(position, S, D);
    const window = tf.mul(inWindow, tf.cast(tf.greater(maskBias, -1), "float32")) as tf.Tensor2D;
    return { weights: tf.mul(align, gaussian) as tf.Tensor2D, window, gaussian };
  });
}
