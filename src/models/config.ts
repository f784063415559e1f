/**
 * A model's configuration, its defaults, and its rules: the one validator that the library (`Seq2Seq`), the
 * command line (`npm run train`) and the checkpoint loader use. `strict` (for files, which anyone may have
 * written) also checks every field's type and the workbook's size limits before anything is allocated.
 */
import type { CellType } from "../nn/layers";
import { checkValue, int, num, oneOf, LIMITS } from "../util/validate";

/**
 * The decoders: Bahdanau, Luong's global attention with its dot, general and concat scores, a variant of
 * Luong concat, Luong's location score (global, eq. 8), Luong's local attention (section 3.2: local-m and
 * local-p, with the general score), and two without attention (notebook 08): `none` (Sutskever et al. 2014,
 * starts from the encoder's final state) and `none-cho` (Cho et al. 2014, reads it at every step and in the
 * output).
 */
export const ATTENTION_KINDS = [
  "bahdanau",
  "luong-dot",
  "luong-general",
  "luong-concat",
  "luong-concat-shared",
  "luong-location",
  "luong-local-m",
  "luong-local-p",
  "none",
  "none-cho",
] as const;
export type AttentionKind = (typeof ATTENTION_KINDS)[number];

/** The local attention kinds (`LuongLocalAttention`), which have a window. */
export const LOCAL_KINDS: readonly AttentionKind[] = ["luong-local-m", "luong-local-p"];

/**
 * The window's half-width D of local attention by default. The paper uses D = 10 on WMT sentences of
 * about 25 words; the workbook's sentences have about 6 words, where D = 10 would cover every sentence and
 * make local attention global. D = 2 (σ = 1) keeps the window at 5 of them.
 */
export const DEFAULT_WINDOW = 2;

export interface Seq2SeqConfig {
  attention: AttentionKind;
  sourceVocabSize: number;
  targetVocabSize: number;
  embeddingSize: number;
  hiddenSize: number;
  /** U, for the additive scores (Bahdanau, Luong concat); default hiddenSize. */
  attentionUnits?: number;
  cell: CellType;
  bidirectional: boolean;
  /** Local attention only (luong-local-m, luong-local-p): D, the window [p_t - D, p_t + D]; default `DEFAULT_WINDOW`. */
  window?: number;
  /** luong-location only: the longest source its Wa `[H,Smax]` scores; default 64 (`DEFAULT_MAX_SOURCE_LENGTH`). */
  maxSourceLength?: number;
  /** Luong only: feed h̃_{t-1} into the next step (Luong et al. 2015, section 3.3). */
  inputFeeding: boolean;
  /** Bahdanau only: the paper's deep output layer with a maxout (notebook 01, "Where this notebook departs"). */
  deepOutput?: boolean;
  /**
   * Luong only: what the classifier reads. "attentional" (default): the paper's h̃ = tanh([c; h]·Wc) (eq. 5);
   * "tutorial": [h; c] straight into the classifier, no Wc and no tanh (the FloydHub tutorial's
   * `Linear(hidden*2, vocab)`, notebook 10).
   */
  outputLayer?: "attentional" | "tutorial";
  /** Bidirectional only: the decoder's start state from both directions (default) or the paper's backward one. */
  startState?: "both" | "backward";
  /** Dropout on embeddings and on the classifier's input while training. */
  dropout: number;
  seed: number;
}

export const DEFAULT_MODEL: Omit<Seq2SeqConfig, "sourceVocabSize" | "targetVocabSize"> = {
  attention: "luong-general",
  embeddingSize: 64,
  hiddenSize: 128,
  cell: "lstm",
  bidirectional: false,
  inputFeeding: false,
  dropout: 0,
  seed: 1,
};

/** A rule between fields: `broken(c)` when the combination cannot be built; `why` says what to do. */
export interface ModelRule {
  fields: Array<keyof Seq2SeqConfig>;
  broken(c: Partial<Seq2SeqConfig>): boolean;
  why: string;
}

