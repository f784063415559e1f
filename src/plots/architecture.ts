/**
 * The models, drawn: where the encoder states, the query, the scores, the weights and the context sit in
 * one decoder step, and where the context goes. Bahdanau's query is the previous state s_{i-1} and its
 * context goes into the RNN step; Luong's query is the new state h_t and its context goes into h̃_t after
 * it; the model without attention hands the decoder one vector. Taught in notebooks 00, 01, 02 and 08.
 */
import type { Figure } from "./figure";
import { BoxPlace, Drawing, ROLE_COLOURS } from "./diagram";

export type ArchitectureKind = "bahdanau" | "luong" | "none";

const DEFAULT_SOURCE = ["she", "kissed", "him"];

/** The encoder: the source words below, one state box hⱼ each, joined by the recurrence; returns the boxes. */
function drawEncoder(d: Drawing, words: string[], y = 110): BoxPlace[] {
  const boxes = words.map((w, j) => {
    const box = d.box({ x: 50 + 85 * j, y, w: 66, h: 36 }, `h${subscript(j + 1)}`, "key");
    d.text(box.x, 38, w, { colour: ROLE_COLOURS.word });
    d.arrow([box.x, 50], [box.x, y - 19], "word");
    return box;
  });
  boxes.slice(1).forEach((b, j) => d.connect(boxes[j], b, "key"));
  d.text(50 + 85 * (words.length - 1) * 0.5, 12, "encoder (reads the source)", {
    size: 11,
    colour: ROLE_COLOURS.key,
  });
  return boxes;
}

const SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉";

/** A number in Unicode subscript digits. */
export function subscript(n: number): string {
  return String(n)
    .split("")
    .map((c) => SUBSCRIPTS[Number(c)])
    .join("");
}

/** The attention column: scores, weights, context, fed by every encoder state (the keys). */
function drawAttention(d: Drawing, keys: BoxPlace[], scoreText: string, t: string): Record<string, BoxPlace> {
  const score = d.box({ x: 390, y: 200, w: 330, h: 40 }, scoreText, "score");
  const weights = d.box({ x: 390, y: 265, w: 270, h: 36 }, `weights α${t}ⱼ = softmax over j of e${t}ⱼ`, "weight");
  const context = d.box({ x: 390, y: 330, w: 270, h: 36 }, `context c${t} = Σⱼ α${t}ⱼ hⱼ`, "context");
  keys.forEach((k, j) =>
    d.arrow([k.x, k.y + 18], [score.x - 145 + 40 * j, score.y - 20], "key", j === keys.length - 1 ? "keys hⱼ" : ""),
  );
  d.arrow([keys[0].x - 20, keys[0].y + 18], [context.x - 135, context.y], "key", "values hⱼ", { dash: true });
  d.connect(score, weights, "score").connect(weights, context, "weight");
  return { score, weights, context };
}

/** Bahdanau et al. (2015): the previous state scores, and the context goes into the RNN step. */
function drawBahdanau(d: Drawing, keys: BoxPlace[]): void {
  const { score, context } = drawAttention(d, keys, "scores eᵢⱼ = vᵀ tanh(Wq sᵢ₋₁ + Wk hⱼ)", "ᵢ");
  const previous = d.box({ x: 590, y: 110, w: 76, h: 36 }, "sᵢ₋₁", "query");
  const state = d.box({ x: 720, y: 110, w: 76, h: 36 }, "sᵢ", "state");
  const output = d.box({ x: 720, y: 400, w: 76, h: 32 }, "yᵢ", "word");
  d.arrow([previous.x - 10, previous.y + 18], [score.x + 120, score.y - 20], "query", "query sᵢ₋₁");
  d.connect(previous, state, "state");
  d.text(652, 90, "RNN step", { size: 11, colour: ROLE_COLOURS.state });
  d.arrow([context.x + 135, context.y], [state.x - 20, state.y + 18], "context", "cᵢ into the RNN step");
  d.text(770, 38, "previous word yᵢ₋₁", { colour: ROLE_COLOURS.word, anchor: "right" }).arrow(
    [720, 50],
    [720, 91],
    "word",
  );
  d.arrow([state.x, state.y + 18], [output.x, output.y - 16], "state", "softmax(W sᵢ)", { labelLeft: true });
}

