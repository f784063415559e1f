/**
 * The pictures that teach (src/plots/diagram.ts, architecture.ts, step-figures.ts): the architecture drawings
 * put the context where each paper puts it, each step picture draws the library's own numbers and changes
 * with its inputs, nothing leaks, and the static picture draws the same boxes, texts and arrows.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as wb from "attention-workbook";
import { drawingTexts, formatValue, staticSvg, computationFigure, Figure } from "attention-workbook/plots";

const { tf } = wb;

type Annotation = { x: number; y: number; ax?: number; ay?: number; text?: string; showarrow?: boolean };
type Rect = { x0: number; x1: number; y0: number; y1: number };

/** The box whose label is `label` (the rectangle under the annotation with that text). */
function boxOf(fig: Figure, label: string): Rect {
  const a = (fig.layout.annotations as Annotation[]).find((x) => x.text === label);
  assert.ok(a, `no box labelled ${label}: ${drawingTexts(fig).join(" | ")}`);
  const rect = (fig.layout.shapes as Rect[]).find((r) => r.x0 <= a.x && a.x <= r.x1 && r.y0 <= a.y && a.y <= r.y1);
  assert.ok(rect, `no rectangle around ${label}`);
  return rect;
}

const inside = (r: Rect, x: number, y: number, slack = 2) =>
  r.x0 - slack <= x && x <= r.x1 + slack && r.y0 - slack <= y && y <= r.y1 + slack;

/** The arrows (tail -> head) of a drawing. */
function arrows(fig: Figure): Array<{ from: [number, number]; to: [number, number] }> {
  return (fig.layout.annotations as Annotation[])
    .filter((a) => a.showarrow)
    .map((a) => ({ from: [a.ax as number, a.ay as number], to: [a.x, a.y] }));
}

/** True when an arrow leaves box `a` and ends at box `b`. */
function joins(fig: Figure, a: Rect, b: Rect): boolean {
  return arrows(fig).some(({ from, to }) => inside(a, ...from) && inside(b, ...to));
}

describe("pictures: the models drawn", () => {
  it("Bahdanau's context goes into the RNN step that makes sᵢ, from the query sᵢ₋₁", () => {
    const fig = wb.architectureFigure("bahdanau");
    const context = boxOf(fig, "context cᵢ = Σⱼ αᵢⱼ hⱼ");
    const score = boxOf(fig, "scores eᵢⱼ = vᵀ tanh(Wq sᵢ₋₁ + Wk hⱼ)");
    assert.ok(joins(fig, context, boxOf(fig, "sᵢ")), "an arrow from the context to sᵢ");
    assert.ok(joins(fig, boxOf(fig, "sᵢ₋₁"), score), "an arrow from the query sᵢ₋₁ to the scores");
    for (const h of ["h₁", "h₂", "h₃"]) assert.ok(joins(fig, boxOf(fig, h), score), `key ${h} feeds the scores`);
  });

  it("Luong's query is the new state hₜ, and its context goes into h̃ₜ after the RNN step", () => {
    const fig = wb.architectureFigure("luong");
    const tilde = boxOf(fig, "h̃ₜ = tanh(Wc[cₜ; hₜ])");
    assert.ok(joins(fig, boxOf(fig, "context cₜ = Σⱼ αₜⱼ hⱼ"), tilde), "context -> h̃ₜ");
    assert.ok(joins(fig, boxOf(fig, "hₜ₋₁"), boxOf(fig, "hₜ")), "the RNN step hₜ₋₁ -> hₜ");
    assert.ok(joins(fig, boxOf(fig, "hₜ"), tilde), "hₜ -> h̃ₜ");
    assert.ok(!joins(fig, boxOf(fig, "context cₜ = Σⱼ αₜⱼ hⱼ"), boxOf(fig, "hₜ")), "the context does not feed hₜ");
  });

  it("without attention, one arrow carries the whole sentence from the last encoder state", () => {
    const fig = wb.architectureFigure("none", { sourceWords: ["she", "kissed", "him", "."] });
    assert.ok(drawingTexts(fig).includes("the bottleneck"));
    assert.ok(joins(fig, boxOf(fig, "h₄"), boxOf(fig, "s₁")));
    assert.ok(!joins(fig, boxOf(fig, "h₁"), boxOf(fig, "s₁")));
    assert.throws(() => wb.architectureFigure("bahdanau", { sourceWords: [] }), /1 to 4 source words, got 0/);
  });

  it("the comparison puts Luong's RNN step before its scores and Bahdanau's after", () => {
    const fig = wb.compareAttentionFigure();
    const x = (label: string, row: "top" | "bottom") => {
      const hits = (fig.layout.annotations as Annotation[]).filter((a) => a.text === label);
      const sorted = hits.sort((a, b) => b.y - a.y);
      return (row === "top" ? sorted[0] : sorted[sorted.length - 1]).x;
    };
    assert.ok(x("RNN step → sᵢ", "top") > x("scores", "top"), "Bahdanau: scores, then the RNN step");
    assert.ok(x("RNN step → hₜ", "bottom") < x("scores", "bottom"), "Luong: the RNN step, then scores");
  });

  it("the encoder-decoder picture draws one attention line per source word, as wide as its weight", () => {
    const fig = wb.encoderDecoderFigure(["a", "b", "c"], ["x", "y", "z"], [0.2, 0.7, 0.1]);
    const widths = (fig.layout.annotations as Array<{ arrowwidth?: number; arrowcolor?: string }>)
      .filter((a) => a.arrowcolor === "#2e8b57")
      .map((a) => a.arrowwidth);
    assert.deepEqual(widths, [1 + 6 * 0.2, 1 + 6 * 0.7, 1 + 6 * 0.1]);
    assert.throws(() => wb.encoderDecoderFigure(["a"], ["x"], [0.5, 0.5]), /2 weights for 1 source words/);
  });
});

