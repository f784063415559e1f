/**
 * Attention in motion, as Plotly animations (`frames`, a Play/Pause button and a slider):
 * - `attentionAnimation`: decoding one output word per frame; lines from the word to every source word
 *   thicken with its attention weights while the heatmap below fills in, row by row.
 * - `movingQueryFigure`: a unit query moves around the circle; the dot, general and additive weights over
 *   a few 2-D keys, and the contexts they give, follow it.
 * The figure's own data is one of its frames (the last word; the first angle), so a static picture shows it.
 */
import * as tf from "@tensorflow/tfjs";
import { AnimationFrame, Figure, Matrix, toMatrix } from "./figure";
import { heatmapTrace } from "./heatmap";
import { ROLE_COLOURS, tint } from "./diagram";
import { bahdanauScores, luongScores } from "../attention/scores";
import { attentionWeights } from "../attention/weights";
import { contextVector } from "../attention/context";

type Trace = Record<string, unknown>;

/** A Plotly figure with animation frames: what `Plotly.newPlot(div, {data, layout, config, frames})` takes. */
export interface AnimatedFigure extends Figure {
  frames: AnimationFrame[];
}

/** A Play button (from the current frame on, 700 ms each) and a Pause button, under the plot's left corner. */
function playPauseMenu(): Record<string, unknown> {
  const still = { frame: { duration: 0, redraw: false }, transition: { duration: 0 }, mode: "immediate" };
  const play = { frame: { duration: 700, redraw: true }, transition: { duration: 0 }, fromcurrent: true };
  return {
    type: "buttons",
    direction: "left",
    showactive: false,
    x: 0,
    xanchor: "left",
    y: 0,
    yanchor: "top",
    pad: { t: 70, r: 10 },
    buttons: [
      { label: "▶ Play", method: "animate", args: [null, { ...play, mode: "immediate" }] },
      { label: "❚❚ Pause", method: "animate", args: [[null], still] },
    ],
  };
}

/**
 * A slider with one step per frame (`labels[k]` under frame `names[k]`), showing frame `active`; it starts
 * right of the Play/Pause buttons in a plot `plotWidth` pixels wide.
 */
function frameSlider(
  names: string[],
  labels: string[],
  active: number,
  { prefix, plotWidth }: { prefix: string; plotWidth: number },
): Record<string, unknown> {
  const jump = { mode: "immediate", frame: { duration: 0, redraw: true }, transition: { duration: 0 } };
  const x = Math.min(0.5, 165 / plotWidth);
  return {
    active,
    x,
    len: 1 - x,
    y: 0,
    yanchor: "top",
    pad: { t: 55 },
    currentvalue: { prefix, visible: true, xanchor: "left" },
    steps: names.map((name, k) => ({ method: "animate", label: labels[k], args: [[name], jump] })),
  };
}

/** The weights `[T,S]` as rows of finite numbers, checked against the token counts. */
function checkedWeights(weights: Matrix, sourceTokens: string[], targetTokens: string[]): number[][] {
  const w = toMatrix(weights, "attentionAnimation weights");
  const T = targetTokens.length,
    S = sourceTokens.length;
  if (w.length !== T || (w[0]?.length ?? 0) !== S || T === 0 || S === 0) {
    throw new Error(
      `attentionAnimation: weights are [${w.length},${w[0]?.length ?? 0}] but there are ${T} target and ${S} source tokens (expected [T,S] = [${T},${S}], neither 0)`,
    );
  }
  w.forEach((row, t) =>
    row.forEach((v, j) => {
      if (!Number.isFinite(v)) throw new Error(`attentionAnimation: weight [${t},${j}] is ${v}, not a number`);
    }),
  );
  return w;
}

/** Where the top panel puts output word t: T words spread under the S source words at x = 0 .. S-1. */
function outputX(t: number, T: number, S: number): number {
  return -0.5 + ((t + 0.5) * S) / T;
}

