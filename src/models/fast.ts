/**
 * The fast path, in one place: the formulas of the teaching code run as native kernels (src/backend/fused,
 * native/kernels.cc) where the wasm backend has them. Nothing else outside src/backend imports them. A model
 * picks its kernels once, when it is built (`chooseKernels`, called by `Seq2Seq`), and keeps them.
 *
 * | fast version | the formula it runs | taught in |
 * |---|---|---|
 * | `FusedLSTMCell` | `LSTMCell.step` (src/nn/layers.ts), every step of a sequence in one kernel | notebook 01, step 5 |
 * | `fusedAdditive` | `additiveScores` (src/attention/scores.ts) | notebook 01, step 2; notebook 02 (concat) |
 * | `fusedClassifierLoss` | `classifierCrossEntropy` (src/nn/losses.ts) | notebook 04 |
 * | `luongGuesser` | `Seq2Seq.unrolled` fed its own guesses, without gradient | notebook 09 |
 * | `fusedAdamStep` | tfjs's `AdamOptimizer` with clipping (src/train/update.ts) | notebook 04 |
 *
 * Each computes what the plain version computes, to 1e-4 with gradients (test/fused-kernels.test.ts).
 */
import * as tf from "@tensorflow/tfjs";
import {
  fusedAdamUpdate,
  fusedAdditiveScores,
  fusedClassifierCrossEntropy,
  fusedKernelsActive,
  fusedLstmSequence,
  fusedLuongGreedy,
  GreedyScore,
} from "../backend/fused";
import { nativeKernels } from "../backend/native";
import { CellType, Dense, LSTMCell, makeCell, RecurrentCell, RnnState } from "../nn/layers";
import { classifierCrossEntropy } from "../nn/losses";
import type { Random } from "../util/random";
import { ModelKernels, PLAIN_KERNELS } from "./kernels";
import type { AttentionDecoder, GuessAll } from "./decoder";
import { LuongDecoder } from "./luong-decoder";

/** Stops a model built for the native kernels from running after the backend changed (they exist only on wasm). */
function requireFused(what: string): void {
  if (!fusedKernelsActive())
    throw new Error(
      `${what}: this model was built to run on the native kernels (wasm), but the backend is now '${tf.getBackend()}'; build or load the model again after choosing the backend`,
    );
}

/** `LSTMCell` with every step of a sequence in one native kernel (the same formula, in C++). */
export class FusedLSTMCell extends LSTMCell {
  override step(xProjected: tf.Tensor2D, state: RnnState): RnnState {
    const [B, G] = xProjected.shape;
    const r = this.sequence(xProjected.reshape([B, 1, G]) as tf.Tensor3D, state);
    return { h: r.state.h, c: r.state.c };
  }

  override sequence(
    xProjected: tf.Tensor3D,
    state: RnnState,
    options: { mask?: tf.Tensor2D; reverse?: boolean } = {},
  ): { outputs: tf.Tensor3D; state: RnnState } {
    requireFused("FusedLSTMCell");
    // A reversed sequence is run forwards over reversed inputs.
    const flip = <T extends tf.Tensor>(x: T): T => (options.reverse ? (tf.reverse(x, 1) as T) : x);
    const mask = options.mask ? (options.mask.dtype === "float32" ? options.mask : options.mask.toFloat()) : undefined;
    const r = fusedLstmSequence(flip(xProjected), state.h, state.c!, this.Wh as tf.Tensor2D, mask && flip(mask));
    return { outputs: flip(r.outputs), state: { h: r.h, c: r.c } };
  }
}

/** Fused LSTM cells; GRU cells have no fused kernel and run their formula. */
function fusedCell(type: CellType, inputSize: number, hiddenSize: number, rng: Random): RecurrentCell {
  return type === "lstm" ? new FusedLSTMCell(inputSize, hiddenSize, rng) : makeCell(type, inputSize, hiddenSize, rng);
}

/** `additiveScores` as one kernel: keysProjected `[B,S,U]`, queriesProjected `[B,T,U]`, v `[U]` -> `[B,T,S]`. */
export function fusedAdditive(keysProjected: tf.Tensor3D, queriesProjected: tf.Tensor3D, v: tf.Tensor1D): tf.Tensor3D {
  requireFused("fusedAdditive");
  return fusedAdditiveScores(keysProjected, queriesProjected, v);
}

/** `classifierCrossEntropy` as one kernel (the classifier's product and bias, then the loss of each row). */
export function fusedClassifierLoss(
  features: tf.Tensor2D,
  classifier: Dense,
  labels: tf.Tensor1D,
  labelSmoothing: number,
): tf.Scalar {
  if (!classifier.b) return classifierCrossEntropy(features, classifier, labels, labelSmoothing);
  requireFused("fusedClassifierLoss");
  return tf.tidy(
    () =>
      tf.mean(
        fusedClassifierCrossEntropy(
          features,
          classifier.W as tf.Tensor2D,
          classifier.b as tf.Tensor1D,
          labels.toInt(),
          labelSmoothing,
        ),
      ) as tf.Scalar,
  );
}

/**
 * A Luong decoder's free-running pass in one kernel, where one exists: an LSTM, no input feeding, and
 * global attention with the dot, general or concat score (not location, not local attention). The kernel
 * packs the decoder's weights into one native call.
 */
