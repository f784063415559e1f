/**
 * Small building blocks with their own weights: an embedding table, a dense (linear) layer, and LSTM /
 * GRU cells stepped one time step at a time (the tutorials' decoders need the step).
 */
import * as tf from "@tensorflow/tfjs";
import { Module } from "./module";
import { Random } from "../util/random";
import { ShapeChecker } from "../util/shapes";

/** `ids [B,...]` -> `[B,...,E]`. */
export class Embedding extends Module {
  readonly table: tf.Variable;
  constructor(
    readonly vocabSize: number,
    readonly size: number,
    rng: Random,
  ) {
    super();
    this.table = this.addWeight("embeddings", [vocabSize, size], { uniform: 0.1 }, rng);
  }
  apply(ids: tf.Tensor): tf.Tensor {
    return tf.gather(this.table, ids.toInt());
  }
}

/** Dropout while training: the rate, and the seed that makes it repeatable. */
export interface DropoutOptions {
  dropout?: number;
  seed?: number;
}

/** `x [N,in]` -> `x·W + b`, `[N,out]`. */
export class Dense extends Module {
  readonly W: tf.Variable;
  readonly b?: tf.Variable;
  constructor(
    readonly inputSize: number,
    readonly outputSize: number,
    rng: Random,
    options: { bias?: boolean } = {},
  ) {
    super();
    this.W = this.addWeight("W", [inputSize, outputSize], "glorotUniform", rng);
    if (options.bias ?? true) this.b = this.addWeight("b", [outputSize], "zeros", rng);
  }
  /** @param x `[N,in]` @returns `[N,out]` */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    new ShapeChecker().check("Dense input", x, ["N", this.inputSize]);
    const y = tf.matMul(x, this.W as tf.Tensor2D) as tf.Tensor2D;
    return this.b ? (tf.add(y, this.b) as tf.Tensor2D) : y;
  }
}

export interface RnnState {
  /** `[B,H]` hidden state. */
  h: tf.Tensor2D;
  /** `[B,H]` LSTM cell state (absent for GRU). */
  c?: tf.Tensor2D;
}

export type CellType = "lstm" | "gru";

/** A recurrent cell: inputs are projected for all time steps at once, then `step` runs one step. */
export interface RecurrentCell extends Module {
  readonly type: CellType;
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** `x [N,in]` -> the input part of the gates `[N,G·H]`, bias included. */
  projectInput(x: tf.Tensor2D): tf.Tensor2D;
  /** One step from projected inputs `[B,G·H]`. */
  step(xProjected: tf.Tensor2D, state: RnnState): RnnState;
  /**
   * Every step of a sequence, from projected inputs `[B,T,G·H]` (in order, or last step first with
   * `reverse`). Where `mask [B,T]` is 0 the state is kept and the output is 0 (padding).
   * @returns outputs `[B,T,H]` (in the input's time order) and the final state
   */
  sequence(
    xProjected: tf.Tensor3D,
    state: RnnState,
    options?: { mask?: tf.Tensor2D; reverse?: boolean },
  ): { outputs: tf.Tensor3D; state: RnnState };
  zeroState(batch: number): RnnState;
}

/**
 * `cell.step` over the time steps of `xProjected [B,T,G·H]`, one by one. Masked steps keep the state:
 * `state = state + m·(new - state)`, and output `h·m`.
 */
export function stepThrough(
  cell: RecurrentCell,
  xProjected: tf.Tensor3D,
  state: RnnState,
  options: { mask?: tf.Tensor2D; reverse?: boolean } = {},
): { outputs: tf.Tensor3D; state: RnnState } {
  const T = xProjected.shape[1];
  const inputs = tf.unstack(xProjected, 1) as tf.Tensor2D[];
  const masks = options.mask ? (tf.unstack(options.mask.toFloat().expandDims(2), 1) as tf.Tensor2D[]) : undefined;
  const order = Array.from({ length: T }, (_, t) => (options.reverse ? T - 1 - t : t));
  const outputs: tf.Tensor2D[] = new Array(T);
  for (const t of order) {
    const next = cell.step(inputs[t], state);
    if (!masks) {
      state = next;
      outputs[t] = next.h;
      continue;
    }
    const m = masks[t];
    const keep = (a: tf.Tensor2D, b: tf.Tensor2D) => tf.add(b, tf.mul(m, tf.sub(a, b))) as tf.Tensor2D;
    state = { h: keep(next.h, state.h), c: next.c && state.c ? keep(next.c, state.c) : undefined };
    outputs[t] = tf.mul(state.h, m) as tf.Tensor2D;
  }
  return { outputs: tf.stack(outputs, 1) as tf.Tensor3D, state };
}

