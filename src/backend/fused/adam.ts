/**
 * One Adam update of one variable as one kernel: the new value and both moments from the old ones and the
 * gradient (times a clipping scale), with tfjs's AdamOptimizer arithmetic in float32. src/train/adam.ts
 * drives it for every variable of a step.
 */
import * as tf from "@tensorflow/tfjs";
import type { NativeKernels } from "../native";
import { f32, KernelArgs, makeOutputs, runKernel } from "./heap";

export const ADAM_UPDATE = "WorkbookAdamUpdate";

export interface AdamUpdateAttrs {
  /** Multiplies the gradient first (clipping by global norm). */
  scale: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 - beta1^step and 1 - beta2^step (bias corrections). */
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
}

export function adamUpdateKernel(native: NativeKernels) {
  return ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] => {
    const { value, m, v, grad } = inputs as Record<string, tf.TensorInfo>;
    const a = attrs as unknown as AdamUpdateAttrs;
    const outs = makeOutputs(backend, [value.shape, value.shape, value.shape]);
    const [ov, om, ovv] = outs.map((t) => f32(backend, t));
    const n = ov.length;
    native.adam(
      n,
      f32(backend, value),
      f32(backend, m),
      f32(backend, v),
      f32(backend, grad),
      a.scale,
      a.learningRate,
      a.beta1,
      a.beta2,
      a.epsilon,
      a.oneMinusAccBeta1,
      a.oneMinusAccBeta2,
      ov,
      om,
      ovv,
    );
    return outs;
  };
}

/** @returns the new value, first moment and second moment. */
export function fusedAdamUpdate(
  value: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  grad: tf.Tensor,
  attrs: AdamUpdateAttrs,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const [nv, nm, nvv] = runKernel(ADAM_UPDATE, { value, m, v, grad }, attrs as unknown as Record<string, unknown>);
  return [nv, nm, nvv];
}
