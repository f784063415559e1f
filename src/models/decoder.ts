/**
 * What both attention decoders share: the encoder memory they attend to, their state, and one step's
 * output.
 */
import * as tf from "@tensorflow/tfjs";
import type { Module } from "../nn/module";
import type { Dense, Embedding, RecurrentCell, RnnState, DropoutOptions } from "../nn/layers";
import type { AttentionOutput, PreparedAttention } from "../attention/layers";
import { ShapeChecker } from "../util/shapes";

export interface DecoderMemory extends PreparedAttention {
  /** `[B,S,Hk]` encoder outputs. */
  keys: tf.Tensor3D;
  /** `[B,S]` source mask. */
  mask: tf.Tensor2D;
  /** Cho et al.'s decoder only: the summary c `[B,H]` of the source, read at every step. */
  summary?: tf.Tensor2D;
}

export interface DecoderState {
  rnn: RnnState;
  /** Luong with input feeding: the previous attentional hidden state h̃ `[B,H]`. */
  attentional?: tf.Tensor2D;
  /** Local-m attention: the target position of the last step taken (0 before the first). */
  step?: number;
}

export interface DecoderStep {
  state: DecoderState;
  /** `[B,F]`: what the classifier turns into word scores. */
  features: tf.Tensor2D;
  attention: AttentionOutput;
}

/**
 * The previous word of every step `[B,T]` when a decoder is fed its own guesses, in one call and without
 * gradient: `inputs [B,T]` holds _SOS and the true previous words, `force[t]` (t = 0..T-2) whether step t+1
 * gets the true word.
 */
export type GuessAll = (
  inputs: tf.Tensor2D,
  force: boolean[],
  state: DecoderState,
  memory: DecoderMemory,
) => tf.Tensor2D;

/** All T teacher-forced steps at once, from the previous word of every step `inputs [B,T]`: features `[B,T,F]`. */
export type AllSteps = (
  inputs: tf.Tensor2D,
  state: DecoderState,
  memory: DecoderMemory,
  options?: DropoutOptions,
) => { features: tf.Tensor3D };

export interface AttentionDecoder extends Module {
  readonly classifier: Dense;
  /**
   * What the decoder can do besides one step at a time (the model asks, it does not test the class):
   * `allSteps` where nothing feeds back into its RNN, so that teacher-forced steps run at once.
   */
  readonly allSteps?: AllSteps;
  /** A free-running pass in one call, where the model's kernels have one for this decoder (models/fast.ts). */
  guessAll?: GuessAll;
  /**
   * Adds what can be computed once per batch (the key projection; Cho et al.'s summary c, from the
   * encoder's final state, which only that decoder needs).
   */
  prepare(keys: tf.Tensor3D, mask: tf.Tensor2D, encoderState?: RnnState): DecoderMemory;
  initialState(encoderState: RnnState): DecoderState;
  /** One step: `previous [B]` int32 tokens -> new state, features and attention. */
  step(previous: tf.Tensor1D, state: DecoderState, memory: DecoderMemory, options?: DropoutOptions): DecoderStep;
}

/**
 * Checks a decoder's inputs against each other before a step (`previous [B]`) or all teacher-forced steps
 * (`previous [B,T]`): the state `h [B,H]` (and `c`, the previous h̃), the memory's `keys [B,S,Hk]` and
 * `mask [B,S]`. A wrong batch size then names the tensor instead of surfacing as a concat error.
 */
export function checkDecoderInputs(
  previous: tf.Tensor,
  state: DecoderState,
  memory: DecoderMemory,
  hiddenSize: number,
): void {
  const shapes = new ShapeChecker({ H: hiddenSize });
  shapes.check("previous words", previous, previous.rank === 2 ? ["B", "T"] : ["B"]);
  shapes.check("decoder state h", state.rnn.h, ["B", "H"]);
  if (state.rnn.c) shapes.check("decoder state c", state.rnn.c, ["B", "H"]);
  if (state.attentional) shapes.check("previous attentional state h̃", state.attentional, ["B", "H"]);
  shapes.check("memory.keys", memory.keys, ["B", "S", "Hk"]).check("memory.mask", memory.mask, ["B", "S"]);
}

/** Every tensor of a decoder memory (to keep or dispose them together). */
export function memoryTensors(m: DecoderMemory): tf.Tensor[] {
  return Object.values(m).filter((t): t is tf.Tensor => t instanceof tf.Tensor);
}

/** The memory repeated n times along the batch (beam search); batch-free tensors are cloned. */
export function tileMemory(m: DecoderMemory, n: number): DecoderMemory {
  const out: Record<string, tf.Tensor | undefined> = {};
  for (const [k, t] of Object.entries(m)) {
    if (!(t instanceof tf.Tensor)) continue;
    out[k] = k === "WaQuery" ? t.clone() : tf.tile(t, [n, ...t.shape.slice(1).map(() => 1)]);
  }
  return out as unknown as DecoderMemory;
}

/** The embeddings `[N,E]` of word ids `[N]`, with dropout when training asks for it. */
export function embedWords(embedding: Embedding, ids: tf.Tensor1D, options: DropoutOptions = {}): tf.Tensor2D {
  const embedded = embedding.apply(ids) as tf.Tensor2D;
  return options.dropout ? (tf.dropout(embedded, options.dropout, undefined, options.seed) as tf.Tensor2D) : embedded;
}

/**
 * A decoder's RNN over previous words known in advance (teacher forcing), every step in one call: the
 * hidden states `[B,T,H]` for `inputs [B,T]` (_SOS and the target words). Used where nothing feeds back
 * into the RNN (Luong without input feeding, the decoder without attention).
 */
export function rnnOverKnownWords(
  embedding: Embedding,
  cell: RecurrentCell,
  inputs: tf.Tensor2D,
  state: RnnState,
  options: DropoutOptions = {},
): tf.Tensor3D {
  const [B, T] = inputs.shape;
  const embedded = embedWords(embedding, inputs.reshape([B * T]), options); // [B·T,E]
  const projected = cell.projectInput(embedded).reshape([B, T, -1]) as tf.Tensor3D;
  return cell.sequence(projected, state).outputs;
}
