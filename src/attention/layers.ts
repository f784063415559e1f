/**
 * Attention layers that own their weights. Each returns `{scores, weights, context}` in one call and
 * leaves the arithmetic to the functions in ./scores, ./weights and ./context.
 */
import * as tf from "@tensorflow/tfjs";
import { Module } from "../nn/module";
import { Random } from "../util/random";
import {
  AdditiveScores,
  bahdanauScores,
  luongQueryScores,
  LuongScoreKind,
  LuongScoreParams,
  projectKeys,
} from "./scores";
import { attentionWeights, maskBias } from "./weights";
import { contextVector } from "./context";
import { ShapeChecker } from "../util/shapes";
import { luongAttentionSequence, SequenceAttentionOutput } from "./sequence";
import { LocalMode, localWeights, monotonicPosition, predictivePosition, sourceLengths } from "./local";

export type AttentionOutput = {
  /** `[B,S]` alignment scores. */
  scores: tf.Tensor2D;
  /** `[B,S]` attention weights (softmax of the scores over S, 0 on padding). */
  weights: tf.Tensor2D;
  /** `[B,Hk]` context vector. */
  context: tf.Tensor2D;
  /** Local attention only (`LuongLocalAttention`): `[B]` the aligned position p_t (from 1, as in the paper). */
  position?: tf.Tensor1D;
  /** Local attention only: `[B,S]` 1 on the positions of the window [p_t - D, p_t + D] inside the sentence. */
  window?: tf.Tensor2D;
  /** Local attention only: `[B,S]` the Gaussian exp(-(s - p_t)² / (2σ²)) that multiplies the weights. */
  gaussian?: tf.Tensor2D;
};

export interface AttentionCallOptions {
  /** `[B,S]`: 1 for real source tokens, 0 for padding. */
  mask?: tf.Tensor2D;
  /** `[B,S,U]` from `layer.projectKeys(keys)`, computed once per batch instead of once per decoder step. */
  keysProjected?: tf.Tensor3D;
  /** `[B,S]` = `maskBias(mask)`, computed once per batch (used instead of `mask`). */
  maskBias?: tf.Tensor2D;
  /** Luong concat: `[Hq,U]`, the query rows of Wa, sliced once per batch. */
  WaQuery?: tf.Tensor2D;
  /** Local attention: `[B]` each sentence's length, from `sourceLengths(mask)` once per batch. */
  sourceLengths?: tf.Tensor1D;
  /** Local-m: the target position t of this step, from 1 (p_t = t). */
  step?: number;
}

/** What `layer.prepare(keys, mask)` computes once per batch, to pass to every `call`. */
export interface PreparedAttention {
  keysProjected?: tf.Tensor3D;
  maskBias?: tf.Tensor2D;
  WaQuery?: tf.Tensor2D;
  sourceLengths?: tf.Tensor1D;
}

export interface AttentionSizes {
  /** Hq: the decoder state size. */
  querySize: number;
  /** Hk: the encoder output size. */
  keySize: number;
  /** U: attention units (Bahdanau, Luong concat); defaults to querySize. */
  units?: number;
  /** Smax: the longest source the `location` score can score (its Wa is `[Hq,Smax]`); default 64. */
  maxSourceLength?: number;
  seed?: number;
}

/** The `location` score's default Smax: longer than any sentence of the workbook's corpora. */
export const DEFAULT_MAX_SOURCE_LENGTH = 64;

/** Common call shape of both layers. */
export interface AttentionLayer extends Module {
  readonly kind: string;
  /** Precomputes the key side of an additive score, `[B,S,Hk]` -> `[B,S,U]`; undefined for dot/general. */
  projectKeys(keys: tf.Tensor3D): tf.Tensor3D | undefined;
  /** Everything that does not change between decoder steps: key projection, mask bias, sliced weights. */
  prepare(keys: tf.Tensor3D, mask?: tf.Tensor2D): PreparedAttention;
  call(query: tf.Tensor2D, keys: tf.Tensor3D, options?: AttentionCallOptions): AttentionOutput;
}

