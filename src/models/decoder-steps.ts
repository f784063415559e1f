/**
 * The decoder's steps after the attention, one named function each, numbered as the notebooks number them
 * (the attention's own steps, the scores, the weights and the context, live in attention/). Each says where
 * it is taught ("Defined in notebook NN, step N"); `TUTORIAL_STEPS` (notebook/steps.ts) lists every step
 * with its function, and a test checks that the notebooks call exactly these.
 *
 * N rows: B for one decoder step, B·T for all teacher-forced steps at once. E embedding size, Hk key
 * (encoder output) size, H decoder hidden size, V target vocabulary.
 */
import * as tf from "@tensorflow/tfjs";
import type { RecurrentCell, RnnState } from "../nn/layers";
import { ShapeChecker } from "../util/shapes";

/**
 * Bahdanau's RNN input: the previous output word's embedding concatenated with the context vector,
 * `[E y_{i-1}; c_i]` (Bahdanau et al. 2015, eq. 4 and appendix A.2.2).
 *
 * Defined in notebook 01, step 5 (decoding with the context).
 *
 * @param embedded `[B,E]` the previous word's embedding
 * @param context `[B,Hk]` this step's context vector
 * @returns `[B,E+Hk]`
 */
export function rnnInputWithContext(embedded: tf.Tensor2D, context: tf.Tensor2D): tf.Tensor2D {
  new ShapeChecker().check("previous word embedding", embedded, ["B", "E"]).check("context", context, ["B", "Hk"]);
  return tf.concat([embedded, context], 1) as tf.Tensor2D;
}

/**
 * One step of the decoder's RNN: the new state from this step's input and the previous state.
 *
 * Defined in notebook 01, step 5 (the RNN step after the concatenation) and notebook 02, step 2 (Luong's
 * decoder runs its RNN first); the decoder without attention (notebook 08) has only this step.
 *
 * @param input `[B,in]` the RNN's input (an embedding, or an embedding with a context or h̃_{t-1})
 * @param state the previous state, `h [B,H]` (and `c [B,H]` for an LSTM)
 * @returns the new state
 */
export function decoderRnnStep(cell: RecurrentCell, input: tf.Tensor2D, state: RnnState): RnnState {
  new ShapeChecker({ in: cell.inputSize, H: cell.hiddenSize })
    .check("RNN input", input, ["B", "in"])
    .check("decoder state h", state.h, ["B", "H"]);
  return cell.step(cell.projectInput(input), state);
}

/**
 * Luong's attentional hidden state (Luong et al. 2015, eq. 5): `h̃ = tanh([context; h]·Wc)`, context first,
 * no bias (as in the paper).
 *
 * Defined in notebook 02, step 6 (the attentional hidden state).
 *
 * @param context `[N,Hk]` context vectors
 * @param h `[N,H]` the decoder RNN's hidden states
 * @param Wc `[Hk+H,H]`
 * @returns `[N,H]` (`[N,out]` for a `Wc` of `[Hk+H,out]`)
 */
export function attentionalState(context: tf.Tensor2D, h: tf.Tensor2D, Wc: tf.Tensor2D): tf.Tensor2D {
  const shapes = new ShapeChecker()
    .check("context", context, ["N", "Hk"])
    .check("decoder hidden state h", h, ["N", "H"]);
  // The paper's h̃ has h's size H; any output size works.
  shapes.bind("Hk+H", context.shape[1] + h.shape[1]).check("Wc", Wc, ["Hk+H", "out"]);
  return tf.tidy(() => tf.tanh(tf.matMul(tf.concat([context, h], 1), Wc)) as tf.Tensor2D);
}

/**
 * The classifier: a score for every word of the target vocabulary, `features·W + b`; their softmax is the
 * probability of each word (Luong et al. 2015, eq. 6: `p(y_t | ...) = softmax(Ws h̃_t)`).
 *
 * Defined in notebook 02, step 7 (classify, then repeat); in notebook 01 it ends step 5.
 *
 * @param features `[N,F]`: h̃ (Luong), s_i or the deep output (Bahdanau), h (no attention)
 * @param W `[F,V]`; @param b optional `[V]`
 * @returns word scores (logits) `[N,V]`
 */
export function wordScores(features: tf.Tensor2D, W: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  const shapes = new ShapeChecker().check("features", features, ["N", "F"]).check("classifier W", W, ["F", "V"]);
  if (b) shapes.check("classifier b", b, ["V"]);
  return tf.tidy(() => {
    const scores = tf.matMul(features, W) as tf.Tensor2D;
    return b ? (tf.add(scores, b) as tf.Tensor2D) : scores;
  });
}
