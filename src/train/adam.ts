/**
 * Adam (Kingma & Ba 2015) with gradient clipping by global norm, as tfjs's `AdamOptimizer` computes it,
 * with one fused kernel per variable (src/backend/fused/adam.ts) instead of about a dozen ops. It works on
 * the optimizer's own moment variables, so checkpoints, `getWeights` and `setWeights` see the same state
 * whichever path took the step:
 *
 *   m ← β1·m + (1-β1)·g;  v ← β2·v + (1-β2)·g²;  w ← w - lr·(m / (1-β1ᵗ)) / (sqrt(v / (1-β2ᵗ)) + ε)
 */
import * as tf from "@tensorflow/tfjs";
import { fusedAdamUpdate } from "../backend/fused";
import { nativeKernels } from "../backend/native";

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
export function globalNorm(grads: tf.Tensor[]): number {
  const native = nativeKernels()!;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- reads the wasm backend's private tensor data map, which tfjs does not type
  const backend = tf.backend() as any;
  let sum = 0;
  for (const g of grads) sum += native.sumOfSquares(backend.typedArrayFromHeap(g), g.size);
  return Math.sqrt(sum);
}

/**
 * One Adam step on `grads` (variable name -> gradient, in the same order every step), after scaling them
 * by `min(1, clipNorm / norm)` when `clipNorm` > 0. Needs the fused kernels (wasm + native addon).
 */
export function fusedAdamStep(optimizer: tf.AdamOptimizer, grads: Record<string, tf.Tensor>, clipNorm: number): void {
  const opt = optimizer as unknown as AdamInternals;
  const names = Object.keys(grads);
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
  names.forEach((name, i) => {
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
