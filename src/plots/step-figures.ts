/**
 * Each step of one decoder step, drawn with the cell's own numbers (notebooks 01 and 02, part 1): the
 * functions take the tensors a cell computed with (batch row 0 is drawn), compute the step with the
 * library's own functions, and draw every intermediate vector. Change a number in the cell and rerun it:
 * the picture changes with it.
 */
import * as tf from "@tensorflow/tfjs";
import type { Figure } from "./figure";
import { computationFigure, Stage, VectorRow } from "./diagram";
import { subscript } from "./architecture";
import { bahdanauScores, luongScores, projectKeys, LuongConcatParams } from "../attention/scores";
import { attentionWeights } from "../attention/weights";
import { contextVector } from "../attention/context";
import { attentionalState, wordScores } from "../models/decoder-steps";
import { tidy } from "../util/tidy";

/** Row 0 of a `[1,...]` tensor as numbers (row 0 of each key for `[1,S,H]`). */
function row0(t: tf.Tensor): number[] {
  return Array.from(t.dataSync().slice(0, t.size / t.shape[0]));
}
/** The S rows of a `[1,S,H]` tensor. */
function rowsOf(t: tf.Tensor): number[][] {
  const [, S, H] = t.shape;
  const data = t.dataSync();
  return Array.from({ length: S }, (_, j) => Array.from(data.slice(j * H, (j + 1) * H)));
}
/** `name` with subscript j+1, for keys: h₁, h₂, ... */
const indexed = (name: string, j: number) => `${name}${subscript(j + 1)}`;

/** One row per source position j, labelled `name(j)`. */
function perKey(values: number[][], name: (j: number) => string, role: VectorRow["role"]): VectorRow[] {
  return values.map((v, j) => ({ label: name(j), values: v, role }));
}

/**
 * Step 1: the encoder hidden states, one vector per source word.
 * @param keys `[1,S,Hk]`; @param words the S source words (labels)
 */
export function encoderStatesFigure(keys: tf.Tensor3D, words?: string[]): Figure {
  const rows = perKey(rowsOf(keys), (j) => (words ? `${indexed("h", j)} (${words[j]})` : indexed("h", j)), "key");
  return computationFigure(
    [{ title: "encoder hidden states hⱼ", rows }],
    [],
    "Step 1: one hidden state per source word",
  );
}

/**
 * Bahdanau's additive score, drawn: s·Wq and hⱼ·Wk (the two linear layers), their sum through tanh, and
 * the product with v giving one score per encoder state. The scores are `bahdanauScores`'.
 * @param query `[1,Hq]` sᵢ₋₁; @param keys `[1,S,Hk]`; Wq `[Hq,U]`, Wk `[Hk,U]`, v `[U]`
 */
export function additiveScoreFigure(
  query: tf.Tensor2D,
  keys: tf.Tensor3D,
  params: { Wq: tf.Tensor2D; Wk: tf.Tensor2D; v: tf.Tensor1D },
  title = "Step 2: eⱼ = v · tanh(sᵢ₋₁·Wq + hⱼ·Wk)",
): Figure {
  const stages = tidy((): Stage[] => {
    const q = tf.matMul(query, params.Wq);
    const k = projectKeys(keys, params.Wk);
    const hidden = tf.tanh(tf.add(k, q.expandDims(1)));
    const scores = row0(bahdanauScores(query, keys, params));
    return [
      {
        title: "query and keys",
        rows: [
          { label: "sᵢ₋₁", values: row0(query), role: "query" },
          ...perKey(rowsOf(keys), (j) => indexed("h", j), "key"),
        ],
      },
      {
        title: "two linear layers",
        rows: [
          { label: "sᵢ₋₁·Wq", values: row0(q), role: "query" },
          ...perKey(rowsOf(k), (j) => `${indexed("h", j)}·Wk`, "key"),
        ],
      },
      {
        title: "added, then tanh",
        rows: perKey(rowsOf(hidden), (j) => `tanh(sᵢ₋₁Wq + ${indexed("h", j)}Wk)`, "score"),
      },
      { title: "scores", rows: scores.map((e, j) => ({ label: indexed("e", j), values: [e], role: "score" })) },
    ];
  });
  return computationFigure(stages, ["·Wq, ·Wk", "add, tanh", "·v"], title);
}

/** The stages of Luong's `general` score: h_t·Wa, then its dot product with each h̄ⱼ. */
function generalStages(query: tf.Tensor2D, keys: tf.Tensor3D, Wa: tf.Tensor2D): { stages: Stage[]; ops: string[] } {
  const projected = row0(tf.matMul(query, Wa));
  const scores = row0(luongScores("general", query, keys, { Wa }));
  const keyRows = perKey(rowsOf(keys), (j) => indexed("h̄", j), "key");
  return {
    stages: [
      { title: "query and keys", rows: [{ label: "hₜ", values: row0(query), role: "query" }, ...keyRows] },
      { title: "query through Wa", rows: [{ label: "hₜ·Wa", values: projected, role: "query" }, ...keyRows] },
      { title: "scores", rows: scores.map((e, j) => ({ label: indexed("e", j), values: [e], role: "score" })) },
    ],
    ops: ["·Wa", "dot with h̄ⱼ"],
  };
}