export function luongGuesser(decoder: AttentionDecoder): GuessAll | undefined {
  if (!(decoder instanceof LuongDecoder)) return undefined;
  const { inputFeeding, score, local } = decoder.config;
  if (inputFeeding || local || !(decoder.cell instanceof LSTMCell) || score === "concat-shared" || score === "location")
    return undefined;
  // The kernel computes h̃ = tanh([c; h]·Wc); the tutorial's output layer has no Wc.
  const combine = decoder.combine;
  if (!combine) return undefined;
  const cell = decoder.cell;
  return (inputs, force, state, memory) => {
    requireFused("luongGuesser");
    if (!memory.maskBias) throw new Error("luongGuesser: the memory has no maskBias (use decoder.prepare(keys, mask))");
    const a = decoder.attention;
    return fusedLuongGreedy(
      score as GreedyScore,
      inputs,
      force,
      state.rnn.h,
      state.rnn.c!,
      memory.keys,
      memory.maskBias,
      {
        embeddings: decoder.embedding.table as tf.Tensor2D,
        Wx: cell.Wx as tf.Tensor2D,
        b: cell.b as tf.Tensor1D,
        Wh: cell.Wh as tf.Tensor2D,
        Wc: combine.W as tf.Tensor2D,
        classifierW: decoder.classifier.W as tf.Tensor2D,
        classifierB: decoder.classifier.b as tf.Tensor1D,
        Wa: score === "general" ? (a.Wa as tf.Tensor2D) : undefined,
        WaQuery: memory.WaQuery,
        v: a.v as tf.Tensor1D | undefined,
        keysProjected: memory.keysProjected,
      },
    );
  };
}

/** The native kernels of the same formulas (wasm with the addon built). */
export const FUSED_KERNELS: ModelKernels = {
  name: "fused",
  makeCell: fusedCell,
  additive: fusedAdditive,
  classifierLoss: fusedClassifierLoss,
  guesser: luongGuesser,
  parts: [
    "LSTM step: fused native kernel (the formula of notebook 01, step 5, in C++; FusedLSTMCell, src/models/fast.ts)",
    "additive score: fused native kernel (additiveScores of notebook 01, step 2, in C++)",
    "classifier and loss: fused native kernel (classifierCrossEntropy, in C++)",
    "free-running guesses (Luong, LSTM, no input feeding): one native kernel, without dropout or gradient",
  ],
};

/** The kernels a model built now runs: the native ones where the wasm backend has them, else the formulas. */
export function chooseKernels(): ModelKernels {
  return fusedKernelsActive() ? FUSED_KERNELS : PLAIN_KERNELS;
}

/** What a model built now would run, one line per part (for `describeBackend`'s readers and notebooks 04/05). */
export function describeKernels(kernels: ModelKernels = chooseKernels()): string {
  return kernels.parts.join("\n");
}

/** The internals of tfjs 4's AdamOptimizer that the fused step reads and updates. */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  incrementIterations(): void;
}

/** The global L2 norm of the gradients, read in place (no kernels). */
function globalNorm(grads: tf.Tensor[]): number {
  const native = nativeKernels()!;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- reads the wasm backend's private tensor data map, which tfjs does not type
  const backend = tf.backend() as any;
  let sum = 0;
  for (const g of grads) sum += native.sumOfSquares(backend.typedArrayFromHeap(g), g.size);
  return Math.sqrt(sum);
}

/**
 * One Adam step (Kingma & Ba 2015) as tfjs's `AdamOptimizer` computes it, one kernel per variable instead of
 * about a dozen ops, after scaling the gradients by `min(1, clipNorm / norm)` when `clipNorm` > 0. It works
 * on the optimizer's own moment variables, so checkpoints, `getWeights` and `setWeights` see the same state
 * whichever path took the step:
 *
 *   m ← β1·m + (1-β1)·g;  v ← β2·v + (1-β2)·g²;  w ← w - lr·(m / (1-β1ᵗ)) / (sqrt(v / (1-β2ᵗ)) + ε)
 *
 * @param grads variable name -> gradient, in the same order every step
 */
export function fusedAdamStep(optimizer: tf.AdamOptimizer, grads: Record<string, tf.Tensor>, clipNorm: number): void {
  requireFused("fusedAdamStep");
  const opt = optimizer as unknown as AdamInternals;
  const scale = clipNorm ? Math.min(1, clipNorm / Math.max(globalNorm(Object.values(grads)), 1e-12)) : 1;
  const accBeta1 = opt.accBeta1.dataSync()[0],
    accBeta2 = opt.accBeta2.dataSync()[0];
  const attrs = {
    scale,
    learningRate: opt.learningRate,
    beta1: opt.beta1,
    beta2: opt.beta2,
    epsilon: opt.epsilon,
    oneMinusAccBeta1: Math.fround(1 - accBeta1),
    oneMinusAccBeta2: Math.fround(1 - accBeta2),
  };
  Object.keys(grads).forEach((name, i) => {
    const value = tf.engine().registeredVariables[name];
    const moment = (slot: "accumulatedFirstMoment" | "accumulatedSecondMoment", suffix: string) => {
      opt[slot][i] ??= {
        originalName: `${name}/${suffix}`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      return opt[slot][i]!.variable;
    };
    const m = moment("accumulatedFirstMoment", "m"),
      v = moment("accumulatedSecondMoment", "v");
    const [newValue, newM, newV] = fusedAdamUpdate(value, m, v, grads[name], attrs);
    value.assign(newValue);
    m.assign(newM);
    v.assign(newV);
    tf.dispose([newValue, newM, newV]);
  });
  tf.tidy(() => {
    opt.accBeta1.assign(tf.scalar(accBeta1 * opt.beta1));
    opt.accBeta2.assign(tf.scalar(accBeta2 * opt.beta2));
  });
  opt.incrementIterations();
}
