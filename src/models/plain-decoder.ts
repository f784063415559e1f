/**
 * The decoder without attention (`attention: "none"`), the encoder-decoder of Sutskever et al. (2014)
 * and Cho et al. (2014) that attention was invented to fix. It starts from the encoder's final state and
 * never looks back at the encoder outputs; each step:
 * 1. the RNN step on the previous word's embedding -> h_t;
 * 2. the classifier turns h_t into word scores.
 * All it knows of the source sentence has to fit in that one state of H numbers: the bottleneck that
 * notebook 08 measures on long sentences. Same embedding, RNN and classifier sizes as the attention
 * decoders, so a comparison changes nothing but the attention.
 */
import * as tf from "@tensorflow/tfjs";
import { Module } from "../nn/module";
import { Dense, Embedding, RecurrentCell, RnnState, DropoutOptions } from "../nn/layers";
import { ModelKernels, PLAIN_KERNELS } from "./kernels";
import { Random } from "../util/random";
import type { AttentionOutput } from "../attention/layers";
import { rnnOverKnownWords } from "./decoder";
import type { AllSteps, AttentionDecoder, DecoderMemory, DecoderState, DecoderStep } from "./decoder";
import { checkDecoderInputs, embedWords } from "./decoder";
import { decoderRnnStep } from "./decoder-steps";
import type { DecoderConfig } from "./bahdanau-decoder";

/**
 * What a decoder without attention reports as its attention: all weights 0 (it looks at no source
 * word; a heatmap of it is empty), scores 0 and a zero context `[B,Hk]`.
 */
export function noAttention(memory: DecoderMemory): AttentionOutput {
  const [B, S, Hk] = memory.keys.shape;
  return { scores: tf.zeros([B, S]), weights: tf.zeros([B, S]), context: tf.zeros([B, Hk]) };
}

export class PlainDecoder extends Module implements AttentionDecoder {
  readonly embedding: Embedding;
  readonly cell: RecurrentCell;
  readonly classifier: Dense;
  /** Nothing feeds back into the RNN: teacher-forced steps run at once. */
  readonly allSteps: AllSteps = (inputs, state, memory, options) => this.teacherForced(inputs, state, memory, options);

  constructor(
    readonly config: Omit<DecoderConfig, "attentionUnits">,
    rng: Random,
    kernels: ModelKernels = PLAIN_KERNELS,
  ) {
    super();
    const { vocabSize: V, embeddingSize: E, hiddenSize: H } = config;
    this.embedding = this.addChild("embedding", new Embedding(V, E, rng));
    this.cell = this.addChild("rnn", kernels.makeCell(config.cell, E, H, rng));
    this.classifier = this.addChild("classifier", new Dense(H, V, rng));
  }

  /** Nothing to prepare: the encoder outputs are kept only to report the shape of no attention. */
  prepare(keys: tf.Tensor3D, mask: tf.Tensor2D): DecoderMemory {
    return { keys, mask };
  }

  /** The encoder's final state: the only thing the decoder learns of the source. */
  initialState(encoderState: RnnState): DecoderState {
    return { rnn: encoderState };
  }

  step(previous: tf.Tensor1D, state: DecoderState, memory: DecoderMemory, options: DropoutOptions = {}): DecoderStep {
    checkDecoderInputs(previous, state, memory, this.config.hiddenSize);
    const embedded = embedWords(this.embedding, previous, options); // [B,E]
    // Step 1: the RNN; step 2 (the classifier) is the model's `logits`.
    const rnn = decoderRnnStep(this.cell, embedded, state.rnn);
    return { state: { rnn }, features: rnn.h, attention: noAttention(memory) };
  }

  /**
   * All T steps under teacher forcing at once (nothing feeds back): the same numbers as T calls of `step`.
   * @param inputs `[B,T]` int32: _SOS and the target words, the previous word of every step
   * @returns features `[B,T,H]`
   */
  teacherForced(
    inputs: tf.Tensor2D,
    state: DecoderState,
    memory: DecoderMemory,
    options: DropoutOptions = {},
  ): { features: tf.Tensor3D } {
    checkDecoderInputs(inputs, state, memory, this.config.hiddenSize);
    return { features: rnnOverKnownWords(this.embedding, this.cell, inputs, state.rnn, options) };
  }
}
