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
import { luongQueryScores, LuongScoreKind, LuongScoreParams } from "./scores";

/** The weights of `luongQueryScores`, and the key side computed once per batch (`prepare`). */
export type SequenceAttentionParams = LuongScoreParams;

export type SequenceAttentionOutput = {
  /** `[B,T,S]` alignment scores of every step. */
  scores: tf.Tensor3D;
  /** `[B,T,S]` attention weights (each row sums to 1 over the real source tokens, 0 on padding). */
  weights: tf.Tensor3D;
  /** `[B,T,Hk]` context vectors. */
  context: tf.Tensor3D;
};

/**
 * Luong scores, weights and contexts for all T queries: the same score kernel as one decoder step
 * (`luongQueryScores`), with T queries instead of one.
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
  new ShapeChecker()
    .check("queries", queries, ["B", "T", "Hq"])
    .check("keys", keys, ["B", "S", "Hk"])
    .check("maskBias", maskBias, ["B", "S"]);
  const [B, S] = keys.shape;
  return tf.tidy((): SequenceAttentionOutput => {
    const scores = luongQueryScores(kind, queries, keys, params, "luongAttentionSequence");
    const weights = tf.softmax(tf.add(scores, maskBias.reshape([B, 1, S]))) as tf.Tensor3D;
    const context = tf.matMul(weights, keys) as tf.Tensor3D; // [B,T,S] x [B,S,Hk] -> [B,T,Hk]
    return { scores, weights, context };
  });
}
