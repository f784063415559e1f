/**
 * Alignment scores: how well each encoder output (a "key") matches the decoder's query state.
 * Row-vector convention throughout: `y = x · W`, kernels shaped `[in, out]`.
 *
 * B batch, S source length, Hq query (decoder) size, Hk key (encoder output) size, U attention units.
 */
import * as tf from "@tensorflow/tfjs";
import { ShapeChecker } from "../util/shapes";
import { fusedAdditiveScores, fusedKernelsActive } from "../backend/fused";

export interface BahdanauParams {
  /** Query projection `[Hq, U]`. */
  Wq: tf.Tensor2D;
  /** Key projection `[Hk, U]`. */
  Wk: tf.Tensor2D;
  /** Score vector `[U]`. */
  v: tf.Tensor1D;
}

export interface LuongGeneralParams {
  /** `[Hq, Hk]`. */
  Wa: tf.Tensor2D;
}

export interface LuongConcatParams {
  /** `[Hq + Hk, U]`: the first Hq rows multiply the query, the rest the keys (query first). */
  Wa: tf.Tensor2D;
  /** `[U]`. */
  v: tf.Tensor1D;
  /** Optional `[Hq, U]` = the first Hq rows of Wa, sliced once per batch instead of once per step. */
  WaQuery?: tf.Tensor2D;
}

export interface SharedConcatParams {
  /** One matrix `[H, U]` applied to `query + key` (requires Hq = Hk = H). */
  W: tf.Tensor2D;
  /** `[U]`. */
  v: tf.Tensor1D;
}

export type LuongScore = "dot" | "general" | "concat";

/**
 * The last axis of `x` dotted with `v`: `[..., U] · v[U]` -> `[...]`, as one 2-D product. One definition for
 * a decoder step (`[B,S,U]` -> `[B,S]`) and for all T steps at once (`[B,T,S,U]` -> `[B,T,S]`).
 */
export function dotWithVector<R extends tf.Rank>(x: tf.Tensor, v: tf.Tensor1D): tf.Tensor<R> {
  const u = x.shape[x.shape.length - 1];
  return tf.matMul(x.reshape([-1, u]), v.reshape([u, 1])).reshape(x.shape.slice(0, -1)) as tf.Tensor<R>;
}

/**
 * The additive score shared by Bahdanau and Luong's concat: `score[b,t,s] = v · tanh(keysProjected[b,s] +
 * queriesProjected[b,t])`, for T queries at once (T = 1 for a single decoder step). On wasm with the native
 * addon this is one fused kernel (src/backend/fused/additive.ts); otherwise these tfjs ops.
 *
 * @param keysProjected `[B,S,U]`; @param queriesProjected `[B,T,U]`; @param v `[U]`
 * @returns scores `[B,T,S]`
 */
export function additiveScores(keysProjected: tf.Tensor3D, queriesProjected: tf.Tensor3D, v: tf.Tensor1D): tf.Tensor3D {
  new ShapeChecker()
    .check("keysProjected", keysProjected, ["B", "S", "U"])
    .check("queriesProjected", queriesProjected, ["B", "T", "U"])
    .check("v", v, ["U"]);
  if (fusedKernelsActive()) return fusedAdditiveScores(keysProjected, queriesProjected, v);
  return tf.tidy(() => {
    const [B, S, U] = keysProjected.shape;
    const T = queriesProjected.shape[1];
    const summed = tf.add(queriesProjected.reshape([B, T, 1, U]), keysProjected.reshape([B, 1, S, U]));
    return tf.matMul(tf.tanh(summed).reshape([B * T * S, U]), v.reshape([U, 1])).reshape([B, T, S]) as tf.Tensor3D;
  });
}

/** `[B,S,H] · W[H,U]` -> `[B,S,U]`, as one 2-D product. */
export function projectKeys(keys: tf.Tensor3D, W: tf.Tensor2D): tf.Tensor3D {
  new ShapeChecker().check("keys", keys, ["B", "S", "H"]).check("W", W, ["H", "U"]);
  const [b, s, h] = keys.shape;
  return tf.matMul(keys.reshape([b * s, h]), W).reshape([b, s, W.shape[1]]);
}

