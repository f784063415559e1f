/**
 * The previous word of every decoder step when a Luong decoder without input feeding is fed its own
 * guesses (free running), in one kernel: the T steps of LSTM, attention (dot, general or concat), h̃ and
 * classifier, each ending in an argmax. It computes no gradient: training then runs all steps at once on
 * the chosen words (src/models/seq2seq.ts). The step it repeats is taught in src/models/luong-decoder.ts.
 */
import * as tf from "@tensorflow/tfjs";
import type { NativeKernels } from "../native";
import { f32, i32, KernelArgs, makeOutputs, placeholder } from "./heap";

export const LUONG_GREEDY = "WorkbookLuongGreedy";

export const GREEDY_SCORES = { dot: 0, general: 1, concat: 2 } as const;
export type GreedyScore = keyof typeof GREEDY_SCORES;

export interface LuongGreedyWeights {
  embeddings: tf.Tensor2D;
  Wx: tf.Tensor2D;
  b: tf.Tensor1D;
  Wh: tf.Tensor2D;
  /** `[Hk+H,H]`, context rows first. */
  Wc: tf.Tensor2D;
  classifierW: tf.Tensor2D;
  classifierB: tf.Tensor1D;
  /** general: `[H,Hk]`. */
  Wa?: tf.Tensor2D;
  /** concat: `[H,U]` and `[U]`, with keysProjected `[B,S,U]`. */
  WaQuery?: tf.Tensor2D;
  v?: tf.Tensor1D;
  keysProjected?: tf.Tensor3D;
}

export function luongGreedyKernel(native: NativeKernels) {
  return ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo => {
    const t = inputs as Record<string, tf.TensorInfo>;
    const { score, force } = attrs as unknown as { score: GreedyScore; force: number[] };
    const [B, T] = t.inputs.shape;
    const [, S, Hk] = t.keys.shape;
    const [E, G] = t.Wx.shape;
    const H = G / 4;
    const V = t.classifierW.shape[1];
    const kind = GREEDY_SCORES[score];
    const U = kind === 2 ? t.v.shape[0] : 0;
    const [chosen] = makeOutputs(backend, [[B, T]], "int32");
    const opt = (name: string, needed: boolean) => (needed ? f32(backend, t[name]) : null);
    native.luongGreedy(
      B,
      T,
      S,
      E,
      H,
      Hk,
      U,
      V,
      kind,
      f32(backend, t.embeddings),
      f32(backend, t.Wx),
      f32(backend, t.b),
      f32(backend, t.Wh),
      f32(backend, t.h0),
      f32(backend, t.c0),
      f32(backend, t.keys),
      opt("keysProjected", kind === 2),
      opt("WaQuery", kind === 2),
      opt("v", kind === 2),
      opt("Wa", kind === 1),
      f32(backend, t.maskBias),
      f32(backend, t.Wc),
      f32(backend, t.classifierW),
      f32(backend, t.classifierB),
      i32(backend, t.inputs),
      Int32Array.from(force),
      i32(backend, chosen),
    );
    return chosen;
  };
}

/**
 * @param inputs `[B,T]` int32: _SOS and the true previous words
 * @param force for steps 0..T-2: whether step t+1 gets the true word (else the model's guess)
 * @param h0, c0 `[B,H]`; keys `[B,S,Hk]`; maskBias `[B,S]`
 * @returns `[B,T]` int32: the previous word each step was fed
 */
export function fusedLuongGreedy(
  score: GreedyScore,
  inputs: tf.Tensor2D,
  force: boolean[],
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  keys: tf.Tensor3D,
  maskBias: tf.Tensor2D,
  w: LuongGreedyWeights,
): tf.Tensor2D {
  const p = placeholder();
  const named: Record<string, tf.Tensor> = {
    inputs,
    h0,
    c0,
    keys,
    maskBias,
    embeddings: w.embeddings,
    Wx: w.Wx,
    b: w.b,
    Wh: w.Wh,
    Wc: w.Wc,
    classifierW: w.classifierW,
    classifierB: w.classifierB,
    Wa: w.Wa ?? p,
    WaQuery: w.WaQuery ?? p,
    v: w.v ?? p,
    keysProjected: w.keysProjected ?? p,
  };
  const out = tf
    .engine()
    .runKernel(
      LUONG_GREEDY,
      named as tf.NamedTensorMap,
      { score, force: force.map(Number) } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor2D;
  p.dispose();
  return out;
}
