/**
 * Alignment scores: how well each encoder output (a "key") matches the decoder's query state.
 * Row-vector convention throughout: `y = x · W`, kernels shaped `[in, out]`.
 *
 * B batch, S source length, Hq query (decoder) size, Hk key (encoder output) size, U attention units.
 */
import * as tf from "@tensorflow/tfjs";
import { ShapeChecker } from "../util/shapes";

/**
 * The additive score's implementation: `additiveScores` below (the formula), or the same formula as one native
 * kernel, which a model on the native kernels passes in (models/fast.ts).
 */
export type AdditiveScores = (keysProjected: tf.Tensor3D, queriesProjected: tf.Tensor3D, v: tf.Tensor1D) => tf.Tensor3D;

export interface BahdanauParams {
  /** Query projection `[Hq, U]`. */
  Wq: tf.Tensor2D;
  /** Key projection `[Hk, U]`. */
  Wk: tf.Tensor2D;
  /** Score vector `[U]`. */
  v: tf.Tensor1D;
  /** Default `additiveScores`. */
  additive?: AdditiveScores;
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

/**
 * Luong et al. 2015, eq. (8): the content-based scores `dot`, `general`, `concat`, and the `location` score,
 * which looks at the target state alone (`a_t = softmax(W_a h_t)`, see `luongQueryScores`).
 */
export type LuongScore = "dot" | "general" | "concat" | "location";

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
 * queriesProjected[b,t])`, for T queries at once (T = 1 for a single decoder step). A model on the native
 * kernels runs the same formula as one kernel (models/fast.ts, `AdditiveScores`).
 *
 * @param keysProjected `[B,S,U]`; @param queriesProjected `[B,T,U]`; @param v `[U]`
 * @returns scores `[B,T,S]`
 */
export function additiveScores(keysProjected: tf.Tensor3D, queriesProjected: tf.Tensor3D, v: tf.Tensor1D): tf.Tensor3D {
  new ShapeChecker()
    .check("keysProjected", keysProjected, ["B", "S", "U"])
    .check("queriesProjected", queriesProjected, ["B", "T", "U"])
    .check("v", v, ["U"]);
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
 * `score[b,s] = v · tanh(query[b]·Wq + keys[b,s]·Wk)`: the additive kernel (`additiveScores`) with one query.
 *
 * Defined in notebook 01, step 2 (alignment scores from the previous decoder state).
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
    return (params.additive ?? additiveScores)(kp, qp, params.v).reshape([
      query.shape[0],
      keys.shape[1],
    ]) as tf.Tensor2D;
  });
}

/** Luong's scores, plus the tutorial's shared-weight form `concat-shared` for comparison. */
export type LuongScoreKind = LuongScore | "concat-shared";

/** The weights a Luong score needs, and what can be computed once per sentence. */
export interface LuongScoreParams {
  /** general: `[Hq,Hk]`; concat: `[Hq+Hk,U]` (query rows first); location: `[Hq,Smax]`. */
  Wa?: tf.Tensor2D;
  /** concat, concat-shared: `[U]`. */
  v?: tf.Tensor1D;
  /** concat-shared: `[H,U]`. */
  W?: tf.Tensor2D;
  /** concat: optional `[B,S,U]` = keys·Wa[Hq:], computed once per sentence. */
  keysProjected?: tf.Tensor3D;
  /** concat: optional `[Hq,U]` = the query rows of Wa, sliced once per batch instead of once per step. */
  WaQuery?: tf.Tensor2D;
  /** concat: default `additiveScores`. */
  additive?: AdditiveScores;
}

/**
 * The one Luong score kernel: the scores of T queries against S keys, Luong et al. 2015, eq. (8). A single
 * decoder step is T = 1 (`luongScores`); teacher forcing without input feeding scores all T steps in one
 * call (`luongAttentionSequence`), as d2l's "number of queries" axis does. For query t and key s:
 * - `dot`:     `keys[s] · queries[t]` (requires Hq = Hk)
 * - `general`: `keys[s] · (queries[t]·Wa)`, Wa `[Hq,Hk]`
 * - `concat`:  `v · tanh([queries[t]; keys[s]]·Wa)`, Wa `[Hq+Hk,U]`, query first; computed as
 *   `queries[t]·Wa[:Hq] + keys[s]·Wa[Hq:]`, the same product without building the concatenation
 * - `concat-shared`: `v · tanh((queries[t] + keys[s])·W)`, the FloydHub tutorial's form (see `sharedConcatScores`)
 * - `location`: `(queries[t]·Wa)[s]`, Wa `[Hq,Smax]`: eq. (8)'s location-based score, whose softmax is
 *   `a_t = softmax(W_a h_t)`. It reads no key at all; the keys give only the sentence length S. The paper's
 *   W_a has one row per source position, but sentences differ in length, so Wa is sized for a longest
 *   source Smax and a sentence of S words uses its first S outputs (S > Smax is an error).
 *
 * @param queries `[B,T,Hq]`; @param keys `[B,S,Hk]`; @param caller names the function in error messages
 * @returns scores `[B,T,S]`
 */
export function luongQueryScores(
  kind: LuongScoreKind,
  queries: tf.Tensor3D,
  keys: tf.Tensor3D,
  params: LuongScoreParams = {},
  caller = "luongQueryScores",
): tf.Tensor3D {
  const shapes = new ShapeChecker().check("queries", queries, ["B", "T", "Hq"]).check("keys", keys, ["B", "S", "Hk"]);
  const Hq = queries.shape[2];
  const Hk = keys.shape[2];
  const needsSameSize = kind === "dot" || kind === "concat-shared";
  if (needsSameSize && Hq !== Hk)
    throw new Error(
      `${caller}("${kind}"): the query and keys need the same size, got query [${queries.shape}] (Hq=${Hq}) and keys [${keys.shape}] (Hk=${Hk}); use "general" or "concat"`,
    );
  return tf.tidy(() => {
    switch (kind) {
      case "dot":
        return tf.matMul(queries, keys, false, true) as tf.Tensor3D; // [B,T,H] x [B,S,H]^T -> [B,T,S]
      case "general":
        if (!params.Wa) throw new Error(`${caller}("general"): needs params {Wa: [Hq,Hk]} with Hq=${Hq}, Hk=${Hk}`);
        shapes.check("Wa", params.Wa, ["Hq", "Hk"]);
        return tf.matMul(projectKeys(queries, params.Wa), keys, false, true) as tf.Tensor3D;
      case "concat":
        return luongConcatScores(queries, keys, params, shapes, caller);
      case "concat-shared":
        return sharedConcatQueryScores(queries, keys, params, shapes, caller);
      case "location":
        return locationQueryScores(queries, keys, params, shapes, caller);
      default:
        throw new Error(`${caller}: unknown score "${kind as string}"; use "dot", "general", "concat" or "location"`);
    }
  });
}

/** Luong's concat score of T queries (see `luongQueryScores`); `shapes` has bound B, T, S, Hq and Hk. */
function luongConcatScores(
  queries: tf.Tensor3D,
  keys: tf.Tensor3D,
  params: LuongScoreParams,
  shapes: ShapeChecker,
  caller: string,
): tf.Tensor3D {
  const Hq = queries.shape[2];
  const Hk = keys.shape[2];
  if (!params.Wa || !params.v)
    throw new Error(`${caller}("concat"): needs params {Wa: [Hq+Hk,U], v: [U]} with Hq+Hk=${Hq + Hk}`);
  shapes
    .bind("Hq+Hk", Hq + Hk)
    .check("Wa", params.Wa, ["Hq+Hk", "U"])
    .check("v", params.v, ["U"]);
  if (params.keysProjected) shapes.check("keysProjected", params.keysProjected, ["B", "S", "U"]);
  if (params.WaQuery) shapes.check("WaQuery", params.WaQuery, ["Hq", "U"]);
  const U = params.Wa.shape[1];
  const WaQuery = params.WaQuery ?? (params.Wa.slice([0, 0], [Hq, U]) as tf.Tensor2D);
  const keysProjected = params.keysProjected ?? projectKeys(keys, params.Wa.slice([Hq, 0], [Hk, U]) as tf.Tensor2D);
  return (params.additive ?? additiveScores)(keysProjected, projectKeys(queries, WaQuery), params.v);
}

/** Luong's location score of T queries (see `luongQueryScores`): the first S outputs of `queries·Wa`. */
function locationQueryScores(
  queries: tf.Tensor3D,
  keys: tf.Tensor3D,
  params: LuongScoreParams,
  shapes: ShapeChecker,
  caller: string,
): tf.Tensor3D {
  if (!params.Wa) throw new Error(`${caller}("location"): needs params {Wa: [Hq,Smax]}`);
  shapes.check("Wa", params.Wa, ["Hq", "Smax"]);
  const [B, T] = queries.shape;
  const S = keys.shape[1];
  const Smax = params.Wa.shape[1];
  if (S > Smax)
    throw new Error(
      `${caller}("location"): a source of ${S} positions, but Wa [${params.Wa.shape}] scores at most ${Smax} (the model's maxSourceLength)`,
    );
  return projectKeys(queries, params.Wa).slice([0, 0, 0], [B, T, S]); // [B,T,Smax] -> its first S positions
}

