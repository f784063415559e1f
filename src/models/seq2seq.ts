/**
 * The sequence-to-sequence model: an encoder and an attention decoder (Bahdanau, or Luong with the
 * dot, general or concat score), or the decoder without attention (`"none"`, for comparison), with the
 * training loss under teacher forcing.
 */
import * as tf from "@tensorflow/tfjs";
import { ShapeChecker } from "../util/shapes";
import { Module } from "../nn/module";
import type { CellType, DropoutOptions } from "../nn/layers";
import { Random } from "../util/random";
import { Encoder } from "./encoder";
import { BahdanauDecoder } from "./bahdanau-decoder";
import { LuongDecoder } from "./luong-decoder";
import { PlainDecoder } from "./plain-decoder";
import type { AttentionDecoder, DecoderMemory, DecoderState } from "./decoder";
import type { BatchTensors } from "../data/batches";
import { classifierCrossEntropy } from "../nn/losses";
import { wordScores } from "./decoder-steps";
import { withoutGradients } from "../util/tidy";
import type { LuongScoreKind } from "../attention/layers";

/** The decoders: four attention kinds, a variant of Luong concat, and `none` (no attention, notebook 08). */
export const ATTENTION_KINDS = [
  "bahdanau",
  "luong-dot",
  "luong-general",
  "luong-concat",
  "luong-concat-shared",
  "none",
] as const;
export type AttentionKind = (typeof ATTENTION_KINDS)[number];

export interface Seq2SeqConfig {
  attention: AttentionKind;
  sourceVocabSize: number;
  targetVocabSize: number;
  embeddingSize: number;
  hiddenSize: number;
  /** U, for the additive scores (Bahdanau, Luong concat); default hiddenSize. */
  attentionUnits?: number;
  cell: CellType;
  bidirectional: boolean;
  /** Luong only: feed h̃_{t-1} into the next step (Luong et al. 2015, section 3.3). */
  inputFeeding: boolean;
  /** Bahdanau only: the paper's deep output layer with a maxout (notebook 01, "Where this notebook departs"). */
  deepOutput?: boolean;
  /** Bidirectional only: the decoder's start state from both directions (default) or the paper's backward one. */
  startState?: "both" | "backward";
  /** Dropout on embeddings and on the classifier's input while training. */
  dropout: number;
  seed: number;
}

export const DEFAULT_MODEL: Omit<Seq2SeqConfig, "sourceVocabSize" | "targetVocabSize"> = {
  attention: "luong-general",
  embeddingSize: 64,
  hiddenSize: 128,
  cell: "lstm",
  bidirectional: false,
  inputFeeding: false,
  dropout: 0,
  seed: 1,
};