/** The stages of Luong's `concat` score: [h_t; h̄ⱼ]·Wa, tanh, then the product with v. */
function concatStages(
  query: tf.Tensor2D,
  keys: tf.Tensor3D,
  params: LuongConcatParams,
): { stages: Stage[]; ops: string[] } {
  const Hq = query.shape[1];
  const q = tf.matMul(query, params.Wa.slice([0, 0], [Hq, -1]));
  const hidden = tf.tanh(tf.add(projectKeys(keys, params.Wa.slice([Hq, 0], [-1, -1]) as tf.Tensor2D), q.expandDims(1)));
  const scores = row0(luongScores("concat", query, keys, { Wa: params.Wa, v: params.v }));
  const keyRows = perKey(rowsOf(keys), (j) => indexed("h̄", j), "key");
  return {
    stages: [
      { title: "query and keys", rows: [{ label: "hₜ", values: row0(query), role: "query" }, ...keyRows] },
      {
        title: "concatenated, through Wa, tanh",
        rows: perKey(rowsOf(hidden), (j) => `tanh([hₜ; ${indexed("h̄", j)}]·Wa)`, "score"),
      },
      { title: "scores", rows: scores.map((e, j) => ({ label: indexed("e", j), values: [e], role: "score" })) },
    ],
    ops: ["[hₜ; h̄ⱼ]·Wa, tanh", "·v"],
  };
}

/**
 * One of Luong's scores, drawn with its intermediate vectors: dot (hₜ · h̄ⱼ), general (hₜ·Wa · h̄ⱼ),
 * concat (v · tanh([hₜ; h̄ⱼ]·Wa)). The scores are `luongScores`'.
 * @param query `[1,Hq]` hₜ; @param keys `[1,S,Hk]`
 */
export function luongScoreFigure(
  kind: "dot" | "general" | "concat",
  query: tf.Tensor2D,
  keys: tf.Tensor3D,
  params: { Wa?: tf.Tensor2D; v?: tf.Tensor1D } = {},
): Figure {
  const { stages, ops } = tidy(() => {
    if (kind === "general") return generalStages(query, keys, params.Wa as tf.Tensor2D);
    if (kind === "concat") return concatStages(query, keys, params as LuongConcatParams);
    const scores = row0(luongScores("dot", query, keys));
    const rows: VectorRow[] = [
      { label: "hₜ", values: row0(query), role: "query" },
      ...perKey(rowsOf(keys), (j) => indexed("h̄", j), "key"),
    ];
    return {
      stages: [
        { title: "query and keys", rows },
        {
          title: "scores",
          rows: scores.map((e, j) => ({ label: indexed("e", j), values: [e], role: "score" as const })),
        },
      ],
      ops: ["hₜ · h̄ⱼ"],
    };
  });
  return computationFigure(stages, ops, `Step 3: the ${kind} score`);
}

/**
 * The softmax, drawn: the scores, their exponentials, and the weights (each exponential over their sum).
 * The weights are `attentionWeights`'. @param scores `[1,S]`
 */
export function softmaxFigure(scores: tf.Tensor2D, title = "Step 3: softmax turns scores into weights"): Figure {
  const { e, exp, weights } = tidy(() => ({
    e: row0(scores),
    exp: row0(tf.exp(scores)),
    weights: row0(attentionWeights(scores)),
  }));
  const total = exp.reduce((a, b) => a + b, 0);
  const column = (values: number[], name: string, role: VectorRow["role"]): VectorRow[] =>
    values.map((x, j) => ({ label: `${name}${subscript(j + 1)}`, values: [x], role }));
  const stages: Stage[] = [
    { title: "scores", rows: column(e, "e", "score") },
    { title: "exp", rows: column(exp, "exp e", "score") },
    { title: "weights (sum 1)", rows: column(weights, "α", "weight") },
  ];
  return computationFigure(stages, ["exp", `÷ ${total.toFixed(3)}`], title);
}

/**
 * The context vector, drawn: each weight times its encoder state, then the sum. The context is
 * `contextVector`'s. @param weights `[1,S]`; @param keys `[1,S,Hk]`
 */
export function contextFigure(weights: tf.Tensor2D, keys: tf.Tensor3D, title = "Step 4: the context vector"): Figure {
  const { a, weighted, context } = tidy(() => ({
    a: row0(weights),
    weighted: rowsOf(tf.mul(keys, weights.expandDims(2))),
    context: row0(contextVector(weights, keys)),
  }));
  const stages: Stage[] = [
    { title: "weights", rows: a.map((x, j) => ({ label: indexed("α", j), values: [x], role: "weight" })) },
    {
      title: "each state times its weight",
      rows: perKey(weighted, (j) => `${indexed("α", j)}·${indexed("h", j)}`, "context"),
    },
    { title: "context", rows: [{ label: "c", values: context, role: "context" }] },
  ];
  return computationFigure(stages, ["× hⱼ", "sum over j"], title);
}

