/**
 * Floating-point operations of a training step, counted analytically from the batch's shapes: the work
 * figure that both frameworks' GFLOP/s are computed from.
 */
/** The shapes of one training batch that the flop count needs. */
export interface BatchShape {
  /** B: sentence pairs. */
  size: number;
  /** S: padded source length. */
  sourceLength: number;
  /** T: padded target length (decoder steps, _SOS first). */
  targetLength: number;
  /** N: real target tokens (the target words and _EOS of each pair). */
  targetTokens: number;
  /** Teacher forcing for the whole batch; otherwise the model's own argmax is fed back at every step. */
  teacherForcing: boolean;
}

/** The sizes of the model (Luong concat decoder, one-layer unidirectional LSTM encoder). */
export interface FlopModel {
  /** E */
  embeddingSize: number;
  /** H (also the key size: the encoder is unidirectional) */
  hiddenSize: number;
  /** U */
  attentionUnits: number;
  /** V: the target vocabulary. */
  targetVocabSize: number;
}

/**
 * Floating-point operations of one training step (forward, backward) on a batch of the benchmark's model:
 * 2 flops per multiply-add of every matrix product, and the backward pass of a product is two products of
 * the same size (the gradients with respect to both operands), so each product on the way to the loss
 * counts 3 times. Products of the forward pass (Hk = H, the key size):
 *
 *   encoder LSTM, B·S rows (padded steps included: both frameworks' cost grows with S):
 *     input  [B·S, E] x [E, 4H]                  2·B·S·E·4H
 *     recurrent  S x [B, H] x [H, 4H]            2·B·S·H·4H
 *   key projection [B·S, Hk] x [Hk, U] (once)     2·B·S·Hk·U
 *   decoder LSTM, B·T rows: input 2·B·T·E·4H, recurrent 2·B·T·H·4H
 *   query projection [B·T, H] x [H, U]           2·B·T·H·U
 *   concat score v·tanh(..): [B·T·S, U] x [U]     2·B·T·S·U
 *   context [B·T, S] x [B, S, Hk]                2·B·T·S·Hk
 *   combine h~ = tanh([c; h]·Wc)  [B·T, Hk+H] x [Hk+H, H]   2·B·T·(Hk+H)·H
 *   classifier on the N real target tokens only  2·N·H·V
 *     (Seq2Seq.loss gathers the real tokens' features before the classifier; bench/torch_reference.py
 *     does the same, so both frameworks run this product on N rows, not on B·T)
 *
 * A free-running batch (teacher forcing off) also runs the classifier on all B rows at every step but the
 * last, for the argmax that is fed back: 2·B·(T-1)·H·V, forward only (no gradient flows through an argmax).
 *
 * Not counted: embedding lookups, element-wise work (gates, tanh, softmax, masks, the cross-entropy), the
 * gradient clipping and Adam (O(parameters) per step, about 1% of the products here). With --workers the
 * batch's shards are padded to their own longest sentence, a little less than the count.
 */
export function trainingFlops(b: BatchShape, m: FlopModel): number {
  const { size: B, sourceLength: S, targetLength: T, targetTokens: N } = b;
  const { embeddingSize: E, hiddenSize: H, attentionUnits: U, targetVocabSize: V } = m;
  const Hk = H;
  const forward =
    2 * B * S * E * 4 * H +
    2 * B * S * H * 4 * H + // encoder LSTM
    2 * B * S * Hk * U + // key projection
    2 * B * T * E * 4 * H +
    2 * B * T * H * 4 * H + // decoder LSTM
    2 * B * T * H * U + // query projection
    2 * B * T * S * U + // concat score's v
    2 * B * T * S * Hk + // context
    2 * B * T * (Hk + H) * H + // combine Wc
    2 * N * H * V; // classifier, real tokens
  const argmax = b.teacherForcing ? 0 : 2 * B * (T - 1) * H * V;
  return 3 * forward + argmax;
}

/** Flops of one pass over the batches (`trainingFlops` summed). */
export function epochFlops(batches: readonly BatchShape[], m: FlopModel): number {
  return batches.reduce((sum, b) => sum + trainingFlops(b, m), 0);
}