/** Luong et al. (2015): the RNN step first, its new state scores, and the context goes into h̃ₜ after it. */
function drawLuong(d: Drawing, keys: BoxPlace[]): void {
  const { score, context } = drawAttention(d, keys, "scores eₜⱼ = score(hₜ, h̄ⱼ): dot, general, concat", "ₜ");
  const previous = d.box({ x: 590, y: 110, w: 76, h: 36 }, "hₜ₋₁", "state");
  const state = d.box({ x: 720, y: 110, w: 76, h: 36 }, "hₜ", "query");
  const tilde = d.box({ x: 700, y: 330, w: 140, h: 36 }, "h̃ₜ = tanh(Wc[cₜ; hₜ])", "context");
  const output = d.box({ x: 700, y: 400, w: 76, h: 32 }, "yₜ", "word");
  d.connect(previous, state, "state");
  d.text(638, 90, "RNN step first", { size: 11, colour: ROLE_COLOURS.state });
  d.arrow([state.x - 20, state.y + 18], [score.x + 140, score.y - 20], "query", "query hₜ");
  d.connect(context, tilde, "context", "cₜ");
  d.arrow([state.x + 20, state.y + 18], [tilde.x + 40, tilde.y - 18], "state");
  d.text(770, 38, "previous word yₜ₋₁", { colour: ROLE_COLOURS.word, anchor: "right" }).arrow(
    [720, 50],
    [720, 91],
    "word",
  );
  d.arrow([tilde.x, tilde.y + 18], [output.x, output.y - 16], "context", "softmax(Ws h̃ₜ)", { labelLeft: true });
}

/** The encoder-decoder without attention: the decoder starts from the last encoder state, and sees nothing else. */
function drawPlain(d: Drawing, keys: BoxPlace[], targets: string[]): void {
  const last = keys[keys.length - 1];
  const states = targets.map((w, t) => {
    const box = d.box({ x: 440 + 85 * t, y: 110, w: 66, h: 36 }, `s${subscript(t + 1)}`, "state");
    d.text(box.x, 200, w, { colour: ROLE_COLOURS.word }).arrow([box.x, box.y + 18], [box.x, 188], "state");
    return box;
  });
  states.slice(1).forEach((b, t) => d.connect(states[t], b, "state"));
  d.connect(last, states[0], "context");
  d.text((last.x + states[0].x) / 2, 160, "the whole sentence in one vector:", {
    size: 12,
    colour: ROLE_COLOURS.context,
  });
  d.text((last.x + states[0].x) / 2, 143, "the bottleneck", { size: 12, colour: ROLE_COLOURS.context, bold: true });
  d.text(440 + 85 * (targets.length - 1) * 0.5, 68, "decoder (each word is the next step's input)", {
    size: 11,
    colour: ROLE_COLOURS.state,
  });
}

const TITLES: Record<ArchitectureKind, string> = {
  bahdanau: "Bahdanau: sᵢ₋₁ → scores → weights → context cᵢ → RNN step → sᵢ → yᵢ",
  luong: "Luong: RNN step → hₜ → scores → weights → context cₜ → h̃ₜ → yₜ",
  none: "No attention: the decoder sees only the encoder's last state",
};

/**
 * One decoder step of a model, drawn: the encoder states over the source words, the decoder state used as
 * the query, the scores, the softmax, the context and where it goes ("none": the model without attention,
 * unrolled over `targetWords`).
 */
