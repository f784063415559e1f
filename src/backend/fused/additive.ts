/**
 * The additive (Bahdanau / Luong concat) score as one kernel: `scores[b,t,s] = Σ_u v[u]·tanh(keys[b,s,u] +
 * queries[b,t,u])`, from already projected keys `[B,S,U]` and queries `[B,T,U]`, and one kernel for its
 * gradient. The formula is taught in src/attention/scores.ts (`additiveScores`), which calls this.
 */
import * as tf from "@tensorflow/tfjs";
import type { NativeKernels } from "../native";
import { asHeld, f32, heldView, KernelArgs, makeOutputs, runKernel } from "./heap";

export const ADDITIVE_SCORES = "WorkbookAdditiveScores";
export const ADDITIVE_SCORES_GRAD = "WorkbookAdditiveScoresGrad";

export function additiveScoresKernel(native: NativeKernels) {
  return ({ inputs, backend }: KernelArgs): tf.TensorInfo[] => {
    const { keys, queries, v } = inputs as Record<string, tf.TensorInfo>;
    const [B, S, U] = keys.shape;
    const T = queries.shape[1];
    const outs = makeOutputs(backend, [
      [B, T, S],
      [B, T, S, U],
    ]);
    const [scores, tanh] = outs.map((t) => f32(backend, t));
    native.additiveForward(B, T, S, U, f32(backend, keys), f32(backend, queries), f32(backend, v), scores, tanh);
    return [outs[0], asHeld(outs[1])];
  };
}

export function additiveScoresGradKernel(native: NativeKernels) {
  return ({ inputs, backend }: KernelArgs): tf.TensorInfo[] => {
    const { dScores, tanh, v } = inputs as Record<string, tf.TensorInfo>;
    const [B, T, S] = dScores.shape;
    const U = v.shape[0];
    const outs = makeOutputs(backend, [[B, S, U], [B, T, U], [U]]);
    const [dKeys, dQueries, dv] = outs.map((t) => f32(backend, t));
    native.additiveBackward(
      B,
      T,
      S,
      U,
      f32(backend, dScores),
      heldView(backend, tanh, [B, T, S, U]),
      f32(backend, v),
      dKeys,
      dQueries,
      dv,
    );
    return outs;
  };
}

export const additiveScoresGrad: tf.GradConfig = {
  kernelName: ADDITIVE_SCORES,
  inputsToSave: ["v"],
  outputsToSave: [false, true],
  gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const [dScores] = dys as tf.Tensor[];
    const [v, tanh] = saved;
    const [dKeys, dQueries, dv] = runKernel(ADDITIVE_SCORES_GRAD, { dScores, tanh, v });
    return { keys: () => dKeys, queries: () => dQueries, v: () => dv };
  },
};

/** @param keys `[B,S,U]`; @param queries `[B,T,U]`; @param v `[U]`; @returns scores `[B,T,S]`. */
export function fusedAdditiveScores(keys: tf.Tensor3D, queries: tf.Tensor3D, v: tf.Tensor1D): tf.Tensor3D {
  const [scores, tanh] = runKernel(ADDITIVE_SCORES, { keys, queries, v });
  tanh.dispose();
  return scores as tf.Tensor3D;
}
