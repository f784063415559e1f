/**
 * Batches of token ids, padded with _PAD (id 0), with masks, and their tensors.
 *
 * For a batch of B pairs with at most S source and T-1 target tokens:
 * - `source [B,S]`: the English ids, padded; `sourceMask [B,S]`: 1 for real tokens, 0 for padding;
 * - `decoderInput [B,T]`: `_SOS` then the German ids (what the decoder is fed, teacher forcing);
 * - `decoderTarget [B,T]`: the German ids then `_EOS` (what it must predict); `targetMask [B,T]`.
 */
import * as tf from "@tensorflow/tfjs";
import { Random } from "../util/random";
import { EOS_ID, PAD_ID, SOS_ID } from "./vocab";

export interface Example {
  /** Source ids, without _SOS/_EOS. */
  source: number[];
  /** Target ids, without _SOS/_EOS. */
  target: number[];
}

export interface Batch {
  size: number;
  /** S: the longest source in the batch. */
  sourceLength: number;
  /** T: the longest target plus one (for _SOS / _EOS). */
  targetLength: number;
  source: Int32Array;
  sourceMask: Float32Array;
  decoderInput: Int32Array;
  decoderTarget: Int32Array;
  targetMask: Float32Array;
  /** Indices of the batch's examples in the array given to `makeBatches`. */
  indices: number[];
  /** Real target tokens (with _EOS): the number of predictions the loss counts. */
  targetTokens: number;
}

export interface BatchTensors {
  source: tf.Tensor2D;
  sourceMask: tf.Tensor2D;
  decoderInput: tf.Tensor2D;
  decoderTarget: tf.Tensor2D;
  targetMask: tf.Tensor2D;
  /** `[N]` int32: the flat positions (b·T + t) of the real target tokens, read from the batch's host mask. */
  realTokens?: tf.Tensor1D;
}

export interface BatchOptions {
  batchSize: number;
  /** Shuffle examples (and batches) with this seed; no shuffling when undefined. */
  seed?: number;
  /** Group sentences of similar length into batches, to reduce padding. */
  bucket?: boolean;
}

/**
 * Source positions a training batch has at least: tfjs cannot differentiate an unstack into a single
 * step (its gradient receives one tensor where it expects a list), so a batch of one-word sentences
 * gets one padded (masked) position more, which changes no number.
 */
export const MIN_TRAINING_SOURCE_LENGTH = 2;

/** Pads a list of examples into one batch (at least `minSourceLength` source positions). */
export function padBatch(
  examples: readonly Example[],
  indices: number[] = examples.map((_, i) => i),
  minSourceLength = 1,
): Batch {
  const B = examples.length;
  if (B === 0) throw new Error("padBatch: no examples");
  examples.forEach((e, i) => {
    if (e.source.length === 0) throw new Error(`padBatch: example ${indices[i]} has an empty source sentence`);
  });
  const S = Math.max(minSourceLength, ...examples.map((e) => e.source.length));
  const T = Math.max(...examples.map((e) => e.target.length)) + 1;
  const batch: Batch = {
    size: B,
    sourceLength: S,
    targetLength: T,
    source: new Int32Array(B * S).fill(PAD_ID),
    sourceMask: new Float32Array(B * S),
    decoderInput: new Int32Array(B * T).fill(PAD_ID),
    decoderTarget: new Int32Array(B * T).fill(PAD_ID),
    targetMask: new Float32Array(B * T),
    indices,
    targetTokens: 0,
  };
  examples.forEach((e, b) => {
    e.source.forEach((id, s) => {
      batch.source[b * S + s] = id;
      batch.sourceMask[b * S + s] = 1;
    });
    batch.decoderInput[b * T] = SOS_ID;
    e.target.forEach((id, t) => {
      batch.decoderInput[b * T + t + 1] = id;
      batch.decoderTarget[b * T + t] = id;
    });
    batch.decoderTarget[b * T + e.target.length] = EOS_ID;
    for (let t = 0; t <= e.target.length; t++) batch.targetMask[b * T + t] = 1;
    batch.targetTokens += e.target.length + 1;
  });
  return batch;
}

/** Splits examples into padded batches (the last one may be smaller). */
export function makeBatches(examples: readonly Example[], options: BatchOptions): Batch[] {
  const { batchSize } = options;
  if (!(Number.isInteger(batchSize) && batchSize > 0))
    throw new Error(`makeBatches: batchSize must be a positive integer, got ${batchSize}`);
  let order = examples.map((_, i) => i);
  const rng = options.seed !== undefined ? new Random(options.seed) : undefined;
  if (rng) order = rng.shuffle(order);
  if (options.bucket) {
    // Sort by length inside pools of 50 batches: batches of similar lengths, yet still mixed.
    const pool = batchSize * 50;
    const sorted: number[] = [];
    for (let i = 0; i < order.length; i += pool) {
      const chunk = order.slice(i, i + pool);
      chunk.sort(
        (a, b) =>
          examples[a].source.length - examples[b].source.length ||
          examples[a].target.length - examples[b].target.length,
      );
      sorted.push(...chunk);
    }
    order = sorted;
  }
  const batches: Batch[] = [];
  for (let i = 0; i < order.length; i += batchSize) {
    const idx = order.slice(i, i + batchSize);
    batches.push(
      padBatch(
        idx.map((j) => examples[j]),
        idx,
        MIN_TRAINING_SOURCE_LENGTH,
      ),
    );
  }
  return options.bucket && rng ? rng.shuffle(batches) : batches;
}

/** The batch as tensors (int32 ids, float32 masks); the caller disposes them. */
export function batchTensors(batch: Batch): BatchTensors {
  const { size: B, sourceLength: S, targetLength: T } = batch;
  return {
    source: tf.tensor2d(batch.source, [B, S], "int32"),
    sourceMask: tf.tensor2d(batch.sourceMask, [B, S], "float32"),
    decoderInput: tf.tensor2d(batch.decoderInput, [B, T], "int32"),
    decoderTarget: tf.tensor2d(batch.decoderTarget, [B, T], "int32"),
    targetMask: tf.tensor2d(batch.targetMask, [B, T], "float32"),
    realTokens: tf.tensor1d(realPositions(batch.targetMask), "int32"),
  };
}

/** The positions of the non-zero entries of a mask. */
function realPositions(mask: Float32Array): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) out.push(i);
  return Int32Array.from(out);
}

/** Padding share of a set of batches: padded positions / all positions, for source and target. */
export function paddingShare(batches: readonly Batch[]): { source: number; target: number } {
  let sAll = 0,
    sReal = 0,
    tAll = 0,
    tReal = 0;
  for (const b of batches) {
    sAll += b.source.length;
    sReal += b.sourceMask.reduce((a, x) => a + x, 0);
    tAll += b.targetMask.length;
    tReal += b.targetTokens;
  }
  return { source: 1 - sReal / sAll, target: 1 - tReal / tAll };
}