/** Every number drawn in a step picture's boxes. */
const drawnNumbers = (fig: Figure) => drawingTexts(fig).filter((t) => /^-?\d/.test(t));

describe("pictures: each step drawn with the cell's own numbers", () => {
  const tensors = () => ({
    keys: tf.tensor3d([
      [
        [1, 1, 0],
        [0, 1, 1],
      ],
    ]),
    query: tf.tensor2d([[1, 0, 2]]),
    Wq: tf.tensor2d([
      [1, 0],
      [0, 1],
      [0, 0],
    ]),
    Wk: tf.tensor2d([
      [0, 0],
      [1, 0],
      [0, 1],
    ]),
    v: tf.tensor1d([1, -1]),
  });

  it("the additive score picture draws s·Wq, hⱼ·Wk, the tanh of their sums and bahdanauScores' scores", () => {
    const t = tensors();
    const fig = wb.additiveScoreFigure(t.query, t.keys, { Wq: t.Wq, Wk: t.Wk, v: t.v });
    const scores = Array.from(wb.bahdanauScores(t.query, t.keys, { Wq: t.Wq, Wk: t.Wk, v: t.v }).dataSync());
    // By hand (notebook 01): s·Wq = (1, 0), h1·Wk = (1, 0), h2·Wk = (1, 1); tanh(2) = 0.964, tanh(1) = 0.762.
    assert.deepEqual(drawnNumbers(fig), [
      ...["1", "0", "2", "1", "1", "0", "0", "1", "1"],
      ...["1", "0", "1", "0", "1", "1"],
      ...["0.964", "0", "0.964", "0.762"],
      ...scores.map(formatValue),
    ]);
    assert.deepEqual(scores.map(formatValue), ["0.964", "0.202"]);
    tf.dispose(Object.values(t));
  });

  it("changing one input number changes the drawn numbers of every step after it", () => {
    const draw = (h1: number[]) =>
      tf.tidy(() => {
        const t = tensors();
        const keys = tf.tensor3d([[h1, [0, 1, 1]]]);
        const scores = wb.bahdanauScores(t.query, keys, { Wq: t.Wq, Wk: t.Wk, v: t.v });
        const weights = wb.attentionWeights(scores);
        return [
          wb.encoderStatesFigure(keys),
          wb.additiveScoreFigure(t.query, keys, { Wq: t.Wq, Wk: t.Wk, v: t.v }),
          wb.softmaxFigure(scores),
          wb.contextFigure(weights, keys),
        ].map((f) => drawnNumbers(f).join(" "));
      });
    const before = draw([1, 1, 0]);
    const after = draw([1, 2, 0]);
    before.forEach((b, k) => assert.notEqual(after[k], b, `step picture ${k + 1} did not change`));
  });

  it("softmax, context, h̃ and the classifier draw the library's own results", () => {
    const t = tensors();
    const scores = tf.tensor2d([[1, 3]]);
    const weights = wb.attentionWeights(scores);
    const context = wb.contextVector(weights, t.keys);
    const Wc = tf.concat([tf.eye(3), tf.eye(3)], 0) as wb.tf.Tensor2D;
    const tilde = wb.attentionalState(context, t.query, Wc);
    const W = tf.tensor2d([
      [1, 0],
      [0, 1],
      [0, 1],
    ]);
    const b = tf.tensor1d([0, -0.5]);
    const probabilities = tf.tidy(() => Array.from(tf.softmax(wb.wordScores(tilde, W, b)).dataSync()));
    const last = (fig: Figure, n: number) => drawnNumbers(fig).slice(-n);
    assert.deepEqual(last(wb.softmaxFigure(scores), 2), Array.from(weights.dataSync(), formatValue));
    assert.deepEqual(last(wb.contextFigure(weights, t.keys), 3), Array.from(context.dataSync(), formatValue));
    assert.deepEqual(
      last(wb.attentionalStateFigure(context, t.query, Wc), 3),
      Array.from(tilde.dataSync(), formatValue),
    );
    assert.deepEqual(last(wb.wordProbabilitiesFigure(tilde, W, b, ["ja", "nein"]), 2), probabilities.map(formatValue));
    assert.ok(drawingTexts(wb.softmaxFigure(scores)).includes(`÷ ${(Math.exp(1) + Math.exp(3)).toFixed(3)}`));
    assert.throws(() => wb.wordProbabilitiesFigure(tilde, W, b, ["ja"]), /1 words for 2 scores/);
    tf.dispose([scores, weights, context, Wc, tilde, W, b, ...Object.values(t)]);
  });

  it("Luong's three scores are drawn with luongScores' values", () => {
    const t = tensors();
    const Wa = tf.tensor2d([
      [0, 1, 0],
      [1, 0, 0],
      [0, 0, 1],
    ]);
    const WaConcat = tf.tensor2d([
      [1, 0],
      [0, 1],
      [0, 0],
      [0, 0],
      [1, 0],
      [0, 1],
    ]);
    const cases: Array<[wb.tf.Tensor2D, Figure]> = [
      [wb.luongScores("dot", t.query, t.keys), wb.luongScoreFigure("dot", t.query, t.keys)],
      [wb.luongScores("general", t.query, t.keys, { Wa }), wb.luongScoreFigure("general", t.query, t.keys, { Wa })],
      [
        wb.luongScores("concat", t.query, t.keys, { Wa: WaConcat, v: t.v }),
        wb.luongScoreFigure("concat", t.query, t.keys, { Wa: WaConcat, v: t.v }),
      ],
    ];
    for (const [scores, fig] of cases)
      assert.deepEqual(drawnNumbers(fig).slice(-2), Array.from(scores.dataSync(), formatValue));
    // general: h_t·Wa = (0, 1, 2) is drawn before the scores 1 and 3 (notebook 02's numbers).
    assert.deepEqual(drawnNumbers(cases[1][1]).slice(-11), ["0", "1", "2", "1", "1", "0", "0", "1", "1", "1", "3"]);
    tf.dispose([Wa, WaConcat, ...cases.map(([s]) => s), ...Object.values(t)]);
  });

  it("the RNN step picture names the papers' states, and no step picture leaks a tensor", () => {
    const t = tensors();
    const e = tf.tensor2d([[0.1, 0.2]]);
    const next = tf.tensor2d([[0.3, 0.4, 0.5]]);
    const before = tf.memory().numTensors;
    const bahdanau = wb.rnnStepFigure({ embedded: e, context: t.query, previous: t.query, next });
    const luong = wb.rnnStepFigure({ embedded: e, previous: t.query, next }, { names: "luong" });
    for (let i = 0; i < 3; i++) {
      wb.additiveScoreFigure(t.query, t.keys, { Wq: t.Wq, Wk: t.Wk, v: t.v });
      wb.luongScoreFigure("concat", t.query, t.keys, { Wa: tf.concat([t.Wq, t.Wk], 0) as wb.tf.Tensor2D, v: t.v });
      wb.encoderStatesFigure(t.keys, ["she", "him"]);
    }
    assert.ok(drawingTexts(bahdanau).includes("sᵢ₋₁") && drawingTexts(bahdanau).includes("cᵢ"));
    assert.ok(drawingTexts(luong).includes("hₜ₋₁") && !drawingTexts(luong).includes("cᵢ"));
    // The concatenated Wa made inside the loop is the only tensor left per round.
    assert.equal(tf.memory().numTensors, before + 3);
    tf.dispose([e, next, ...Object.values(t)]);
  });

  it("a computation needs one operation between each pair of stages", () => {
    const stage = { title: "a", rows: [{ label: "x", values: [1], role: "key" as const }] };
    assert.throws(() => computationFigure([stage, stage], [], "t"), /2 stages need 1 operations, got 0/);
  });
});

describe("pictures: the static picture of a drawing", () => {
  it("draws every box, every label and every arrow that Plotly draws", () => {
    const fig = wb.architectureFigure("bahdanau");
    const svg = staticSvg(fig);
    const shapes = (fig.layout.shapes as unknown[]).length;
    // The white background, then one <rect> per box.
    assert.equal((svg.match(/<rect /g) ?? []).length, 1 + shapes);
    assert.equal((svg.match(/<polygon /g) ?? []).length, arrows(fig).length);
    for (const label of drawingTexts(fig))
      assert.ok(svg.includes(`>${label.replace(/&/g, "&amp;")}<`), `"${label}" missing`);
    // y upwards in the drawing, downwards in SVG: the source words sit below the encoder states.
    const y = (label: string) => Number(new RegExp(`y="([\\d.]+)"[^>]*>${label}<`).exec(svg)?.[1]);
    assert.ok(y("she") > y("h₁"), `she at ${y("she")}, h₁ at ${y("h₁")}`);
  });
});