/**
 * Bahdanau (additive) scores, Bahdanau et al. 2015, eq. (6) / appendix A.1.2:
 * `score[b,s] = v · tanh(query[b]·Wq + keys[b,s]·Wk)`.
 *
 * @param query `[B,Hq]`, the decoder state *before* this step (s_{i-1} in the paper)
 * @param keys `[B,S,Hk]`, the encoder outputs
 * @param keysProjected optional `[B,S,U]` = keys·Wk, computed once per sentence (see `projectKeys`)
 * @returns scores `[B,S]`
 */
export function bahdanauScores(
  query: tf.Tensor2D,
  keys: tf.Tensor3D,
  params: BahdanauParams,
  keysProjected?: tf.Tensor3D,
): tf.Tensor2D {
  const shapes = new ShapeChecker()
    .check("query", query, ["B", "Hq"])
    .check("keys", keys, ["B", "S", "Hk"])
    .check("Wq", params.Wq, ["Hq", "U"])
    .check("Wk", params.Wk, ["Hk", "U"])
    .check("v", params.v, ["U"]);
  if (keysProjected) shapes.check("keysProjected", keysProjected, ["B", "S", "U"]);
  return tf.tidy(() => {
    const kp = keysProjected ?? projectKeys(keys, params.Wk);
    const qp = tf.matMul(query, params.Wq).expandDims(1) as tf.Tensor3D; // [B,1,U]
    return additiveScores(kp, qp, params.v).reshape([query.shape[0], keys.shape[1]]) as tf.Tensor2D;
  });
}

/**
 * Luong (multiplicative) scores, Luong et al. 2015, eq. (8), using the decoder state *after* this
 * step's RNN update (h_t in the paper):
 * - `dot`:     `score[b,s] = keys[b,s] · query[b]` (requires Hq = Hk)
 * - `general`: `score[b,s] = keys[b,s] · (query[b]·Wa)`, Wa `[Hq,Hk]`
 * - `concat`:  `score[b,s] = v · tanh([query[b]; keys[b,s]]·Wa)`, Wa `[Hq+Hk,U]`, query first
 *
 * @param query `[B,Hq]`
 * @param keys `[B,S,Hk]`
 * @param keysProjected concat only: optional `[B,S,U]` = keys·Wa[Hq:], computed once per sentence
 * @returns scores `[B,S]`
 */
export function luongScores(kind: "dot", query: tf.Tensor2D, keys: tf.Tensor3D): tf.Tensor2D;
export function luongScores(
  kind: "general",
  query: tf.Tensor2D,
  keys: tf.Tensor3D,
  params: LuongGeneralParams,
): tf.Tensor2D;
export function luongScores(
  kind: "concat",
  query: tf.Tensor2D,
  keys: tf.Tensor3D,
  params: LuongConcatParams,
  keysProjected?: tf.Tensor3D,
): tf.Tensor2D;
export function luongScores(
  kind: LuongScore,
  query: tf.Tensor2D,
  keys: tf.Tensor3D,
  params?: LuongGeneralParams | LuongConcatParams,
  keysProjected?: tf.Tensor3D,
): tf.Tensor2D;
export function luongScores(
  kind: LuongScore,
  query: tf.Tensor2D,
  keys: tf.Tensor3D,
  params?: LuongGeneralParams | LuongConcatParams,
  keysProjected?: tf.Tensor3D,
): tf.Tensor2D {
  const shapes = new ShapeChecker().check("query", query, ["B", "Hq"]).check("keys", keys, ["B", "S", "Hk"]);
  const [B, Hq] = query.shape;
  const Hk = keys.shape[2];
  switch (kind) {
    case "dot": {
      if (Hq !== Hk) {
        throw new Error(
          `luongScores("dot"): query and keys need the same size, got query [${query.shape}] (Hq=${Hq}) and keys [${keys.shape}] (Hk=${Hk}); use "general" or "concat"`,
        );
      }
      // [B,S,H] x [B,H,1] -> [B,S,1]
      return tf.tidy(() => tf.matMul(keys, query.reshape([B, Hq, 1])).reshape([B, keys.shape[1]]));
    }
    case "general": {
      const p = params as LuongGeneralParams | undefined;
      if (!p?.Wa) throw new Error(`luongScores("general"): needs params {Wa: [Hq,Hk]} with Hq=${Hq}, Hk=${Hk}`);
      shapes.check("Wa", p.Wa, ["Hq", "Hk"]);
      return tf.tidy(() => {
        const q = tf.matMul(query, p.Wa); // [B,Hk]
        return tf.matMul(keys, q.reshape([B, Hk, 1])).reshape([B, keys.shape[1]]);
      });
    }
    case "concat":
      return luongConcatScores(query, keys, params as LuongConcatParams | undefined, shapes, keysProjected);
    default:
      throw new Error(`luongScores: unknown score "${kind as string}"; use "dot", "general" or "concat"`);
  }
}