export function architectureFigure(
  kind: ArchitectureKind,
  options: { sourceWords?: string[]; targetWords?: string[]; title?: string } = {},
): Figure {
  const words = options.sourceWords ?? DEFAULT_SOURCE;
  if (words.length < 1 || words.length > 4)
    throw new Error(`architectureFigure: 1 to 4 source words, got ${words.length}`);
  const d = new Drawing(780, kind === "none" ? 230 : 430);
  const keys = drawEncoder(d, words);
  if (kind === "bahdanau") drawBahdanau(d, keys);
  else if (kind === "luong") drawLuong(d, keys);
  else if (kind === "none") drawPlain(d, keys, options.targetWords ?? ["sie", "küsste", "ihn", "."]);
  else throw new Error(`architectureFigure: unknown kind "${String(kind)}" (bahdanau, luong or none)`);
  return d.figure(options.title ?? TITLES[kind]);
}

/** One row of the comparison: boxes left to right in time, each [label, role], joined by arrows. */
function drawChain(d: Drawing, y: number, name: string, boxes: Array<[string, keyof typeof ROLE_COLOURS]>): void {
  d.text(8, y + 34, name, { anchor: "left", bold: true, size: 14 });
  const placed = boxes.map(([label, role], k) => d.box({ x: 60 + 130 * k, y, w: 112, h: 40 }, label, role));
  placed.slice(1).forEach((b, k) => d.connect(placed[k], b, "word"));
}

/**
 * Bahdanau and Luong side by side, in time order: the same pieces, with the RNN step before the attention
 * (Luong) or after it (Bahdanau). Taught in notebook 02.
 */
export function compareAttentionFigure(): Figure {
  const d = new Drawing(780, 260);
  drawChain(d, 180, "Bahdanau", [
    ["query sᵢ₋₁", "query"],
    ["scores", "score"],
    ["weights", "weight"],
    ["context cᵢ", "context"],
    ["RNN step → sᵢ", "state"],
    ["word yᵢ", "word"],
  ]);
  drawChain(d, 60, "Luong", [
    ["RNN step → hₜ", "state"],
    ["query hₜ", "query"],
    ["scores", "score"],
    ["weights", "weight"],
    ["context cₜ", "context"],
    ["h̃ₜ → word yₜ", "word"],
  ]);
  d.text(390, 122, "time →   Bahdanau attends before its RNN step, Luong after it", { size: 12, colour: "#444444" });
  return d.figure("When attention runs: before the RNN step (Bahdanau) or after it (Luong)");
}

/**
 * The whole encoder-decoder once: the encoder over the source, the decoder writing the target, and the
 * attention of one decoder step reaching back to every encoder state (line width: the weight). Taught in
 * notebook 00.
 */
export function encoderDecoderFigure(
  sourceWords: string[] = ["she", "kissed", "him", "."],
  targetWords: string[] = ["sie", "küsste", "ihn", "."],
  weights: number[] = [0.1, 0.15, 0.7, 0.05],
): Figure {
  if (weights.length !== sourceWords.length) {
    throw new Error(`encoderDecoderFigure: ${weights.length} weights for ${sourceWords.length} source words`);
  }
  const d = new Drawing(780, 300);
  const keys = drawEncoder(d, sourceWords);
  const states = targetWords.map((w, t) => {
    const box = d.box({ x: 440 + 90 * t, y: 200, w: 66, h: 36 }, `s${subscript(t + 1)}`, t === 2 ? "query" : "state");
    d.text(box.x, 275, w, { colour: ROLE_COLOURS.word }).arrow([box.x, box.y + 18], [box.x, 263], "state");
    return box;
  });
  states.slice(1).forEach((b, t) => d.connect(states[t], b, "state"));
  d.connect(keys[keys.length - 1], states[0], "state");
  keys.forEach((k, j) =>
    d.arrow([states[2].x - 20, states[2].y - 18], [k.x, k.y + 18], "weight", "", { width: 1 + 6 * weights[j] }),
  );
  d.text(10, 285, "attention of s₃ (orange): one line per source word, as wide as its weight", {
    size: 11,
    colour: ROLE_COLOURS.weight,
    anchor: "left",
  });
  return d.figure("The encoder-decoder with attention: every output word looks back at every source word");
}