export function checkModelConfig(c: Seq2SeqConfig): void {
  if (!ATTENTION_KINDS.includes(c.attention)) {
    throw new Error(`unknown attention kind "${c.attention}": use one of ${ATTENTION_KINDS.join(", ")}`);
  }
  for (const k of ["sourceVocabSize", "targetVocabSize", "embeddingSize", "hiddenSize"] as const) {
    if (!(Number.isInteger(c[k]) && c[k] > 0))
      throw new Error(`model config: ${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.attention === "luong-dot" && c.bidirectional) {
    throw new Error(
      "luong-dot needs keys and query of one size: a bidirectional encoder gives 2H keys for an H decoder; use luong-general or luong-concat",
    );
  }
  if (c.deepOutput && c.attention !== "bahdanau")
    throw new Error(`model config: deepOutput is Bahdanau's output layer; attention is "${c.attention}"`);
  if (c.startState !== undefined && !["both", "backward"].includes(c.startState))
    throw new Error(`model config: startState must be "both" or "backward", got ${JSON.stringify(c.startState)}`);
  if (c.startState === "backward" && !c.bidirectional)
    throw new Error(
      `model config: startState "backward" is the backward encoder's state at the first word; it needs bidirectional: true`,
    );
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`model config: dropout must be in [0, 1), got ${c.dropout}`);
}

export interface LossOptions {
  /** Probability of feeding the true previous word (1 = always teacher forcing). */
  teacherForcing: number;
  /** Decide teacher forcing once per batch or at every step. */
  teacherForcingMode: "batch" | "step";
  rng: Random;
  training: boolean;
  labelSmoothing?: number;
  /**
   * Run the decoder step by step even where all its attention could be computed at once (a Luong
   * decoder without input feeding, fully teacher-forced). For tests and teaching; same loss, slower.
   */
  stepwise?: boolean;
}

export class Seq2Seq extends Module {
  readonly encoder: Encoder;
  readonly decoder: AttentionDecoder;

  constructor(readonly config: Seq2SeqConfig) {
    super();
    checkModelConfig(config);
    const rng = new Random(config.seed);
    const cell = config.cell;
    this.encoder = this.addChild(
      "encoder",
      new Encoder(
        {
          vocabSize: config.sourceVocabSize,
          embeddingSize: config.embeddingSize,
          hiddenSize: config.hiddenSize,
          cell,
          bidirectional: config.bidirectional,
          startState: config.startState,
        },
        rng,
      ),
    );
    const common = {
      vocabSize: config.targetVocabSize,
      embeddingSize: config.embeddingSize,
      hiddenSize: config.hiddenSize,
      keySize: this.encoder.outputSize,
      attentionUnits: config.attentionUnits ?? config.hiddenSize,
      cell,
    };
    this.decoder = this.addChild(
      "decoder",
      config.attention === "bahdanau"
        ? new BahdanauDecoder({ ...common, deepOutput: config.deepOutput }, rng)
        : config.attention === "none"
          ? new PlainDecoder(common, rng)
          : new LuongDecoder(
              {
                ...common,
                score: config.attention.slice("luong-".length) as LuongScoreKind,
                inputFeeding: config.inputFeeding,
              },
              rng,
            ),
    );
  }

  /** Encodes a batch: the decoder's memory and initial state. */
  start(
    source: tf.Tensor2D,
    sourceMask: tf.Tensor2D,
    options: DropoutOptions = {},
  ): { memory: DecoderMemory; state: DecoderState } {
    const enc = this.encoder.encode(source, sourceMask, options);
    return { memory: this.decoder.prepare(enc.outputs, sourceMask), state: this.decoder.initialState(enc.state) };
  }

  /** Word scores `[N,V]` from decoder features `[N,F]`. */
  logits(features: tf.Tensor2D): tf.Tensor2D {
    const { W, b } = this.decoder.classifier;
    return wordScores(features, W as tf.Tensor2D, b as tf.Tensor1D | undefined);
  }

  /**
   * Mean cross-entropy per real target token over a batch. Teacher forcing feeds the true previous word;
   * otherwise the model's own best guess is fed (no gradient flows through that choice).
   */
  loss(batch: BatchTensors, options: LossOptions): tf.Scalar {
    new ShapeChecker()
      .check("batch.source", batch.source, ["B", "S"])
      .check("batch.sourceMask", batch.sourceMask, ["B", "S"])
      .check("batch.decoderInput", batch.decoderInput, ["B", "T"])
      .check("batch.decoderTarget", batch.decoderTarget, ["B", "T"])
      .check("batch.targetMask", batch.targetMask, ["B", "T"]);
    return tf.tidy(() => {
      const dropout = options.training ? this.config.dropout : 0;
      const seed = () => options.rng.seed();
      const features = this.decoderFeatures(batch, options, dropout, seed);
      return this.realTokenLoss(features, batch, options, dropout, seed);
    });
  }

  /**
   * The decoder's features `[B·T, F]` for every target position: the encoder, then the decoder all steps at
   * once where nothing feeds back, else step by step (teacher forcing decides each step's previous word).
   */
  private decoderFeatures(batch: BatchTensors, options: LossOptions, dropout: number, seed: () => number): tf.Tensor2D {
    const [B, T] = batch.decoderInput.shape;
    const { memory, state: initial } = this.start(batch.source, batch.sourceMask, { dropout, seed: seed() });
    const forceBatch = options.rng.next() < options.teacherForcing;
    const forceAll = options.teacherForcingMode === "batch" ? forceBatch : options.teacherForcing >= 1;
    const parallel = this.parallelDecoder();
    // The RNN of a Luong decoder without input feeding (or of a decoder without attention) never sees the
    // attention: once the previous word of every step is known, all steps run at once. Under teacher
    // forcing it is the true word; otherwise the model's own guesses, from one fused kernel that records
    // no gradient (when the native kernels are in use; without them, stepping is faster than a second pass).
    const known =
      options.stepwise || !parallel
        ? undefined
        : forceAll
          ? batch.decoderInput
          : this.fusedGuesses(batch, initial, memory, forceBatch, options);
    if (parallel && known) {
      return parallel
        .teacherForced(known, initial, memory, { dropout, seed: seed() })
        .features.reshape([B * T, -1]) as tf.Tensor2D;
    }
    return this.unrolled(batch, initial, memory, forceBatch, options, dropout, seed);
  }

  /**
   * The mean cross-entropy over the real target tokens. Only they go through the classifier: padded
   * positions have mask 0 and add nothing to the loss or its gradient, so leaving them out changes no
   * number and saves their share of the largest matrix product ([tokens, H] x [H, V]).
   */
  private realTokenLoss(
    features: tf.Tensor2D,
    batch: BatchTensors,
    options: LossOptions,
    dropout: number,
    seed: () => number,
  ): tf.Scalar {
    const [B, T] = batch.decoderInput.shape;
    const maskValues = batch.targetMask.dataSync();
    const real: number[] = [];
    for (let i = 0; i < maskValues.length; i++) if (maskValues[i] !== 0) real.push(i);
    const rows = tf.tensor1d(real, "int32");
    let realFeatures = tf.gather(features, rows) as tf.Tensor2D;
    if (dropout) realFeatures = tf.dropout(realFeatures, dropout, undefined, seed()) as tf.Tensor2D;
    const labels = tf.gather(batch.decoderTarget.reshape([B * T]), rows) as tf.Tensor1D;
    return classifierCrossEntropy(realFeatures, this.decoder.classifier, labels, options.labelSmoothing ?? 0);
  }

  /** The decoder, where it can run all teacher-forced steps at once (nothing feeds back); else undefined. */
  private parallelDecoder(): LuongDecoder | PlainDecoder | undefined {
    if (this.decoder instanceof PlainDecoder) return this.decoder;
    if (this.decoder instanceof LuongDecoder && !this.decoder.config.inputFeeding) return this.decoder;
    return undefined;
  }

  /** Whether step t+1 is fed the true previous word (else the model's guess). */
  private forceStep(forceBatch: boolean, options: LossOptions): boolean {
    return options.teacherForcingMode === "batch" ? forceBatch : options.rng.next() < options.teacherForcing;
  }

  /** The model's best guess from features `[B,F]`, as fresh int32 ids `[B]` (no gradient flows through a choice). */
  private guess(features: tf.Tensor2D): tf.Tensor1D {
    return tf.tensor1d(Int32Array.from(tf.argMax(this.logits(features), 1).dataSync()), "int32");
  }

  /** The decoder step by step (each step may feed its attention back): features `[B·T,F]`. */
  private unrolled(
    batch: BatchTensors,
    initial: DecoderState,
    memory: DecoderMemory,
    forceBatch: boolean,
    options: LossOptions,
    dropout: number,
    seed: () => number,
  ): tf.Tensor2D {
    const [B, T] = batch.decoderInput.shape;
    const inputs = tf.unstack(batch.decoderInput, 1) as tf.Tensor1D[];
    let state = initial;
    let previous = inputs[0];
    const features: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const out = this.decoder.step(previous, state, memory, { dropout, seed: seed() });
      state = out.state;
      features.push(out.features);
      if (t + 1 < T) previous = this.forceStep(forceBatch, options) ? inputs[t + 1] : this.guess(out.features);
    }
    return tf.stack(features, 1).reshape([B * T, -1]) as tf.Tensor2D;
  }

  /**
   * The previous word of every step `[B,T]` when the model's own guesses are fed (the true word where
   * teacher forcing applies), from the fused free-running kernel (no dropout, no gradient); undefined
   * where that kernel does not apply.
   */
  private fusedGuesses(
    batch: BatchTensors,
    initial: DecoderState,
    memory: DecoderMemory,
    forceBatch: boolean,
    options: LossOptions,
  ): tf.Tensor2D | undefined {
    const T = batch.decoderInput.shape[1];
    const decoder = this.decoder;
    if (!(decoder instanceof LuongDecoder) || !decoder.canGuessFused()) return undefined;
    const force = Array.from({ length: T - 1 }, () => this.forceStep(forceBatch, options));
    return withoutGradients(() => decoder.greedyInputs(batch.decoderInput, force, initial, memory));
  }
}
