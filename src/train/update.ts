/**
 * The update: the gradients clipped by their global norm, then one Adam step (Kingma & Ba 2015), as tfjs's
 * `AdamOptimizer` takes it, or the same step as one native kernel per variable for a model on the native
 * kernels (`fusedAdamStep`, models/fast.ts). Picked once, for the model the trainer trains.
 */
import * as tf from "@tensorflow/tfjs";
import { fusedAdamStep } from "../models/fast";
import type { ModelKernels } from "../models/kernels";

/** Applies gradients (by variable name) to the optimizer's variables, clipped to `clipNorm` (0 = no clipping), and disposes them. */
export type Update = (optimizer: tf.AdamOptimizer, grads: Record<string, tf.Tensor>, clipNorm: number) => void;

/** Scales the gradients by `min(1, clipNorm / norm)`, norm the global L2 norm of all of them. */
export function clipByGlobalNorm(grads: Record<string, tf.Tensor>, clipNorm: number): Record<string, tf.Tensor> {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
    const scale = tf.minimum(1, tf.div(clipNorm, tf.maximum(norm, 1e-12)));
    const out: Record<string, tf.Tensor> = {};
    for (const [k, g] of Object.entries(grads)) out[k] = tf.mul(g, scale);
    return out;
  });
}

/** Clipping, then tfjs's Adam: the formulas as ops. */
export const adamUpdate: Update = (optimizer, grads, clipNorm) => {
  const clipped = clipNorm ? clipByGlobalNorm(grads, clipNorm) : grads;
  optimizer.applyGradients(clipped as unknown as Parameters<tf.AdamOptimizer["applyGradients"]>[0]);
  tf.dispose([...Object.values(grads), ...(clipped === grads ? [] : Object.values(clipped))]);
};

/** The same update as one kernel per variable. */
export const fusedAdamUpdate: Update = (optimizer, grads, clipNorm) => {
  fusedAdamStep(optimizer, grads, clipNorm);
  tf.dispose(Object.values(grads));
};

/** The update for a model's kernels. */
export function chooseUpdate(kernels: ModelKernels): Update {
  return kernels.name === "fused" ? fusedAdamUpdate : adamUpdate;
}