/** Checks a call's inputs against the layer's configured sizes. */
function checkCall(sizes: AttentionSizes, query: tf.Tensor2D, keys: tf.Tensor3D): void {
  new ShapeChecker({ Hq: sizes.querySize, Hk: sizes.keySize })
    .check("query", query, ["B", "Hq"])
    .check("keys", keys, ["B", "S", "Hk"]);
}

function finish(scores: tf.Tensor2D, keys: tf.Tensor3D, options: AttentionCallOptions): AttentionOutput {
  const weights = attentionWeights(scores, options.maskBias ? undefined : options.mask, { bias: options.maskBias });
  return { scores, weights, context: contextVector(weights, keys) };
}

/** Bahdanau et al. 2015: `score = v · tanh(query·Wq + keys·Wk)`; weights `Wq [Hq,U]`, `Wk [Hk,U]`, `v [U]`. */
export class BahdanauAttention extends Module implements AttentionLayer {
  readonly kind = "bahdanau";
  readonly Wq: tf.Variable;
  readonly Wk: tf.Variable;
  readonly v: tf.Variable;
  readonly sizes: Required<AttentionSizes>;

  /** @param additive the additive score's implementation (default: the formula, `additiveScores`) */
  constructor(
    sizes: AttentionSizes,
    readonly additive?: AdditiveScores,
  ) {
    super();
    const units = sizes.units ?? sizes.querySize;
    this.sizes = {
      ...sizes,
      units,
      maxSourceLength: sizes.maxSourceLength ?? DEFAULT_MAX_SOURCE_LENGTH,
      seed: sizes.seed ?? 1,
    };
    const rng = new Random(this.sizes.seed);
    this.Wq = this.addWeight("Wq", [sizes.querySize, units], "glorotUniform", rng);
    this.Wk = this.addWeight("Wk", [sizes.keySize, units], "glorotUniform", rng);
    this.v = this.addWeight("v", [units], "glorotUniform", rng);
  }

  projectKeys(keys: tf.Tensor3D): tf.Tensor3D {
    new ShapeChecker({ Hk: this.sizes.keySize }).check("keys", keys, ["B", "S", "Hk"]);
    return projectKeys(keys, this.Wk as tf.Tensor2D);
  }

  prepare(keys: tf.Tensor3D, mask?: tf.Tensor2D): PreparedAttention {
    return { keysProjected: this.projectKeys(keys), maskBias: mask ? maskBias(mask) : undefined };
  }

  /** @param query `[B,Hq]` the previous decoder state; @param keys `[B,S,Hk]`. */
  call(query: tf.Tensor2D, keys: tf.Tensor3D, options: AttentionCallOptions = {}): AttentionOutput {
    checkCall(this.sizes, query, keys);
    return tf.tidy((): AttentionOutput => {
      const params = {
        Wq: this.Wq as tf.Tensor2D,
        Wk: this.Wk as tf.Tensor2D,
        v: this.v as tf.Tensor1D,
        additive: this.additive,
      };
      const scores = bahdanauScores(query, keys, params, options.keysProjected);
      return finish(scores, keys, options);
    });
  }
}

export type { LuongScoreKind } from "./scores";

/**
 * Luong et al. 2015 global attention with the `dot`, `general`, `concat` or `location` score (see
 * `luongQueryScores`). Weights: `general` has `Wa [Hq,Hk]`; `concat` has `Wa [Hq+Hk,U]` and `v [U]`;
 * `concat-shared` has `W [H,U]` and `v [U]`; `location` has `Wa [Hq,Smax]` (`sizes.maxSourceLength`);
 * `dot` has none.
 */
export class LuongAttention extends Module implements AttentionLayer {
  readonly kind: string;
  readonly score: LuongScoreKind;
  readonly Wa?: tf.Variable;
  readonly W?: tf.Variable;
  readonly v?: tf.Variable;
  readonly sizes: Required<AttentionSizes>;

