/**
 * The Bahdanau decoder (Bahdanau et al. 2015), numbered as notebook 01 numbers the steps (step 1, the
 * encoder hidden states, is the encoder's: models/encoder.ts). For each output word:
 * 2. alignment scores from the **previous** decoder hidden state s_{t-1} and every encoder output;
 * 3. softmax -> attention weights; 4. context vector;
 * 5. decoding with the context: the context concatenated with the embedding of the previous output word
 *    (`rnnInputWithContext`), the RNN step -> s_t (`decoderRnnStep`), and the classifier turns s_t into word
 *    scores (`wordScores`, in the model's `logits`); 6. repeat until _EOS.
 * Steps 2-4 are the attention layer's; step 5's functions are in ./decoder-steps.
 *
 * With `deepOutput`, the classifier reads the paper's deep output instead (Bahdanau et al. 2015, appendix A.2.2):
 * t̃ = [s_{t-1}; E y_{t-1}; c_t]·Wo (the paper's U_o s + V_o E y + C_o c), t = maxout over pairs of t̃,
 * and the classifier turns t into word scores.
 */
import * as tf from "@tensorflow/tfjs";
import { Module } from "../nn/module";
import { CellType, Dense, Embedding, RecurrentCell, RnnState, DropoutOptions } from "../nn/layers";
import { ModelKernels, PLAIN_KERNELS } from "./kernels";
import { BahdanauAttention } from "../attention/layers";
import { Random } from "../util/random";
import type { AttentionDecoder, DecoderMemory, DecoderState, DecoderStep } from "./decoder";
import { checkDecoderInputs, embedWords } from "./decoder";
import { decoderRnnStep, rnnInputWithContext } from "./decoder-steps";

export interface DecoderConfig {
  vocabSize: number;
  embeddingSize: number;
  hiddenSize: number;
  /** Hk, the encoder output size. */
  keySize: number;
  attentionUnits: number;
  cell: CellType;
  /** The paper's deep output layer g(y_{t-1}, s_{t-1}, c_t) with a maxout (Bahdanau only). */
  deepOutput?: boolean;
}

export class BahdanauDecoder extends Module implements AttentionDecoder {
  readonly embedding: Embedding;
  readonly attention: BahdanauAttention;
  readonly cell: RecurrentCell;
  readonly classifier: Dense;
  /** With `deepOutput`: Wo `[H+E+Hk, 2H]`, the maxout's pre-activation. */
  readonly deepOutput?: Dense;

  constructor(
    readonly config: DecoderConfig,
    rng: Random,
    kernels: ModelKernels = PLAIN_KERNELS,
  ) {
    super();
    const { vocabSize: V, embeddingSize: E, hiddenSize: H, keySize: Hk, attentionUnits: U } = config;
    this.embedding = this.addChild("embedding", new Embedding(V, E, rng));
    this.attention = this.addChild(
      "attention",
      new BahdanauAttention({ querySize: H, keySize: Hk, units: U, seed: rng.seed() }, kernels.additive),
    );
    this.cell = this.addChild("rnn", kernels.makeCell(config.cell, E + Hk, H, rng));
    if (config.deepOutput) this.deepOutput = this.addChild("deepOutput", new Dense(H + E + Hk, 2 * H, rng));
    this.classifier = this.addChild("classifier", new Dense(H, V, rng));
  }

  prepare(keys: tf.Tensor3D, mask: tf.Tensor2D): DecoderMemory {
    return { keys, mask, ...this.attention.prepare(keys, mask) };
  }

  initialState(encoderState: RnnState): DecoderState {
    return { rnn: encoderState };
  }

  /**
   * One output word: steps 2-5 from the previous word and state. Decoding repeats it until _EOS.
   *
   * Defined in notebook 01, step 6 (repeat); the notebook's `startDecoding` walk calls it once per word.
   */
  step(previous: tf.Tensor1D, state: DecoderState, memory: DecoderMemory, options: DropoutOptions = {}): DecoderStep {
    checkDecoderInputs(previous, state, memory, this.config.hiddenSize);
    const embedded = embedWords(this.embedding, previous, options); // [B,E]
    // Steps 2-4: attention from the previous hidden state.
    const attention = this.attention.call(state.rnn.h, memory.keys, memory);
    // Step 5: [embedding; context] into the RNN.
    const rnn = decoderRnnStep(this.cell, rnnInputWithContext(embedded, attention.context), state.rnn);
    // Step 5, the classifier's input: s_t, or the paper's deep output from s_{t-1}, the previous word and the context.
    const features = this.deepOutput
      ? maxout(this.deepOutput.apply(tf.concat([state.rnn.h, embedded, attention.context], 1) as tf.Tensor2D))
      : rnn.h;
    return { state: { rnn }, features, attention };
  }
}

/** Maxout over neighbouring pairs: `[B,2L]` -> `[B,L]`, each output the larger of two inputs. */
export function maxout(x: tf.Tensor2D): tf.Tensor2D {
  const [B, twoL] = x.shape;
  if (twoL % 2 !== 0) throw new Error(`maxout: expected [B,2L] with an even size, got [${x.shape}]`);
  return tf.max(x.reshape([B, twoL / 2, 2]), 2) as tf.Tensor2D;
}
