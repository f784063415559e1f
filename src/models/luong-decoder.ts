/**
 * The Luong decoder (Luong et al. 2015: global attention, or local attention with `local`), numbered as notebook 02 numbers the steps (step 1,
 * the encoder hidden states, is the encoder's: models/encoder.ts). For each output word:
 * 2. the RNN step first -> h_t (its input is the previous word's embedding, and with input feeding
 *    also the previous attentional hidden state h̃_{t-1});
 * 3. alignment scores from the **new** hidden state h_t (dot, general or concat);
 * 4. softmax -> attention weights; 5. context vector c_t;
 * 6. attentional hidden state h̃_t = tanh([c_t; h_t]·Wc) (`attentionalState`);
 * 7. the classifier turns h̃_t into word scores (`wordScores`, in the model's `logits`), then repeat until _EOS.
 * With `outputLayer: "tutorial"` there is no step 6: the classifier reads [h_t; c_t] as it is (size H+Hk), as
 * in the FloydHub tutorial's PyTorch decoder (`Linear(hidden*2, vocab)` on `cat(lstm_out, context)`, notebook 10).
 * Steps 2, 6 and 7 are the functions of ./decoder-steps; steps 3-5 are the attention layer's.
 */
import * as tf from "@tensorflow/tfjs";
import { Module } from "../nn/module";
import { Dense, Embedding, RecurrentCell, RnnState, DropoutOptions } from "../nn/layers";
import { ModelKernels, PLAIN_KERNELS } from "./kernels";
import { LuongAttention, LuongLocalAttention, LuongScoreKind } from "../attention/layers";
import type { LocalMode } from "../attention/local";
import { DEFAULT_WINDOW } from "./config";
import type { SequenceAttentionOutput } from "../attention/sequence";
import { Random } from "../util/random";
import { rnnOverKnownWords } from "./decoder";
import type { AllSteps, AttentionDecoder, DecoderMemory, DecoderState, DecoderStep, GuessAll } from "./decoder";
import { checkDecoderInputs, embedWords } from "./decoder";
import { attentionalState, decoderRnnStep } from "./decoder-steps";
import type { DecoderConfig } from "./bahdanau-decoder";

export interface LuongDecoderConfig extends DecoderConfig {
  score: LuongScoreKind;
  inputFeeding: boolean;
  /** Local attention (section 3.2): `monotonic` (local-m) or `predictive` (local-p); absent: global. */
  local?: LocalMode;
  /** Local attention: D, the window's half-width (default `DEFAULT_WINDOW`). */
  window?: number;
  /** The location score: the longest source (its Wa is `[H,Smax]`). */
  maxSourceLength?: number;
  /** "attentional" (default): h̃ = tanh([c; h]·Wc); "tutorial": [h; c] straight into the classifier. */
  outputLayer?: "attentional" | "tutorial";
}

export class LuongDecoder extends Module implements AttentionDecoder {
  readonly embedding: Embedding;
  readonly cell: RecurrentCell;
  readonly attention: LuongAttention;
  /** Wc `[Hk+H, H]`: `h̃ = tanh([context; h]·Wc)` (no bias, as in the paper's eq. 5); none with the tutorial's output layer. */
  readonly combine?: Dense;
  readonly classifier: Dense;
  /**
   * Without input feeding nothing feeds back into the RNN: teacher-forced steps run at once (`teacherForced`).
   * Absent for local attention, whose window moves with each step's p_t: it runs step by step.
   */
  readonly allSteps?: AllSteps;
  /** Set by the model where its kernels have a free-running pass in one call (models/fast.ts). */
  guessAll?: GuessAll;

  constructor(
    readonly config: LuongDecoderConfig,
    rng: Random,
    kernels: ModelKernels = PLAIN_KERNELS,
  ) {
    super();
    const { vocabSize: V, embeddingSize: E, hiddenSize: H, keySize: Hk, attentionUnits: U } = config;
    this.embedding = this.addChild("embedding", new Embedding(V, E, rng));
    this.cell = this.addChild("rnn", kernels.makeCell(config.cell, config.inputFeeding ? E + H : E, H, rng));
    const sizes = { querySize: H, keySize: Hk, units: U, maxSourceLength: config.maxSourceLength, seed: rng.seed() };
    this.attention = this.addChild(
      "attention",
      config.local
        ? new LuongLocalAttention(config.local, config.window ?? DEFAULT_WINDOW, sizes, config.score, kernels.additive)
        : new LuongAttention(config.score, sizes, kernels.additive),
    );
    if (!config.inputFeeding && !config.local)
      this.allSteps = (inputs, state, memory, options) => this.teacherForced(inputs, state, memory, options);
    if (config.outputLayer === "tutorial") {
      if (config.inputFeeding) throw new Error(`LuongDecoder: outputLayer "tutorial" has no h̃ to feed back`);
      this.classifier = this.addChild("classifier", new Dense(H + Hk, V, rng));
    } else {
      this.combine = this.addChild("Wc", new Dense(Hk + H, H, rng, { bias: false }));
      this.classifier = this.addChild("classifier", new Dense(H, V, rng));
    }
  }