/** The rules between fields, in one place (the CLI names its flags for the fields). */
export const MODEL_RULES: readonly ModelRule[] = [
  {
    fields: ["attention", "bidirectional"],
    broken: (c) => c.attention === "luong-dot" && Boolean(c.bidirectional),
    why: "luong-dot needs keys and query of one size: a bidirectional encoder gives 2H keys for an H decoder; use luong-general or luong-concat",
  },
  {
    fields: ["deepOutput", "attention"],
    broken: (c) => Boolean(c.deepOutput) && c.attention !== "bahdanau",
    why: "deepOutput is Bahdanau's output layer; use it with attention bahdanau",
  },
  {
    fields: ["window", "attention"],
    broken: (c) => c.window !== undefined && c.attention !== undefined && !LOCAL_KINDS.includes(c.attention),
    why: "window is local attention's D; use it with attention luong-local-m or luong-local-p",
  },
  {
    fields: ["maxSourceLength", "attention"],
    broken: (c) => c.maxSourceLength !== undefined && c.attention !== undefined && c.attention !== "luong-location",
    why: "maxSourceLength sizes the location score's Wa; use it with attention luong-location",
  },
  {
    fields: ["outputLayer", "attention"],
    broken: (c) => c.outputLayer === "tutorial" && !c.attention?.startsWith("luong-"),
    why: `outputLayer "tutorial" replaces Luong's attentional state h̃; use it with a luong-* attention`,
  },
  {
    fields: ["outputLayer", "inputFeeding"],
    broken: (c) => c.outputLayer === "tutorial" && Boolean(c.inputFeeding),
    why: `outputLayer "tutorial" has no attentional state h̃ to feed back; use it without inputFeeding`,
  },
  {
    fields: ["startState", "bidirectional"],
    broken: (c) => c.startState === "backward" && !c.bidirectional,
    why: `startState "backward" is the backward encoder's state at the first word; it needs bidirectional: true`,
  },
];

/** The rules a configuration breaks (none: an empty list). */
export function brokenModelRules(c: Partial<Seq2SeqConfig>): ModelRule[] {
  return MODEL_RULES.filter((r) => r.broken(c));
}

/**
 * Checks a model configuration and returns it. Every field: its kind (one of `ATTENTION_KINDS`, "lstm" or
 * "gru", booleans), its range (sizes positive integers; with `strict`, within the workbook's LIMITS), then
 * `MODEL_RULES`. An error names `where` and the field.
 *
 * @param options.where who reads the configuration (default "model config"); @param options.strict for files
 */
export function checkModelConfig(config: unknown, options: { where?: string; strict?: boolean } = {}): Seq2SeqConfig {
  const where = options.where ?? "model config";
  if (!config || typeof config !== "object") throw new Error(`${where}: no "model" section`);
  const c = config as Seq2SeqConfig;
  const field = options.strict ? (k: string) => `model.${k}` : (k: string) => k;
  const size = (max: number) => (options.strict ? int(1, max) : int(1, Number.MAX_SAFE_INTEGER));
  if (options.strict) checkValue(where, field("attention"), c.attention, oneOf(ATTENTION_KINDS));
  else if (!ATTENTION_KINDS.includes(c.attention))
    throw new Error(`${where}: unknown attention kind "${c.attention}": use one of ${ATTENTION_KINDS.join(", ")}`);
  const vocab = options.strict ? int(4, LIMITS.vocabSize) : size(0);
  checkValue(where, field("sourceVocabSize"), c.sourceVocabSize, vocab);
  checkValue(where, field("targetVocabSize"), c.targetVocabSize, vocab);
  checkValue(where, field("embeddingSize"), c.embeddingSize, size(LIMITS.embeddingSize));
  checkValue(where, field("hiddenSize"), c.hiddenSize, size(LIMITS.hiddenSize));
  if (c.attentionUnits !== undefined)
    checkValue(where, field("attentionUnits"), c.attentionUnits, size(LIMITS.attentionUnits));
  if (c.window !== undefined) checkValue(where, field("window"), c.window, int(1, LIMITS.maxLength));
  if (c.maxSourceLength !== undefined)
    checkValue(where, field("maxSourceLength"), c.maxSourceLength, int(1, LIMITS.maxLength));
  checkValue(where, field("cell"), c.cell, oneOf(["lstm", "gru"]));
  checkValue(where, field("dropout"), c.dropout, num(0, 1, { maxOpen: true }));
  checkValue(where, field("seed"), c.seed, num(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
  for (const k of ["bidirectional", "inputFeeding", "deepOutput"] as const) {
    const optional = k === "deepOutput" || !options.strict;
    if ((c[k] === undefined && optional) || typeof c[k] === "boolean") continue;
    throw new Error(`${where}: ${field(k)} ${JSON.stringify(c[k])} is not true or false`);
  }
  if (c.outputLayer !== undefined)
    checkValue(where, field("outputLayer"), c.outputLayer, oneOf(["attentional", "tutorial"]));
  if (c.startState !== undefined) checkValue(where, field("startState"), c.startState, oneOf(["both", "backward"]));
  const broken = brokenModelRules(c);
  if (broken.length) throw new Error(`${where}: ${broken[0].why}`);
  return c;
}
