/**
 * Luong attention for every decoder step at once.
 *
 * Without input feeding, a Luong decoder's RNN never sees the attention: h_t depends only on the previous
 * words and h_{t-1}. Under teacher forcing the previous words are known in advance, so the RNN can run over
 * the whole target first and the attention of all T steps is then one batched computation (queries
 * `[B,T,Hq]` instead of T calls with `[B,Hq]`). The numbers are those of T separate calls; it is only
 * faster (fewer, larger products). Training uses it; decoding, where the previous word is the model's own
 * choice, goes step by step.
 *
 * B batch, T decoder steps, S source length, Hq query size, Hk key size, U attention units.
 */
import * as tf from "@tensorflow/tfjs";
import { ShapeChecker } from "../util/shapes";
import { additiveScores, dotWithVector, projectKeys } from "./scores";
import type { LuongScoreKind } from "./layers";

export interface SequenceAttentionParams {
  /** general: `[Hq,Hk]`; concat: `[Hq+Hk,U]`. */
  Wa?: tf.Tensor2D;
  /** concat, concat-shared: `[U]`. */
  v?: tf.Tensor1D;
  /** concat-shared: `[H,U]`. */
  W?: tf.Tensor2D;
  /** concat: `[B,S,U]` = keys·Wa[Hq:], as `prepare` computes it. */
  keysProjected?: tf.Tensor3D;
  /** concat: `[Hq,U]`, the query rows of Wa. */
  WaQuery?: tf.Tensor2D;
}

export type SequenceAttentionOutput = {
  /** `[B,T,S]` alignment scores of every step. */
  scores: tf.Tensor3D;
  /** `[B,T,S]` attention weights (each row sums to 1 over the real source tokens, 0 on padding). */
  weights: tf.Tensor3D;
  /** `[B,T,Hk]` context vectors. */
  context: tf.Tensor3D;
};

/**
 * Luong scores, weights and contexts for all T queries.
 *
 * @param queries `[B,T,Hq]` the decoder states h_1..h_T
 * @param keys `[B,S,Hk]` the encoder outputs
 * @param maskBias `[B,S]` from `maskBias(mask)`: 0 on real tokens, -1e9 on padding
 */
export function luongAttentionSequence(
  kind: LuongScoreKind,
  queries: tf.Tensor3D,
  keys: tf.Tensor3D,
  maskBias: tf.Tensor2D,
  params: SequenceAttentionParams = {},
): SequenceAttentionOutput {
  const shapes = new ShapeChecker()
    .check("queries", queries, ["B", "T", "Hq"])
    .check("keys", keys, ["B", "S", "Hk"])
    .check("maskBias", maskBias, ["B", "S"]);
  const [B, S] = keys.shape;
  return tf.tidy((): SequenceAttentionOutput => {
    const scores = sequenceScores(kind, queries, keys, params, shapes);
    const weights = tf.softmax(tf.add(scores, maskBias.reshape([B, 1, S]))) as tf.Tensor3D;
    const context = tf.matMul(weights, keys) as tf.Tensor3D; // [B,T,S] x [B,S,Hk] -> [B,T,Hk]
    return { scores, weights, context };
  });
}

/** The scores `[B,T,S]` of every query against every key, for each of Luong's score kinds. */
function sequenceScores(
  kind: LuongScoreKind,
  queries: tf.Tensor3D,
  keys: tf.Tensor3D,
  params: SequenceAttentionParams,
  shapes: ShapeChecker,
): tf.Tensor3D {
  const [B, T, Hq] = queries.shape;
  const [, S, Hk] = keys.shape;
  switch (kind) {
    case "dot":
      if (Hq !== Hk)
        throw new Error(
          `luongAttentionSequence("dot"): queries [${queries.shape}] and keys [${keys.shape}] need Hq = Hk`,
        );
      return tf.matMul(queries, keys, false, true); // [B,T,H] x [B,S,H]^T -> [B,T,S]
    case "general":
      if (!params.Wa) throw new Error(`luongAttentionSequence("general"): needs Wa [Hq,Hk] with Hq=${Hq}, Hk=${Hk}`);
      shapes.check("Wa", params.Wa, ["Hq", "Hk"]);
      return tf.matMul(projectKeys(queries, params.Wa), keys, false, true);
    case "concat": {
      if (!params.Wa || !params.v) throw new Error(`luongAttentionSequence("concat"): needs Wa [Hq+Hk,U] and v [U]`);
      shapes
        .bind("Hq+Hk", Hq + Hk)
        .check("Wa", params.Wa, ["Hq+Hk", "U"])
        .check("v", params.v, ["U"]);
      const U = params.Wa.shape[1];
      const WaQuery = params.WaQuery ?? params.Wa.slice([0, 0], [Hq, U]);
      const kp = params.keysProjected ?? projectKeys(keys, params.Wa.slice([Hq, 0], [Hk, U]) as tf.Tensor2D);
      shapes.check("keysProjected", kp, ["B", "S", "U"]);
      const qp = projectKeys(queries, WaQuery as tf.Tensor2D); // [B,T,U]
      return additiveScores(kp, qp, params.v);
    }
    case "concat-shared": {
      if (!params.W || !params.v) throw new Error(`luongAttentionSequence("concat-shared"): needs W [H,U] and v [U]`);
      shapes.check("W", params.W, ["Hq", "U"]).check("v", params.v, ["U"]);
      const U = params.W.shape[1];
      const summed = tf.add(queries.reshape([B, T, 1, Hq]), keys.reshape([B, 1, S, Hk])) as tf.Tensor4D;
      const projected = tf.matMul(summed.reshape([B * T * S, Hq]), params.W).reshape([B, T, S, U]) as tf.Tensor4D;
      return dotWithVector<tf.Rank.R3>(tf.tanh(projected), params.v);
    }
    default:
      throw new Error(`luongAttentionSequence: unknown score "${kind as string}"`);
  }
}