/** One line per source word j from output word t (y = 0) to j (y = 1): width 1 + 14·weight, faint when small. */
function attentionLines(w: number[][], sourceTokens: string[], targetTokens: string[], t: number): Trace[] {
  const [T, S] = [targetTokens.length, sourceTokens.length];
  const x0 = outputX(t, T, S);
  return sourceTokens.map((source, j) => ({
    type: "scatter",
    mode: "lines",
    name: source,
    // The middle point gives each line a place of its own to hover.
    x: [x0, (x0 + j) / 2, j],
    y: [0, 0.5, 1],
    line: { width: 1 + 14 * w[t][j], color: tint(ROLE_COLOURS.weight, 0.15 + 0.85 * w[t][j]) },
    hovertemplate: `output "${targetTokens[t]}" ← source "${source}"<br>weight ${w[t][j].toFixed(3)}<extra></extra>`,
    showlegend: false,
  }));
}

/** The source words in a row at y = 1, x = 0 .. S-1 (above the heatmap's columns). */
function sourceWordsTrace(sourceTokens: string[]): Trace {
  return {
    type: "scatter",
    mode: "text+markers",
    name: "source",
    x: sourceTokens.map((_, j) => j),
    y: sourceTokens.map(() => 1),
    text: sourceTokens,
    textposition: "top center",
    textfont: { size: 15, color: ROLE_COLOURS.key },
    marker: { size: 11, color: ROLE_COLOURS.key },
    hovertemplate: "source %{text}<extra></extra>",
    showlegend: false,
  };
}

/** The output words at y = 0: words 0..t shown (t, the word being decoded, marked), later ones `""`. */
function outputWordsTrace(targetTokens: string[], S: number, t: number): Trace {
  const T = targetTokens.length;
  return {
    type: "scatter",
    mode: "text+markers",
    name: "output",
    x: targetTokens.map((_, i) => outputX(i, T, S)),
    y: targetTokens.map(() => 0),
    text: targetTokens.map((word, i) => (i <= t ? word : "")),
    textposition: "bottom center",
    textfont: { size: 15, color: ROLE_COLOURS.word },
    marker: {
      size: targetTokens.map((_, i) => (i === t ? 15 : 9)),
      color: targetTokens.map((_, i) => (i === t ? ROLE_COLOURS.query : i < t ? ROLE_COLOURS.word : "rgba(0,0,0,0)")),
    },
    hovertemplate: "output %{text}<extra></extra>",
    showlegend: false,
  };
}

/** The heatmap on axes x2/y2 with rows 0..t filled and later rows null (empty cells); its colour bar beside it. */
function fillingHeatmap(w: number[][], sourceTokens: string[], targetTokens: string[], t: number): Trace {
  const { heatPx, plotH } = animationHeights(targetTokens.length);
  return {
    ...heatmapTrace(w, sourceTokens, targetTokens),
    z: w.map((row, i) => (i <= t ? row : row.map(() => null))),
    xaxis: "x2",
    yaxis: "y2",
    colorbar: { title: { text: "weight" }, thickness: 14, len: heatPx / plotH, y: 0, yanchor: "bottom" },
  };
}

/** The panels' sizes in pixels: the words-and-lines panel on top, a gap, the heatmap below. */
const ANIMATION_PX = { top: 150, gap: 34, cell: 36, margin: { t: 60, b: 150, l: 90, r: 90 } };

/** The heatmap's height and the plot area's (both panels and the gap), in pixels, for T output words. */
function animationHeights(T: number): { heatPx: number; plotH: number } {
  const heatPx = Math.max(90, ANIMATION_PX.cell * T);
  return { heatPx, plotH: ANIMATION_PX.top + ANIMATION_PX.gap + heatPx };
}

/** The figure's width in pixels for S source words. */
function animationWidth(S: number): number {
  return Math.min(800, Math.max(640, 120 + 70 * S));
}

