/**
 * The encoder: an embedding, then an LSTM (or GRU), optionally bidirectional. Its outputs at every
 * source position are the "encoder hidden states" of step 1 in both tutorials: the keys attention
 * looks at.
 */
import * as tf from "@tensorflow/tfjs";
import { Module } from "../nn/module";
import { CellType, Dense, Embedding, RecurrentCell, RnnState, DropoutOptions } from "../nn/layers";
import { ModelKernels, PLAIN_KERNELS } from "./kernels";
import { Random } from "../util/random";
import { ShapeChecker } from "../util/shapes";
import { tidy } from "../util/tidy";

export interface EncoderConfig {
  vocabSize: number;
  embeddingSize: number;
  hiddenSize: number;
  cell: CellType;
  bidirectional: boolean;
  /**
   * Bidirectional only: how the decoder's start state is made. "both" (default): tanh of a dense layer over
   * both directions' final states. "backward": the paper's s_0 = tanh(Ws·h←_1), from the backward state at
   * the first word only (Bahdanau et al. 2015, appendix A.2.2).
   */
  startState?: "both" | "backward";
}

export interface EncoderOutput {
  /** `[B,S,Hk]` encoder hidden states, Hk = H (or 2H when bidirectional); zeros at padding. */
  outputs: tf.Tensor3D;
  /** The decoder's initial state `[B,H]` (the last real step; bridged from both directions when bidirectional). */
  state: RnnState;
}

export class Encoder extends Module {
  readonly embedding: Embedding;
  readonly forward: RecurrentCell;
  readonly backward?: RecurrentCell;
  readonly bridgeH?: Dense;
  readonly bridgeC?: Dense;

  constructor(
    readonly config: EncoderConfig,
    rng: Random,
    kernels: ModelKernels = PLAIN_KERNELS,
  ) {
    super();
    const { vocabSize, embeddingSize: E, hiddenSize: H } = config;
    this.embedding = this.addChild("embedding", new Embedding(vocabSize, E, rng));
    this.forward = this.addChild("forward", kernels.makeCell(config.cell, E, H, rng));
    if (config.bidirectional) {
      this.backward = this.addChild("backward", kernels.makeCell(config.cell, E, H, rng));
      const from = config.startState === "backward" ? H : 2 * H;
      this.bridgeH = this.addChild("bridgeH", new Dense(from, H, rng));
      if (config.cell === "lstm") this.bridgeC = this.addChild("bridgeC", new Dense(from, H, rng));
    }
  }

  /** Size of each encoder output (Hk). */
  get outputSize(): number {
    return this.config.bidirectional ? 2 * this.config.hiddenSize : this.config.hiddenSize;
  }

  /**
   * The encoder hidden states of a batch of source sentences, and the final state the decoder starts from.
   *
   * Defined in notebook 01, step 1 and notebook 02, step 1 (the encoder hidden states); the notebooks reach
   * it through `startDecoding`, which encodes the sentence it is given.
   *
   * @param source `[B,S]` int32 token ids (right-padded with _PAD)
   * @param sourceMask `[B,S]` 1 for real tokens, 0 for padding
   */
  encode(source: tf.Tensor2D, sourceMask: tf.Tensor2D, options: DropoutOptions = {}): EncoderOutput {
    new ShapeChecker().check("source", source, ["B", "S"]).check("sourceMask", sourceMask, ["B", "S"]);
    return tidy(() => {
      const [B, S] = source.shape;
      const E = this.config.embeddingSize;
      let emb = this.embedding.apply(source).reshape([B * S, E]) as tf.Tensor2D;
      if (options.dropout) emb = tf.dropout(emb, options.dropout, undefined, options.seed) as tf.Tensor2D;
      const mask = sourceMask.toFloat() as tf.Tensor2D;
      const project = (cell: RecurrentCell) => cell.projectInput(emb).reshape([B, S, -1]) as tf.Tensor3D;
      const fwd = this.forward.sequence(project(this.forward), this.forward.zeroState(B), { mask });
      if (!this.backward) return fwd;
      const bwd = this.backward.sequence(project(this.backward), this.backward.zeroState(B), { mask, reverse: true });
      const outputs = tf.concat([fwd.outputs, bwd.outputs], 2) as tf.Tensor3D;
      // The backward RNN ends at the first word: its final state is h←_1.
      const backwardOnly = this.config.startState === "backward";
      const hIn = backwardOnly ? bwd.state.h : (tf.concat([fwd.state.h, bwd.state.h], 1) as tf.Tensor2D);
      const h = tf.tanh(this.bridgeH!.apply(hIn)) as tf.Tensor2D;
      const cIn = backwardOnly
        ? bwd.state.c
        : fwd.state.c && (tf.concat([fwd.state.c, bwd.state.c!], 1) as tf.Tensor2D);
      const c = this.bridgeC && cIn ? this.bridgeC.apply(cIn) : undefined;
      return { outputs, state: { h, c } };
    });
  }
}