  prepare(keys: tf.Tensor3D, mask: tf.Tensor2D): DecoderMemory {
    return { keys, mask, ...this.attention.prepare(keys, mask) };
  }

  initialState(encoderState: RnnState): DecoderState {
    const B = encoderState.h.shape[0];
    return {
      rnn: encoderState,
      attentional: this.config.inputFeeding ? tf.zeros([B, this.config.hiddenSize]) : undefined,
      step: this.config.local ? 0 : undefined,
    };
  }

  step(previous: tf.Tensor1D, state: DecoderState, memory: DecoderMemory, options: DropoutOptions = {}): DecoderStep {
    checkDecoderInputs(previous, state, memory, this.config.hiddenSize);
    const embedded = embedWords(this.embedding, previous, options); // [B,E]
    // Step 2: the RNN first.
    const input = this.config.inputFeeding ? (tf.concat([embedded, state.attentional!], 1) as tf.Tensor2D) : embedded;
    const rnn = decoderRnnStep(this.cell, input, state.rnn);
    // Steps 3-5: attention from the new hidden state.
    // Local attention also needs the target position t (from 1) of this step.
    const t = this.config.local ? (state.step ?? 0) + 1 : undefined;
    const attention = this.attention.call(rnn.h, memory.keys, { ...memory, step: t });
    // Step 6: the attentional hidden state (the tutorial's output layer: [h; c] as it is).
    if (!this.combine)
      return { state: { rnn }, features: tf.concat([rnn.h, attention.context], 1) as tf.Tensor2D, attention };
    const attentional = attentionalState(attention.context, rnn.h, this.combine.W as tf.Tensor2D);
    return { state: { rnn, attentional, step: t }, features: attentional, attention };
  }

  /**
   * All T steps under teacher forcing, without input feeding: the RNN runs over the known previous words
   * first, then the attention of every step is one batched computation (`callSequence`). The same
   * numbers as T calls of `step` with those words; used by training.
   *
   * @param inputs `[B,T]` int32: _SOS and the target words, the previous word of every step
   * @returns features `[B,T,H]` (the attentional hidden states h̃; `[B,T,H+Hk]` with the tutorial's output
   *   layer) and the attention of every step
   */
  teacherForced(
    inputs: tf.Tensor2D,
    state: DecoderState,
    memory: DecoderMemory,
    options: DropoutOptions = {},
  ): { features: tf.Tensor3D; attention: SequenceAttentionOutput } {
    if (this.config.inputFeeding)
      throw new Error(
        "LuongDecoder.teacherForced: input feeding makes each step depend on the previous one's attention; use step()",
      );
    if (!memory.maskBias)
      throw new Error("LuongDecoder.teacherForced: the memory has no maskBias (use decoder.prepare(keys, mask))");
    checkDecoderInputs(inputs, state, memory, this.config.hiddenSize);
    const [B, T] = inputs.shape;
    const H = this.config.hiddenSize;
    // Step 2 for every t: the RNN.
    const queries = rnnOverKnownWords(this.embedding, this.cell, inputs, state.rnn, options); // [B,T,H]
    // Steps 3-5 for every t at once.
    const attention = this.attention.callSequence(queries, memory.keys, { ...memory, maskBias: memory.maskBias });
    // Step 6: h̃ = tanh([c; h]·Wc) on all B·T rows (the tutorial's output layer: [h; c] as it is).
    const Hk = memory.keys.shape[2];
    if (!this.combine) return { features: tf.concat([queries, attention.context], 2) as tf.Tensor3D, attention };
    const features = attentionalState(
      attention.context.reshape([B * T, Hk]),
      queries.reshape([B * T, H]),
      this.combine.W as tf.Tensor2D,
    ).reshape([B, T, H]) as tf.Tensor3D;
    return { features, attention };
  }
}