/** Two panels: words and lines on hidden axes x/y (fixed ranges) above the heatmap on x2/y2. */
function animationLayout(sourceTokens: string[], targetTokens: string[], title: string): Record<string, unknown> {
  const S = sourceTokens.length;
  const { top, margin } = ANIMATION_PX;
  const { heatPx, plotH } = animationHeights(targetTokens.length);
  const xRange = [-0.5, S - 0.5];
  const ticks = (tokens: string[]) => ({ tickmode: "array", tickvals: tokens.map((_, i) => i), ticktext: tokens });
  return {
    title: { text: title },
    xaxis: { domain: [0, 1], range: xRange, visible: false, fixedrange: true },
    yaxis: { domain: [1 - top / plotH, 1], range: [-0.6, 1.6], visible: false, fixedrange: true },
    xaxis2: { domain: [0, 1], anchor: "y2", range: xRange, ...ticks(sourceTokens), showgrid: false, zeroline: false },
    yaxis2: {
      domain: [0, heatPx / plotH],
      anchor: "x2",
      ...ticks(targetTokens),
      autorange: "reversed",
      showgrid: false,
      zeroline: false,
      automargin: true,
    },
    width: animationWidth(S),
    height: margin.t + plotH + margin.b,
    margin,
    showlegend: false,
    hovermode: "closest",
  };
}

/**
 * Decoding in motion: one animation frame per output word t. Top panel (axes x/y, hidden): the S source
 * words in a row, the output words 0..t below them, and a line from word t to each source word j whose
 * width (1 + 14·weight) and opacity show `weights[t][j]`. Bottom panel (axes x2/y2): the `[T,S]` heatmap,
 * rows 0..t filled. Traces: 0..S-1 the lines (source word j), S the source words, S+1 the output words,
 * S+2 the heatmap; each frame (named "0".."T-1") changes all but the source words. The figure's own data is
 * the last frame, so a static picture shows the whole sentence.
 *
 * @param weights `[T,S]`: row t holds output word t's attention over the S source words (rows sum to 1)
 * @param sourceTokens S source words; @param targetTokens T output words
 */
export function attentionAnimation(
  weights: Matrix,
  sourceTokens: string[],
  targetTokens: string[],
  options: { title?: string } = {},
): AnimatedFigure {
  const w = checkedWeights(weights, sourceTokens, targetTokens);
  const [T, S] = [targetTokens.length, sourceTokens.length];
  const changing = [...sourceTokens.map((_, j) => j), S + 1, S + 2];
  const frameData = (t: number): Trace[] => [
    ...attentionLines(w, sourceTokens, targetTokens, t),
    outputWordsTrace(targetTokens, S, t),
    fillingHeatmap(w, sourceTokens, targetTokens, t),
  ];
  const last = frameData(T - 1);
  const plotWidth = animationWidth(S) - ANIMATION_PX.margin.l - ANIMATION_PX.margin.r;
  const names = targetTokens.map((_, t) => String(t));
  const layout = animationLayout(sourceTokens, targetTokens, options.title ?? "Decoding, one output word at a time");
  return {
    data: [...last.slice(0, S), sourceWordsTrace(sourceTokens), ...last.slice(S)],
    layout: {
      ...layout,
      updatemenus: [playPauseMenu()],
      sliders: [frameSlider(names, targetTokens, T - 1, { prefix: "output word: ", plotWidth })],
    },
    config: { responsive: true, displaylogo: false },
    frames: names.map((name, t) => ({ name, traces: changing, data: frameData(t) })),
  };
}

export interface MovingQueryOptions {
  /** The general score's `[2,2]` matrix (query·Wa·key). */
  Wa?: number[][];
  /** The additive score's weights: Wq `[2,U]`, Wk `[2,U]`, v `[U]`. */
  additive?: { Wq: number[][]; Wk: number[][]; v: number[] };
  /** How many query positions around the circle (default 24, every 15°). */
  steps?: number;
  /** S names for the keys (default h1, h2, ...). */
  labels?: string[];
  title?: string;
}

