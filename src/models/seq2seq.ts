/**
 * The sequence-to-sequence model: an encoder and an attention decoder (Bahdanau, or Luong with the
 * dot, general or concat score), or a decoder without attention (`"none"`, Sutskever et al.'s, and
 * `"none-cho"`, Cho et al.'s, for comparison), with the
 * training loss under teacher forcing.
 */
import * as tf from "@tensorflow/tfjs";
import { ShapeChecker } from "../util/shapes";
import { Module } from "../nn/module";
import type { DropoutOptions } from "../nn/layers";
import { Random } from "../util/random";
import { Encoder } from "./encoder";
import { BahdanauDecoder } from "./bahdanau-decoder";
import { LuongDecoder, LuongDecoderConfig } from "./luong-decoder";
import { PlainDecoder } from "./plain-decoder";
import { ChoDecoder } from "./cho-decoder";
import type { AttentionDecoder, DecoderMemory, DecoderState } from "./decoder";
import type { BatchTensors } from "../data/batches";
import { wordScores } from "./decoder-steps";
import { withoutGradients } from "../util/tidy";
import type { LuongScoreKind } from "../attention/layers";
import { checkModelConfig, DEFAULT_WINDOW, Seq2SeqConfig } from "./config";
import type { ModelKernels } from "./kernels";
import { chooseKernels } from "./fast";

export {
  ATTENTION_KINDS,
  AttentionKind,
  checkModelConfig,
  DEFAULT_MODEL,
  DEFAULT_WINDOW,
  LOCAL_KINDS,
  Seq2SeqConfig,
} from "./config";

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

/** The teacher-forcing coin: whether the true previous word is fed, with probability `teacherForcing`. */
export function teacherForces(teacherForcing: number, rng: Random): boolean {
  return rng.next() < teacherForcing;
}

export class Seq2Seq extends Module {
  readonly encoder: Encoder;
  readonly decoder: AttentionDecoder;
  /**
   * What this model runs, picked once when it is built: the formulas as tfjs ops, or the same formulas as
   * native kernels where the wasm backend has them (models/fast.ts). `kernels.parts` says which, part by part.
   */
  readonly kernels: ModelKernels;