/**
 * Luong's concat score `v · tanh([query; keys]·Wa)` (see `luongScores`), computed as
 * `q·Wa[:Hq] + k·Wa[Hq:]`: the same product without building the `[B,S,Hq+Hk]` concatenation.
 * `shapes` has bound B, S, Hq and Hk from the query and keys.
 */
function luongConcatScores(
  query: tf.Tensor2D,
  keys: tf.Tensor3D,
  p: LuongConcatParams | undefined,
  shapes: ShapeChecker,
  keysProjected?: tf.Tensor3D,
): tf.Tensor2D {
  const [B, Hq] = query.shape;
  const Hk = keys.shape[2];
  if (!p?.Wa || !p?.v)
    throw new Error(`luongScores("concat"): needs params {Wa: [Hq+Hk,U], v: [U]} with Hq+Hk=${Hq + Hk}`);
  shapes
    .bind("Hq+Hk", Hq + Hk)
    .check("Wa", p.Wa, ["Hq+Hk", "U"])
    .check("v", p.v, ["U"]);
  if (keysProjected) shapes.check("keysProjected", keysProjected, ["B", "S", "U"]);
  return tf.tidy(() => {
    const U = p.Wa.shape[1];
    if (p.WaQuery) shapes.check("WaQuery", p.WaQuery, ["Hq", "U"]);
    const WaQuery = p.WaQuery ?? p.Wa.slice([0, 0], [Hq, U]);
    const kp = keysProjected ?? projectKeys(keys, p.Wa.slice([Hq, 0], [Hk, U]));
    const qp = tf.matMul(query, WaQuery).expandDims(1) as tf.Tensor3D;
    return additiveScores(kp, qp, p.v).reshape([B, keys.shape[1]]) as tf.Tensor2D;
  });
}

/**
 * The form that the FloydHub Luong tutorial calls "concat": `score[b,s] = v · tanh((query[b] + keys[b,s])·W)`
 * with one shared `W [H,U]`. It is *not* the paper's concat (which gives query and key separate weights
 * and so can weigh them differently); it is kept for comparison in the Luong notebook.
 *
 * @param query `[B,H]`
 * @param keys `[B,S,H]`
 * @returns scores `[B,S]`
 */
export function sharedConcatScores(query: tf.Tensor2D, keys: tf.Tensor3D, params: SharedConcatParams): tf.Tensor2D {
  new ShapeChecker()
    .check("query", query, ["B", "H"])
    .check("keys", keys, ["B", "S", "H"])
    .check("W", params.W, ["H", "U"])
    .check("v", params.v, ["U"]);
  return tf.tidy(() => {
    const summed = tf.add(keys, query.expandDims(1)) as tf.Tensor3D; // [B,S,H]
    return dotWithVector<tf.Rank.R2>(tf.tanh(projectKeys(summed, params.W)), params.v);
  });
}