/** The three scores that `movingQueryFigure` compares, in trace order. */
export const MOVING_QUERY_SCORES = ["dot", "general", "additive"] as const;
type ScoreKind = (typeof MOVING_QUERY_SCORES)[number];

/** Default weights, chosen so that the three scores weigh the keys visibly differently. */
const DEFAULT_WA = [
  [1.5, 0.5],
  [-0.5, 1],
];
const DEFAULT_ADDITIVE = {
  Wq: [
    [1.5, -1, 0.5],
    [0.5, 1.5, -1],
  ],
  Wk: [
    [1, 1, -1.5],
    [-1, 0.5, 1],
  ],
  v: [1.5, -1, 1],
};

const KIND_STYLE: Record<ScoreKind, { colour: string; dash: string }> = {
  dot: { colour: ROLE_COLOURS.context, dash: "solid" },
  general: { colour: "#e377c2", dash: "dash" },
  additive: { colour: "#7f3c8d", dash: "dot" },
};

/** One query position: its angle in degrees, the query (cos, sin), and each score's weights `[S]` and context `[2]`. */
interface QueryPosition {
  angle: number;
  query: number[];
  weights: Record<ScoreKind, number[]>;
  context: Record<ScoreKind, number[]>;
}

/** Throws unless `m` is a `[rows, cols]` matrix of numbers (cols = -1: any, the same in every row). */
function checkMatrix(name: string, m: number[][], rows: number, cols: number): void {
  const width = cols === -1 ? (m[0]?.length ?? 0) : cols;
  if (!Array.isArray(m) || m.length !== rows || m.some((r) => !Array.isArray(r) || r.length !== width)) {
    const got = Array.isArray(m) ? `[${m.length},${m.map((r) => (Array.isArray(r) ? r.length : "?")).join("|")}]` : "?";
    throw new Error(`movingQueryFigure: ${name} must be [${rows},${cols === -1 ? "U" : cols}], got ${got}`);
  }
}

/**
 * The weights and contexts of every query position at once, from the library's score functions: the P
 * positions are the batch (queries `[P,2]`, the keys repeated `[P,S,2]`). Leaves no tensor behind.
 */
function attendAll(keys: number[][], queries: number[][], Wa: number[][], additive: MovingQueryOptions["additive"]) {
  const out = {} as Record<ScoreKind, { weights: number[][]; context: number[][] }>;
  tf.tidy(() => {
    const q = tf.tensor2d(queries);
    const k = tf.tile(tf.tensor3d([keys]), [queries.length, 1, 1]) as tf.Tensor3D;
    const { Wq, Wk, v } = additive ?? DEFAULT_ADDITIVE;
    const scores: Record<ScoreKind, tf.Tensor2D> = {
      dot: luongScores("dot", q, k),
      general: luongScores("general", q, k, { Wa: tf.tensor2d(Wa) }),
      additive: bahdanauScores(q, k, { Wq: tf.tensor2d(Wq), Wk: tf.tensor2d(Wk), v: tf.tensor1d(v) }),
    };
    for (const kind of MOVING_QUERY_SCORES) {
      const weights = attentionWeights(scores[kind]);
      out[kind] = {
        weights: weights.arraySync(),
        context: contextVector(weights, k).arraySync(),
      };
    }
  });
  return out;
}

