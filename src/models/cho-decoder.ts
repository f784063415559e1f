/**
 * The decoder of Cho et al. (2014), `attention: "none-cho"`: the RNN Encoder-Decoder that Bahdanau et al.
 * (2015) call RNNencdec and compare against in their Figure 2. Like `PlainDecoder` (Sutskever et al. 2014)
 * it has no attention, but it reads the summary c of the source at every step, not only at the start.
 *
 * Cho et al. (2014), section 2.2: the decoder's hidden state is `h⟨t⟩ = f(h⟨t−1⟩, y_{t−1}, c)` and the
 * next word's distribution is `P(y_t | y_{t−1}, …, y_1, c) = g(h⟨t⟩, y_{t−1}, c)`. In Bahdanau et al.'s
 * notation, `s_t = f(s_{t−1}, y_{t−1}, c)` and `p(y_t) = g(s_t, y_{t−1}, c)`. Each step here:
 * 1. the RNN step on `[E y_{t−1}; c]` -> s_t (c enters the RNN at every step, as the context does in
 *    Bahdanau's decoder, but it is the same c at every step);
 * 2. the features `[s_t; E y_{t−1}; c]`, which the classifier turns into word scores: g reads all three.
 *
 * What the workbook keeps and what it leaves out:
 * - c is the encoder's final hidden state h (Cho et al. take `c = tanh(V h⟨N⟩)`, one more layer);
 * - the decoder starts from the encoder's final state, as `PlainDecoder` does (Cho et al. start from
 *   `tanh(V′ c)`);
 * - g is one linear layer on `[s_t; E y_{t−1}; c]` then the softmax; the paper's g has a maxout layer
 *   (Cho et al., appendix A.1.1), as has Bahdanau's deep output, which the workbook offers only for Bahdanau;
 * - the RNN is the workbook's LSTM or GRU (Cho et al. introduced the GRU), with the same embedding and hidden
 *   sizes as the other decoders.
 * Nothing the RNN computes feeds back into it except the previous word, so teacher-forced training runs all
 * steps at once (`allSteps`).
 */
import * as tf from "@tensorflow/tfjs";
import { Module } from "../nn/module";
import { Dense, Embedding, RecurrentCell, RnnState, DropoutOptions } from "../nn/layers";
import { ModelKernels, PLAIN_KERNELS } from "./kernels";
import { Random } from "../util/random";
import type { AllSteps, AttentionDecoder, DecoderMemory, DecoderState, DecoderStep } from "./decoder";
import { checkDecoderInputs, embedWords } from "./decoder";
import { decoderRnnStep, rnnInputWithContext } from "./decoder-steps";
import type { DecoderConfig } from "./bahdanau-decoder";
import { noAttention } from "./plain-decoder";
import { ShapeChecker } from "../util/shapes";

export class ChoDecoder extends Module implements AttentionDecoder {
  readonly embedding: Embedding;
  /** The RNN, input `[E y_{t−1}; c]` of size E+H. */
  readonly cell: RecurrentCell;
  /** g: `[s_t; E y_{t−1}; c]` (size H+E+H) -> word scores. */
  readonly classifier: Dense;
  /** Only the previous word feeds back into the RNN: teacher-forced steps run at once. */
  readonly allSteps: AllSteps = (inputs, state, memory, options) => this.teacherForced(inputs, state, memory, options);

  constructor(
    readonly config: Omit<DecoderConfig, "attentionUnits">,
    rng: Random,
    kernels: ModelKernels = PLAIN_KERNELS,
  ) {
    super();
    const { vocabSize: V, embeddingSize: E, hiddenSize: H } = config;
    this.embedding = this.addChild("embedding", new Embedding(V, E, rng));
    this.cell = this.addChild("rnn", kernels.makeCell(config.cell, E + H, H, rng));
    this.classifier = this.addChild("classifier", new Dense(H + E + H, V, rng));
  }

  /**
   * The memory: the encoder outputs (kept only to report the shape of no attention) and the summary
   * c `[B,H]`, the encoder's final hidden state, which every step reads.
   */
  prepare(keys: tf.Tensor3D, mask: tf.Tensor2D, encoderState?: RnnState): DecoderMemory {
    if (!encoderState)
      throw new Error(
        "ChoDecoder.prepare: needs the encoder's final state, the summary c (prepare(keys, mask, state))",
      );
    // A copy: the memory and the state are kept and disposed apart (beam search, the walkthrough).
    return { keys, mask, summary: encoderState.h.clone() };
  }

  /** The decoder starts from the encoder's final state (Cho et al. start from tanh(V′c)). */
  initialState(encoderState: RnnState): DecoderState {
    return { rnn: encoderState };
  }

  step(previous: tf.Tensor1D, state: DecoderState, memory: DecoderMemory, options: DropoutOptions = {}): DecoderStep {
    checkDecoderInputs(previous, state, memory, this.config.hiddenSize);
    const c = this.summary(memory, previous.shape[0]);
    const embedded = embedWords(this.embedding, previous, options); // [B,E]
    // Step 1: s_t = f(s_{t−1}, y_{t−1}, c).
    const rnn = decoderRnnStep(this.cell, rnnInputWithContext(embedded, c), state.rnn);
    // Step 2: g reads [s_t; E y_{t−1}; c] (the classifier is the model's `logits`).
    const features = tf.concat([rnn.h, embedded, c], 1) as tf.Tensor2D;
    return { state: { rnn }, features, attention: noAttention(memory) };
  }

  /**
   * All T steps under teacher forcing at once: the same numbers as T calls of `step`.
   * @param inputs `[B,T]` int32: _SOS and the target words, the previous word of every step
   * @returns features `[B,T,H+E+H]`
   */
  teacherForced(
    inputs: tf.Tensor2D,
    state: DecoderState,
    memory: DecoderMemory,
    options: DropoutOptions = {},
  ): { features: tf.Tensor3D } {
    checkDecoderInputs(inputs, state, memory, this.config.hiddenSize);
    const [B, T] = inputs.shape;
    const { embeddingSize: E, hiddenSize: H } = this.config;
    const c = this.summary(memory, B);
    const embedded = embedWords(this.embedding, inputs.reshape([B * T]) as tf.Tensor1D, options); // [B·T,E]
    const cEvery = tf.tile(c.reshape([B, 1, H]), [1, T, 1]).reshape([B * T, H]) as tf.Tensor2D; // [B·T,H]
    const projected = this.cell.projectInput(tf.concat([embedded, cEvery], 1) as tf.Tensor2D).reshape([B, T, -1]);
    const s = this.cell.sequence(projected as tf.Tensor3D, state.rnn).outputs; // [B,T,H]
    const features = tf.concat([s, embedded.reshape([B, T, E]), cEvery.reshape([B, T, H])], 2) as tf.Tensor3D;
    return { features };
  }

  /** The summary c `[B,H]` from the memory, shape-checked. */
  private summary(memory: DecoderMemory, batch: number): tf.Tensor2D {
    const c = memory.summary;
    if (!c) throw new Error("ChoDecoder: the memory has no summary c (use decoder.prepare(keys, mask, encoderState))");
    new ShapeChecker({ B: batch, H: this.config.hiddenSize }).check("summary c", c, ["B", "H"]);
    return c;
  }
}