  /** @param additive concat: the additive score's implementation (default: the formula, `additiveScores`) */
  constructor(
    score: LuongScoreKind,
    sizes: AttentionSizes,
    readonly additive?: AdditiveScores,
  ) {
    super();
    const units = sizes.units ?? sizes.querySize;
    this.sizes = {
      ...sizes,
      units,
      maxSourceLength: sizes.maxSourceLength ?? DEFAULT_MAX_SOURCE_LENGTH,
      seed: sizes.seed ?? 1,
    };
    this.score = score;
    this.kind = `luong-${score}`;
    const rng = new Random(this.sizes.seed);
    const { querySize: Hq, keySize: Hk } = sizes;
    switch (score) {
      case "dot":
        if (Hq !== Hk) throw new Error(`LuongAttention("dot"): querySize (${Hq}) must equal keySize (${Hk})`);
        break;
      case "general":
        this.Wa = this.addWeight("Wa", [Hq, Hk], "glorotUniform", rng);
        break;
      case "location":
        this.Wa = this.addWeight("Wa", [Hq, this.sizes.maxSourceLength], "glorotUniform", rng);
        break;
      case "concat":
        this.Wa = this.addWeight("Wa", [Hq + Hk, units], "glorotUniform", rng);
        this.v = this.addWeight("v", [units], "glorotUniform", rng);
        break;
      case "concat-shared":
        if (Hq !== Hk) throw new Error(`LuongAttention("concat-shared"): querySize (${Hq}) must equal keySize (${Hk})`);
        this.W = this.addWeight("W", [Hq, units], "glorotUniform", rng);
        this.v = this.addWeight("v", [units], "glorotUniform", rng);
        break;
      default:
        throw new Error(
          `LuongAttention: unknown score "${score as string}"; use dot, general, concat, concat-shared or location`,
        );
    }
  }

  projectKeys(keys: tf.Tensor3D): tf.Tensor3D | undefined {
    if (this.score !== "concat") return undefined;
    const { querySize: Hq, keySize: Hk, units: U } = this.sizes;
    new ShapeChecker({ Hk }).check("keys", keys, ["B", "S", "Hk"]);
    return tf.tidy(() => projectKeys(keys, this.Wa!.slice([Hq, 0], [Hk, U]) as tf.Tensor2D));
  }

  prepare(keys: tf.Tensor3D, mask?: tf.Tensor2D): PreparedAttention {
    const { querySize: Hq, units: U } = this.sizes;
    return {
      keysProjected: this.projectKeys(keys),
      maskBias: mask ? maskBias(mask) : undefined,
      WaQuery: this.score === "concat" ? (this.Wa!.slice([0, 0], [Hq, U]) as tf.Tensor2D) : undefined,
    };
  }

  /** The weights of this layer's score, with what `prepare` computed once per batch. */
  protected scoreParams(options: AttentionCallOptions): LuongScoreParams {
    return {
      Wa: this.Wa as tf.Tensor2D | undefined,
      v: this.v as tf.Tensor1D | undefined,
      W: this.W as tf.Tensor2D | undefined,
      keysProjected: options.keysProjected,
      WaQuery: options.WaQuery,
      additive: this.additive,
    };
  }

  /**
   * One decoder step: the score kernel with one query (T = 1), then the weights and the context.
   * @param query `[B,Hq]` the decoder state after this step's RNN update; @param keys `[B,S,Hk]`.
   */
  call(query: tf.Tensor2D, keys: tf.Tensor3D, options: AttentionCallOptions = {}): AttentionOutput {
    checkCall(this.sizes, query, keys);
    const [B, S] = keys.shape;
    return tf.tidy((): AttentionOutput => {
      const queries = query.expandDims(1) as tf.Tensor3D;
      const scores = luongQueryScores(this.score, queries, keys, this.scoreParams(options), "LuongAttention.call");
      return finish(scores.reshape([B, S]) as tf.Tensor2D, keys, options);
    });
  }

  /**
   * Every decoder step at once (see ./sequence): the same kernel as `call`, with T queries.
   * @param queries `[B,T,Hq]`; @param keys `[B,S,Hk]`; `options.maskBias` `[B,S]` is required.
   * @returns scores and weights `[B,T,S]`, context `[B,T,Hk]`
   */
  callSequence(
    queries: tf.Tensor3D,
    keys: tf.Tensor3D,
    options: AttentionCallOptions & { maskBias: tf.Tensor2D },
  ): SequenceAttentionOutput {
    new ShapeChecker({ Hq: this.sizes.querySize, Hk: this.sizes.keySize })
      .check("queries", queries, ["B", "T", "Hq"])
      .check("keys", keys, ["B", "S", "Hk"]);
    return luongAttentionSequence(this.score, queries, keys, options.maskBias, this.scoreParams(options));
  }
}

