/**
 * What a model runs for the parts that have a faster version: the formulas as the notebooks teach them
 * (`PLAIN_KERNELS`, tfjs ops) or the same formulas as native kernels (`FUSED_KERNELS` in ./fast.ts). A model
 * picks one set when it is built (`Seq2Seq`) and records it in `model.kernels`; nothing checks again later.
 */
import type * as tf from "@tensorflow/tfjs";
import { CellFactory, makeCell } from "../nn/layers";
import { classifierCrossEntropy } from "../nn/losses";
import type { AdditiveScores } from "../attention/scores";
import type { AttentionDecoder, GuessAll } from "./decoder";

export interface ModelKernels {
  /** "plain": the formulas as written; "fused": native kernels of the same formulas (./fast.ts). */
  readonly name: "plain" | "fused";
  /** The recurrent cells of the encoder and the decoder. */
  readonly makeCell: CellFactory;
  /** The additive score (Bahdanau, Luong concat); undefined: the formula, `additiveScores`. */
  readonly additive?: AdditiveScores;
  /** The classifier and the training loss (`classifierCrossEntropy`'s arguments and result). */
  readonly classifierLoss: (
    features: tf.Tensor2D,
    classifier: Parameters<typeof classifierCrossEntropy>[1],
    labels: tf.Tensor1D,
    labelSmoothing: number,
  ) => tf.Scalar;
  /** A decoder's free-running pass in one call (`decoder.guessAll`), where this set has one for it. */
  readonly guesser?: (decoder: AttentionDecoder) => GuessAll | undefined;
  /** One line per part: what runs, and where its formula is taught. */
  readonly parts: readonly string[];
}

/** The formulas as the notebooks teach them, as tfjs ops: what runs on the cpu backend and without the addon. */
export const PLAIN_KERNELS: ModelKernels = {
  name: "plain",
  makeCell,
  classifierLoss: classifierCrossEntropy,
  parts: [
    "LSTM step: tfjs ops (LSTMCell.step, src/nn/layers.ts; notebook 01, step 5)",
    "additive score: tfjs ops (additiveScores, src/attention/scores.ts; notebook 01, step 2)",
    "classifier and loss: tfjs ops (classifierCrossEntropy, src/nn/losses.ts; notebook 04)",
    "free-running guesses: one decoder step at a time (Seq2Seq.unrolled, src/models/seq2seq.ts; notebook 09)",
  ],
};