/** The tutorial's shared-weight concat of T queries (see `sharedConcatScores`); Hq = Hk = H. */
function sharedConcatQueryScores(
  queries: tf.Tensor3D,
  keys: tf.Tensor3D,
  params: LuongScoreParams,
  shapes: ShapeChecker,
  caller: string,
): tf.Tensor3D {
  if (!params.W || !params.v) throw new Error(`${caller}("concat-shared"): needs params {W: [H,U], v: [U]}`);
  shapes.check("W", params.W, ["Hq", "U"]).check("v", params.v, ["U"]);
  const [B, T, H] = queries.shape;
  const S = keys.shape[1];
  const summed = tf.add(queries.reshape([B, T, 1, H]), keys.reshape([B, 1, S, H])) as tf.Tensor4D; // [B,T,S,H]
  const projected = projectKeys(summed.reshape([B, T * S, H]) as tf.Tensor3D, params.W); // [B,T·S,U]
  return dotWithVector<tf.Rank.R2>(tf.tanh(projected), params.v).reshape([B, T, S]) as tf.Tensor3D;
}

/**
 * Luong (multiplicative) scores for one decoder step, Luong et al. 2015, eq. (8), using the decoder state
 * *after* this step's RNN update (h_t in the paper): `luongQueryScores` with one query (T = 1).
 * - `dot`:     `score[b,s] = keys[b,s] · query[b]` (requires Hq = Hk)
 * - `general`: `score[b,s] = keys[b,s] · (query[b]·Wa)`, Wa `[Hq,Hk]`
 * - `concat`:  `score[b,s] = v · tanh([query[b]; keys[b,s]]·Wa)`, Wa `[Hq+Hk,U]`, query first
 *
 * Defined in notebook 02, step 3 (alignment scores, three ways).
 *
 * @param query `[B,Hq]`
 * @param keys `[B,S,Hk]`
 * @param keysProjected concat only: optional `[B,S,U]` = keys·Wa[Hq:], computed once per sentence
 * @returns scores `[B,S]`
 */