/** The tensors of one RNN step (batch row 0 is drawn), each `[1,n]`. */
export interface RnnStepTensors {
  /** The previous word's embedding `[1,E]`. */
  embedded: tf.Tensor2D;
  /** Bahdanau's context `[1,Hk]`, concatenated to the embedding (none for Luong). */
  context?: tf.Tensor2D;
  /** The previous hidden state `[1,H]`. */
  previous: tf.Tensor2D;
  /** The new hidden state `[1,H]`. */
  next: tf.Tensor2D;
}

/**
 * The RNN step, drawn: its input (the previous word's embedding, with Bahdanau's context) and the previous
 * state give the new state. Names follow the papers: sᵢ₋₁ -> sᵢ (Bahdanau) or hₜ₋₁ -> hₜ (Luong).
 */
export function rnnStepFigure(
  tensors: RnnStepTensors,
  options: { names?: "bahdanau" | "luong"; title?: string } = {},
): Figure {
  const luong = options.names === "luong";
  const [word, before, after] = luong ? ["E yₜ₋₁", "hₜ₋₁", "hₜ"] : ["E yᵢ₋₁", "sᵢ₋₁", "sᵢ"];
  const inputs: VectorRow[] = [{ label: word, values: row0(tensors.embedded), role: "word" }];
  if (tensors.context) inputs.push({ label: "cᵢ", values: row0(tensors.context), role: "context" });
  inputs.push({ label: before, values: row0(tensors.previous), role: luong ? "state" : "query" });
  const stages: Stage[] = [
    { title: tensors.context ? "RNN input [E yᵢ₋₁; cᵢ] and state" : "RNN input and state", rows: inputs },
    { title: "new state", rows: [{ label: after, values: row0(tensors.next), role: luong ? "query" : "state" }] },
  ];
  return computationFigure(stages, ["LSTM step"], options.title ?? `The RNN step gives the new state ${after}`);
}

/**
 * Luong's attentional state, drawn: [cₜ; hₜ] through Wc, then tanh. h̃ₜ is `attentionalState`'s.
 * @param context `[1,Hk]`; @param h `[1,H]`; @param Wc `[Hk+H,H]`
 */
export function attentionalStateFigure(context: tf.Tensor2D, h: tf.Tensor2D, Wc: tf.Tensor2D): Figure {
  const { projected, tilde } = tidy(() => ({
    projected: row0(tf.matMul(tf.concat([context, h], 1), Wc)),
    tilde: row0(attentionalState(context, h, Wc)),
  }));
  const stages: Stage[] = [
    {
      title: "context and state",
      rows: [
        { label: "cₜ", values: row0(context), role: "context" },
        { label: "hₜ", values: row0(h), role: "query" },
      ],
    },
    { title: "[cₜ; hₜ]·Wc", rows: [{ label: "[cₜ; hₜ]·Wc", values: projected, role: "context" }] },
    { title: "attentional state", rows: [{ label: "h̃ₜ", values: tilde, role: "context" }] },
  ];
  return computationFigure(stages, ["·Wc", "tanh"], "Step 6: h̃ₜ = tanh([cₜ; hₜ]·Wc)");
}

/**
 * The classifier, drawn: the features, one score per word (`wordScores`), and their softmax.
 * @param features `[1,F]`; @param W `[F,V]`; @param b optional `[V]`; @param words the V words
 */
export function wordProbabilitiesFigure(
  features: tf.Tensor2D,
  W: tf.Tensor2D,
  b: tf.Tensor1D | undefined,
  words: string[],
  options: { featureName?: string; title?: string } = {},
): Figure {
  const { scores, probabilities } = tidy(() => {
    const s = wordScores(features, W, b);
    return { scores: row0(s), probabilities: row0(tf.softmax(s)) };
  });
  if (words.length !== scores.length)
    throw new Error(`wordProbabilitiesFigure: ${words.length} words for ${scores.length} scores`);
  const perWord = (values: number[], role: VectorRow["role"]): VectorRow[] =>
    values.map((x, k) => ({ label: words[k], values: [x], role }));
  const stages: Stage[] = [
    { title: "features", rows: [{ label: options.featureName ?? "sᵢ", values: row0(features), role: "state" }] },
    { title: "word scores", rows: perWord(scores, "score") },
    { title: "probabilities", rows: perWord(probabilities, "word") },
  ];
  return computationFigure(
    stages,
    [b ? "·W + b" : "·W", "softmax"],
    options.title ?? "The classifier: a probability for every word",
  );
}