  /** @param kernels default: the native kernels where the backend in use has them (`chooseKernels`) */
  constructor(
    readonly config: Seq2SeqConfig,
    kernels: ModelKernels = chooseKernels(),
  ) {
    super();
    checkModelConfig(config);
    this.kernels = kernels;
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
        kernels,
      ),
    );
    this.decoder = this.addChild("decoder", makeDecoder(config, this.encoder.outputSize, rng, kernels));
    this.decoder.guessAll = kernels.guesser?.(this.decoder);
  }

  /** Encodes a batch: the decoder's memory and initial state. */
  start(
    source: tf.Tensor2D,
    sourceMask: tf.Tensor2D,
    options: DropoutOptions = {},
  ): { memory: DecoderMemory; state: DecoderState } {
    const enc = this.encoder.encode(source, sourceMask, options);
    return {
      memory: this.decoder.prepare(enc.outputs, sourceMask, enc.state),
      state: this.decoder.initialState(enc.state),
    };
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
   * once where it can and every previous word is known, else step by step (teacher forcing decides each
   * step's previous word).
   */
  private decoderFeatures(batch: BatchTensors, options: LossOptions, dropout: number, seed: () => number): tf.Tensor2D {
    const [B, T] = batch.decoderInput.shape;
    const { memory, state: initial } = this.start(batch.source, batch.sourceMask, { dropout, seed: seed() });
    const forceBatch = teacherForces(options.teacherForcing, options.rng);
    const forceAll = options.teacherForcingMode === "batch" ? forceBatch : options.teacherForcing >= 1;
    // A decoder whose RNN never sees the attention (Luong without input feeding, no attention) runs all
    // steps at once once the previous word of every step is known: under teacher forcing the true word;
    // otherwise the model's own guesses, where its kernels make them in one pass (models/fast.ts). That pass
    // has no dropout, so with dropout the guesses come from stepping, as the network trains (PyTorch's
    // reference does the same): one behaviour whichever kernels run.
    const allSteps = options.stepwise ? undefined : this.decoder.allSteps;
    const known = !allSteps
      ? undefined
      : forceAll
        ? batch.decoderInput
        : dropout
          ? undefined
          : this.guessAll(batch, initial, memory, forceBatch, options);
    if (allSteps && known)
      return allSteps(known, initial, memory, { dropout, seed: seed() }).features.reshape([B * T, -1]) as tf.Tensor2D;
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
    const rows = batch.realTokens ?? realTokenRows(batch.targetMask);
    let realFeatures = tf.gather(features, rows) as tf.Tensor2D;
    if (dropout) realFeatures = tf.dropout(realFeatures, dropout, undefined, seed()) as tf.Tensor2D;
    const labels = tf.gather(batch.decoderTarget.reshape([B * T]), rows) as tf.Tensor1D;
    return this.kernels.classifierLoss(realFeatures, this.decoder.classifier, labels, options.labelSmoothing ?? 0);
  }

  /** Whether step t+1 is fed the true previous word (else the model's guess). */
  private forceStep(forceBatch: boolean, options: LossOptions): boolean {
    return options.teacherForcingMode === "batch" ? forceBatch : teacherForces(options.teacherForcing, options.rng);
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
   * teacher forcing applies), from the decoder's one-pass guesses (no gradient); undefined where it has none.
   */
  private guessAll(
    batch: BatchTensors,
    initial: DecoderState,
    memory: DecoderMemory,
    forceBatch: boolean,
    options: LossOptions,
  ): tf.Tensor2D | undefined {
    const guessAll = this.decoder.guessAll;
    if (!guessAll) return undefined;
    const T = batch.decoderInput.shape[1];
    const force = Array.from({ length: T - 1 }, () => this.forceStep(forceBatch, options));
    return withoutGradients(() => guessAll(batch.decoderInput, force, initial, memory));
  }
}

/** A Luong kind's score, and for local attention its mode and window (local attention uses the general score). */
function luongAttentionOf(
  config: Seq2SeqConfig,
): Pick<LuongDecoderConfig, "score" | "local" | "window" | "maxSourceLength"> {
  if (config.attention === "luong-local-m" || config.attention === "luong-local-p")
    return {
      score: "general",
      local: config.attention === "luong-local-m" ? "monotonic" : "predictive",
      window: config.window ?? DEFAULT_WINDOW,
    };
  return {
    score: config.attention.slice("luong-".length) as LuongScoreKind,
    maxSourceLength: config.maxSourceLength,
  };
}

/** The decoder that `config.attention` names, reading keys of `keySize` from the encoder. */
function makeDecoder(config: Seq2SeqConfig, keySize: number, rng: Random, kernels: ModelKernels): AttentionDecoder {
  const common = {
    vocabSize: config.targetVocabSize,
    embeddingSize: config.embeddingSize,
    hiddenSize: config.hiddenSize,
    keySize,
    attentionUnits: config.attentionUnits ?? config.hiddenSize,
    cell: config.cell,
  };
  switch (config.attention) {
    case "bahdanau":
      return new BahdanauDecoder({ ...common, deepOutput: config.deepOutput }, rng, kernels);
    case "none":
      return new PlainDecoder(common, rng, kernels);
    case "none-cho":
      return new ChoDecoder(common, rng, kernels);
    default:
      return new LuongDecoder(
        {
          ...common,
          ...luongAttentionOf(config),
          inputFeeding: config.inputFeeding,
          outputLayer: config.outputLayer,
        },
        rng,
        kernels,
      );
  }
}

/** The flat positions `[N]` int32 of the real tokens of a mask `[B,T]` (read from the tensor). */
function realTokenRows(mask: tf.Tensor2D): tf.Tensor1D {
  const values = mask.dataSync();
  const real: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) real.push(i);
  return tf.tensor1d(real, "int32");
}
