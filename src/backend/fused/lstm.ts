/**
 * The fused LSTM: every step of a sequence in one kernel (forward), and one kernel for its gradient, in
 * which the recurrent weight gradient over all steps is one matrix product. A single step is the
 * sequence with T = 1. The gates and formulas are those of `LSTMCell` (src/nn/layers.ts), where the
 * step is taught; masked steps (mask 0) keep the previous state and output zeros, as in the encoder.
 *
 * Shapes: xProj `[B,T,4H]` (x·Wx + b, gates i f g o), h0 and c0 `[B,H]`, Wh `[H,4H]`, mask `[B,T]`;
 * outputs `[B,T,H]`, final h and c `[B,H]`; held for the gradient (see `asHeld`): activated gates
 * `[T,B,4H]`, the states hs and cs `[T+1,B,H]`.
 */
import * as tf from "@tensorflow/tfjs";
import type { NativeKernels } from "../native";
import { asHeld, f32, heldView, KernelArgs, makeOutputs, placeholder, runKernel, scratchBuffer } from "./heap";

export const LSTM_SEQUENCE = "WorkbookLstmSequence";
export const LSTM_SEQUENCE_GRAD = "WorkbookLstmSequenceGrad";

type LstmAttrs = { hasMask: boolean; T: number; B: number };
type LstmGradAttrs = LstmAttrs & { hasDOut: boolean; hasDh: boolean; hasDc: boolean };

export function lstmSequenceKernel(native: NativeKernels) {
  return ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] => {
    const { x, h0, c0, Wh, mask } = inputs as Record<string, tf.TensorInfo>;
    const { hasMask } = attrs as unknown as LstmAttrs;
    const [B, T, G] = x.shape;
    const H = G / 4;
    const outs = makeOutputs(backend, [
      [B, T, H],
      [B, H],
      [B, H],
      [T, B, G],
      [T + 1, B, H],
      [T + 1, B, H],
    ]);
    const [out, hT, cT, gates, hs, cs] = outs.map((t) => f32(backend, t));
    native.lstmForward(
      T,
      B,
      H,
      f32(backend, x),
      f32(backend, h0),
      f32(backend, c0),
      f32(backend, Wh),
      hasMask ? f32(backend, mask) : null,
      out,
      hT,
      cT,
      gates,
      hs,
      cs,
    );
    return [outs[0], outs[1], outs[2], ...outs.slice(3).map(asHeld)];
  };
}

export function lstmSequenceGradKernel(native: NativeKernels) {
  return ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] => {
    const { Wh, mask, gates, hs, cs, dOut, dh, dc } = inputs as Record<string, tf.TensorInfo>;
    const a = attrs as unknown as LstmGradAttrs;
    const [H, G] = Wh.shape;
    const { T, B } = a;
    const outs = makeOutputs(backend, [
      [B, T, G],
      [B, H],
      [B, H],
      [H, G],
    ]);
    const [dX, dh0, dc0, dWh] = outs.map((t) => f32(backend, t));
    native.lstmBackward(
      T,
      B,
      H,
      f32(backend, Wh),
      a.hasMask ? f32(backend, mask) : null,
      heldView(backend, gates, [T, B, G]),
      heldView(backend, hs, [T + 1, B, H]),
      heldView(backend, cs, [T + 1, B, H]),
      a.hasDOut ? f32(backend, dOut) : null,
      a.hasDh ? f32(backend, dh) : null,
      a.hasDc ? f32(backend, dc) : null,
      dX,
      dh0,
      dc0,
      dWh,
      scratchBuffer(T * B * G),
    );
    return outs;
  };
}

export const lstmSequenceGrad: tf.GradConfig = {
  kernelName: LSTM_SEQUENCE,
  inputsToSave: ["Wh", "mask"],
  outputsToSave: [false, false, false, true, true, true],
  gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const [dOut, dh, dc] = dys as Array<tf.Tensor | null>;
    const [Wh, mask, gates, hs, cs] = saved;
    const { hasMask, T, B } = attrs as unknown as LstmAttrs;
    const p = placeholder();
    const [dX, dh0, dc0, dWh] = runKernel(
      LSTM_SEQUENCE_GRAD,
      { Wh, mask, gates, hs, cs, dOut: dOut ?? p, dh: dh ?? p, dc: dc ?? p },
      { hasMask, T, B, hasDOut: dOut != null, hasDh: dh != null, hasDc: dc != null },
    );
    return { x: () => dX, h0: () => dh0, c0: () => dc0, Wh: () => dWh, mask: () => tf.zerosLike(mask) };
  },
};

/**
 * Runs the fused LSTM over a sequence.
 * @param xProj `[B,T,4H]` projected inputs; @param h0, c0 `[B,H]`; @param Wh `[H,4H]`; @param mask optional `[B,T]`
 * @returns outputs `[B,T,H]` (h at every step, times the mask) and the final state
 */
export function fusedLstmSequence(
  xProj: tf.Tensor3D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  Wh: tf.Tensor2D,
  mask?: tf.Tensor2D,
): { outputs: tf.Tensor3D; h: tf.Tensor2D; c: tf.Tensor2D } {
  const [B, T] = xProj.shape;
  const [outputs, h, c, ...saved] = runKernel(
    LSTM_SEQUENCE,
    { x: xProj, h0, c0, Wh, mask: mask ?? placeholder() },
    { hasMask: mask !== undefined, T, B },
  );
  tf.dispose(saved); // the tape keeps its own references when it records
  return { outputs: outputs as tf.Tensor3D, h: h as tf.Tensor2D, c: c as tf.Tensor2D };
}