/**
 * LSTM (Hochreiter & Schmidhuber 1997), gates in the order input, forget, candidate, output:
 * `[i f g o] = x·Wx + h·Wh + b`; `c' = σ(f)·c + σ(i)·tanh(g)`; `h' = σ(o)·tanh(c')`.
 * The forget-gate bias starts at 1.
 */
export class LSTMCell extends Module implements RecurrentCell {
  readonly type = "lstm";
  readonly Wx: tf.Variable;
  readonly Wh: tf.Variable;
  readonly b: tf.Variable;
  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    rng: Random,
  ) {
    super();
    const H = hiddenSize;
    this.Wx = this.addWeight("Wx", [inputSize, 4 * H], "glorotUniform", rng);
    this.Wh = this.addWeight("Wh", [H, 4 * H], "glorotUniform", rng);
    this.b = this.addWeight("b", [4 * H], "zeros", rng);
    const bias = new Float32Array(4 * H);
    bias.fill(1, H, 2 * H);
    tf.tidy(() => this.b.assign(tf.tensor1d(bias)));
  }
  projectInput(x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(x, this.Wx as tf.Tensor2D), this.b);
  }
  step(xProjected: tf.Tensor2D, state: RnnState): RnnState {
    const gates = tf.add(xProjected, tf.matMul(state.h, this.Wh as tf.Tensor2D));
    const [i, f, g, o] = tf.split(gates, 4, 1) as tf.Tensor2D[];
    const c = tf.add(tf.mul(tf.sigmoid(f), state.c!), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor2D;
    const h = tf.mul(tf.sigmoid(o), tf.tanh(c)) as tf.Tensor2D;
    return { h, c };
  }
  sequence(
    xProjected: tf.Tensor3D,
    state: RnnState,
    options: { mask?: tf.Tensor2D; reverse?: boolean } = {},
  ): { outputs: tf.Tensor3D; state: RnnState } {
    return stepThrough(this, xProjected, state, options);
  }
  zeroState(batch: number): RnnState {
    return { h: tf.zeros([batch, this.hiddenSize]), c: tf.zeros([batch, this.hiddenSize]) };
  }
}

/**
 * GRU (Cho et al. 2014): `r = σ(x·Wr + h·Ur)`, `z = σ(x·Wz + h·Uz)`, `n = tanh(x·Wn + r·(h·Un + bn))`,
 * `h' = (1 - z)·n + z·h`.
 */
export class GRUCell extends Module implements RecurrentCell {
  readonly type = "gru";
  readonly Wx: tf.Variable;
  readonly Wh: tf.Variable;
  readonly bx: tf.Variable;
  readonly bh: tf.Variable;
  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    rng: Random,
  ) {
    super();
    const H = hiddenSize;
    this.Wx = this.addWeight("Wx", [inputSize, 3 * H], "glorotUniform", rng);
    this.Wh = this.addWeight("Wh", [H, 3 * H], "glorotUniform", rng);
    this.bx = this.addWeight("bx", [3 * H], "zeros", rng);
    this.bh = this.addWeight("bh", [3 * H], "zeros", rng);
  }
  projectInput(x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(x, this.Wx as tf.Tensor2D), this.bx);
  }
  step(xProjected: tf.Tensor2D, state: RnnState): RnnState {
    const hp = tf.add(tf.matMul(state.h, this.Wh as tf.Tensor2D), this.bh);
    const [xr, xz, xn] = tf.split(xProjected, 3, 1);
    const [hr, hz, hn] = tf.split(hp, 3, 1);
    const r = tf.sigmoid(tf.add(xr, hr));
    const z = tf.sigmoid(tf.add(xz, hz));
    const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
    const h = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, state.h)) as tf.Tensor2D;
    return { h };
  }
  sequence(
    xProjected: tf.Tensor3D,
    state: RnnState,
    options: { mask?: tf.Tensor2D; reverse?: boolean } = {},
  ): { outputs: tf.Tensor3D; state: RnnState } {
    return stepThrough(this, xProjected, state, options);
  }
  zeroState(batch: number): RnnState {
    return { h: tf.zeros([batch, this.hiddenSize]) };
  }
}

/** Makes a recurrent cell: `makeCell`, or a model's faster cell of the same formula (models/fast.ts). */
export type CellFactory = (type: CellType, inputSize: number, hiddenSize: number, rng: Random) => RecurrentCell;

export function makeCell(type: CellType, inputSize: number, hiddenSize: number, rng: Random): RecurrentCell {
  if (type === "lstm") return new LSTMCell(inputSize, hiddenSize, rng);
  if (type === "gru") return new GRUCell(inputSize, hiddenSize, rng);
  throw new Error(`unknown cell type "${type as string}": use "lstm" or "gru"`);
}