/** The query positions: `steps` angles from 0° around the circle, each with its weights and contexts. */
function queryPositions(keys: number[][], options: MovingQueryOptions): QueryPosition[] {
  const steps = options.steps ?? 24;
  if (!Number.isInteger(steps) || steps < 1)
    throw new Error(`movingQueryFigure: steps must be a whole number >= 1, got ${steps}`);
  checkMatrix("keys", keys, keys.length, 2);
  if (keys.length === 0) throw new Error("movingQueryFigure: keys must be [S,2] with S >= 1, got no keys");
  const Wa = options.Wa ?? DEFAULT_WA;
  checkMatrix("Wa", Wa, 2, 2);
  if (options.additive) {
    checkMatrix("additive.Wq", options.additive.Wq, 2, -1);
    const U = options.additive.Wq[0].length;
    checkMatrix("additive.Wk", options.additive.Wk, 2, U);
    if (options.additive.v.length !== U)
      throw new Error(`movingQueryFigure: additive.v must be [U] = [${U}], got [${options.additive.v.length}]`);
  }
  const angles = Array.from({ length: steps }, (_, p) => (360 * p) / steps);
  const queries = angles.map((a) => [Math.cos((a * Math.PI) / 180), Math.sin((a * Math.PI) / 180)]);
  const all = attendAll(keys, queries, Wa, options.additive);
  return angles.map((angle, p) => ({
    angle,
    query: queries[p],
    weights: { dot: all.dot.weights[p], general: all.general.weights[p], additive: all.additive.weights[p] },
    context: { dot: all.dot.context[p], general: all.general.context[p], additive: all.additive.context[p] },
  }));
}

/** An arrow from the origin to `tip`: a line with an arrowhead marker (pointing along the line) and a label. */
function arrowTrace(tip: number[], colour: string, label: string, extra: Trace = {}): Trace {
  const side = `${tip[1] >= 0 ? "top" : "bottom"} ${tip[0] >= 0 ? "right" : "left"}`;
  return {
    type: "scatter",
    mode: "lines+markers+text",
    x: [0, tip[0]],
    y: [0, tip[1]],
    text: ["", label],
    textposition: side,
    textfont: { color: colour, size: 14 },
    line: { color: colour, width: 2.5 },
    marker: { symbol: ["circle", "arrow"], angleref: "previous", size: [0, 14], color: colour },
    hovertemplate: `${label} (%{x:.3f}, %{y:.3f})<extra></extra>`,
    showlegend: false,
    ...extra,
  };
}

/** What changes with the query: the query arrow, the three contexts (left), the three weight bars (right). */
function positionTraces(pos: QueryPosition, labels: string[]): Trace[] {
  const contexts = MOVING_QUERY_SCORES.map((kind) =>
    arrowTrace(pos.context[kind], KIND_STYLE[kind].colour, "", {
      name: `context (${kind})`,
      legendgroup: kind,
      line: { color: KIND_STYLE[kind].colour, width: 3, dash: KIND_STYLE[kind].dash },
      hovertemplate: `context, ${kind} (%{x:.3f}, %{y:.3f})<extra></extra>`,
    }),
  );
  const bars = MOVING_QUERY_SCORES.map((kind) => ({
    type: "bar",
    name: kind,
    legendgroup: kind,
    x: labels.map((_, j) => j),
    y: pos.weights[kind],
    customdata: labels,
    hovertemplate: `${kind}: weight of %{customdata} %{y:.3f}<extra></extra>`,
    marker: { color: KIND_STYLE[kind].colour },
    xaxis: "x2",
    yaxis: "y2",
  }));
  const query = arrowTrace(pos.query, ROLE_COLOURS.query, "q", { name: `query at ${angleLabel(pos.angle)}` });
  return [{ ...query, line: { color: ROLE_COLOURS.query, width: 4 } }, ...contexts, ...bars];
}

/** An angle in degrees as a slider label: "15°", "51.4°". */
function angleLabel(angle: number): string {
  return `${Number(angle.toFixed(1))}°`;
}

/** The unit circle the query moves on (dotted, no hover). */
function unitCircle(): Trace {
  const a = Array.from({ length: 73 }, (_, i) => (i * 2 * Math.PI) / 72);
  return {
    type: "scatter",
    mode: "lines",
    name: "unit circle",
    x: a.map(Math.cos),
    y: a.map(Math.sin),
    line: { color: "#bbbbbb", width: 1, dash: "dot" },
    hoverinfo: "skip",
    showlegend: false,
  };
}