/**
 * Luong et al. 2015 local attention (section 3.2; see ./local): a Luong score (default `general`, the score
 * of the paper's best local-p system) inside a window [p_t - D, p_t + D], times a Gaussian around p_t
 * (eq. 10, not renormalised). `local-m` puts p_t at the target position t; `local-p` predicts it (eq. 9)
 * with `Wp [Hq,U]` and `vp [U]`. The output carries `position`, `window` and `gaussian` besides the weights.
 *
 * Only step by step: p_t of local-m needs `options.step`, the target position t (from 1).
 */
export class LuongLocalAttention extends LuongAttention {
  override readonly kind: string;
  readonly Wp?: tf.Variable;
  readonly vp?: tf.Variable;

  /**
   * @param mode `monotonic` (local-m) or `predictive` (local-p)
   * @param window D, the window's half-width (σ = D/2)
   */
  constructor(
    readonly mode: LocalMode,
    readonly window: number,
    sizes: AttentionSizes,
    score: LuongScoreKind = "general",
    additive?: AdditiveScores,
  ) {
    super(score, sizes, additive);
    if (!(Number.isInteger(window) && window >= 1))
      throw new Error(`LuongLocalAttention: the window D must be an integer from 1, got ${window}`);
    this.kind = mode === "monotonic" ? "luong-local-m" : "luong-local-p";
    if (mode === "predictive") {
      // Its own stream of initial values, so that the score's weights are those of global attention's.
      const rng = new Random(this.sizes.seed + 7919);
      this.Wp = this.addWeight("Wp", [sizes.querySize, this.sizes.units], "glorotUniform", rng);
      this.vp = this.addWeight("vp", [this.sizes.units], "glorotUniform", rng);
    } else if (mode !== "monotonic") {
      throw new Error(`LuongLocalAttention: unknown mode "${mode as string}"; use monotonic or predictive`);
    }
  }

  override prepare(keys: tf.Tensor3D, mask?: tf.Tensor2D): PreparedAttention {
    return { ...super.prepare(keys, mask), sourceLengths: mask ? sourceLengths(mask) : undefined };
  }

  /**
   * One decoder step: p_t, the score of every position, the window's softmax times the Gaussian (eq. 10),
   * the context.
   * @param query `[B,Hq]` h_t; @param keys `[B,S,Hk]`; `options.step` t (local-m); `options.mask` or
   *   `options.maskBias` the padding (default: none).
   * @returns scores, weights, window and gaussian `[B,S]`, position `[B]`, context `[B,Hk]`
   */
  override call(query: tf.Tensor2D, keys: tf.Tensor3D, options: AttentionCallOptions = {}): AttentionOutput {
    checkCall(this.sizes, query, keys);
    const [B, S] = keys.shape;
    if (this.mode === "monotonic" && options.step === undefined)
      throw new Error("LuongLocalAttention.call (local-m): needs options.step, the target position t (from 1)");
    return tf.tidy((): AttentionOutput => {
      const mask = options.mask ?? (tf.ones([B, S]) as tf.Tensor2D);
      const bias = options.maskBias ?? maskBias(mask);
      const lengths = options.sourceLengths ?? sourceLengths(options.mask ?? mask);
      const position =
        this.mode === "monotonic"
          ? monotonicPosition(options.step!, lengths)
          : predictivePosition(query, { Wp: this.Wp as tf.Tensor2D, vp: this.vp as tf.Tensor1D }, lengths);
      const queries = query.expandDims(1) as tf.Tensor3D;
      const scores = luongQueryScores(this.score, queries, keys, this.scoreParams(options), "LuongLocalAttention.call");
      const scores2 = scores.reshape([B, S]) as tf.Tensor2D;
      const local = localWeights(scores2, position, bias, this.window);
      return { scores: scores2, ...local, position, context: contextVector(local.weights, keys) };
    });
  }

  /** Not available: each step's window depends on its own p_t; run the decoder step by step. */
  override callSequence(): SequenceAttentionOutput {
    throw new Error(`${this.kind}: local attention runs step by step (call), not all steps at once`);
  }
}