export function luongScores(kind: "dot", query: tf.Tensor2D, keys: tf.Tensor3D): tf.Tensor2D;
export function luongScores(
  kind: "general" | "location",
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
  return oneQuery(query, keys, (queries) =>
    luongQueryScores(kind, queries, keys, { ...params, keysProjected }, "luongScores"),
  );
}

/** Runs a T-query score kernel on one query: `[B,Hq]` -> `[B,1,Hq]` in, `[B,1,S]` -> `[B,S]` out. */
function oneQuery(query: tf.Tensor2D, keys: tf.Tensor3D, scoresOf: (queries: tf.Tensor3D) => tf.Tensor3D): tf.Tensor2D {
  new ShapeChecker().check("query", query, ["B", "Hq"]).check("keys", keys, ["B", "S", "Hk"]);
  const [B, S] = keys.shape;
  return tf.tidy(() => scoresOf(query.expandDims(1) as tf.Tensor3D).reshape([B, S]) as tf.Tensor2D);
}

/**
 * The form that the FloydHub Luong tutorial calls "concat": `score[b,s] = v · tanh((query[b] + keys[b,s])·W)`
 * with one shared `W [H,U]`. It is *not* the paper's concat (which gives query and key separate weights
 * and so can weigh them differently); it is kept for comparison in the Luong notebook.
 *
 * Defined in notebook 02, "The paper's concat and the tutorials' shared-weight form".
 *
 * @param query `[B,H]`
 * @param keys `[B,S,H]`
 * @returns scores `[B,S]`
 */
export function sharedConcatScores(query: tf.Tensor2D, keys: tf.Tensor3D, params: SharedConcatParams): tf.Tensor2D {
  return oneQuery(query, keys, (queries) =>
    luongQueryScores("concat-shared", queries, keys, params, "sharedConcatScores"),
  );
}