/** The moving-query figure's size and margins, in pixels. */
const QUERY_PX = { width: 800, height: 500, margin: { t: 80, b: 140, l: 50, r: 30 } };

/** The vector plane (x/y, equal aspect) on the left and the weight bars (x2/y2, [0, 1]) on the right. */
function movingQueryLayout(labels: string[], title: string): Record<string, unknown> {
  // constrain "domain": the equal aspect narrows the panel, and the ranges stay as given.
  const plane = { range: [-1.6, 1.6], constrain: "domain", zeroline: true, zerolinecolor: "#dddddd", fixedrange: true };
  return {
    title: { text: title },
    xaxis: { ...plane, domain: [0, 0.46] },
    yaxis: { ...plane, scaleanchor: "x", scaleratio: 1 },
    xaxis2: {
      domain: [0.58, 1],
      anchor: "y2",
      range: [-0.5, labels.length - 0.5],
      tickmode: "array",
      tickvals: labels.map((_, j) => j),
      ticktext: labels,
    },
    yaxis2: { anchor: "x2", range: [0, 1], title: { text: "weight" }, fixedrange: true },
    barmode: "group",
    legend: { orientation: "h", x: 1, xanchor: "right", y: 1.02, yanchor: "bottom" },
    hovermode: "closest",
    ...QUERY_PX,
  };
}

/**
 * Move the query, watch the weights: a slider turns a unit query q = (cos a, sin a) around the circle
 * (`steps` angles from 0°) over S fixed 2-D keys. For each angle the library's `luongScores` ("dot",
 * "general" with `Wa`) and `bahdanauScores` (additive) give scores, `attentionWeights` the weights and
 * `contextVector` the contexts. Traces: 0 the unit circle, 1..S the keys (arrows from the origin), S+1 the
 * query, S+2..S+4 the dot, general and additive contexts (all on x/y), S+5..S+7 their weights as bars (on
 * x2/y2). Each frame (named "0".."steps-1") changes traces S+1..S+7; the figure's own data is angle 0°.
 *
 * @param keys `[S,2]`: the keys (encoder states) as points of the plane
 * @param options.Wa `[2,2]`; options.additive Wq `[2,U]`, Wk `[2,U]`, v `[U]` (defaults: fixed, U = 3)
 */
export function movingQueryFigure(keys: number[][], options: MovingQueryOptions = {}): AnimatedFigure {
  const positions = queryPositions(keys, options);
  const labels = options.labels ?? keys.map((_, j) => `h${j + 1}`);
  if (labels.length !== keys.length)
    throw new Error(
      `movingQueryFigure: ${labels.length} labels for ${keys.length} keys (keys are [S,2], S=${keys.length})`,
    );
  const S = keys.length;
  const changing = Array.from({ length: 7 }, (_, i) => S + 1 + i);
  const names = positions.map((_, p) => String(p));
  const layout = movingQueryLayout(labels, options.title ?? "Move the query: dot, general and additive scores");
  return {
    data: [
      unitCircle(),
      ...keys.map((key, j) => arrowTrace(key, ROLE_COLOURS.key, labels[j], { name: labels[j] })),
      ...positionTraces(positions[0], labels),
    ],
    layout: {
      ...layout,
      updatemenus: [playPauseMenu()],
      sliders: [
        frameSlider(
          names,
          positions.map((p) => angleLabel(p.angle)),
          0,
          { prefix: "query angle: ", plotWidth: QUERY_PX.width - QUERY_PX.margin.l - QUERY_PX.margin.r },
        ),
      ],
    },
    config: { responsive: true, displaylogo: false },
    frames: positions.map((pos, p) => ({ name: names[p], traces: changing, data: positionTraces(pos, labels) })),
  };
}
