/**
 * Attention in motion: the decoding animation's frames follow the weights, and the moving query's weights
 * and contexts are the library's scores, softmax and weighted sums (checked here by plain loops).
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { tf } from "attention-workbook";
import { attentionAnimation, movingQueryFigure, AnimatedFigure } from "attention-workbook/plots";

type Trace = Record<string, unknown>;

const SOURCE = ["the", "cat", "sat", "down"];
const TARGET = ["die", "katze", "saß", "_EOS"];
const WEIGHTS = [
  [0.7, 0.2, 0.05, 0.05],
  [0.1, 0.8, 0.05, 0.05],
  [0.05, 0.15, 0.6, 0.2],
  [0.1, 0.1, 0.3, 0.5],
];

/** Frame `name`'s new data for trace `index` (the frame must change it). */
function frameTrace(fig: AnimatedFigure, name: string, index: number): Trace {
  const frame = fig.frames.find((f) => f.name === name);
  assert.ok(frame, `no frame ${name}`);
  const k = frame.traces.indexOf(index);
  assert.ok(k >= 0, `frame ${name} does not change trace ${index}`);
  return frame.data[k];
}

function softmax(scores: number[]): number[] {
  const m = Math.max(...scores);
  const e = scores.map((s) => Math.exp(s - m));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

function assertNear(actual: number[], expected: number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) =>
    assert.ok(Math.abs(a - expected[i]) <= tol, `${what}[${i}]: got ${a}, expected ${expected[i]}`),
  );
}

describe("attentionAnimation", () => {
  const fig = attentionAnimation(WEIGHTS, SOURCE, TARGET);
  const S = SOURCE.length;
  const heatmapIndex = S + 2;

  it("has one frame per output word, named 0..T-1, and puts the traces on the two panels' axes", () => {
    assert.deepEqual(
      fig.frames.map((f) => f.name),
      ["0", "1", "2", "3"],
    );
    assert.deepEqual(
      fig.data.map((d) => [d.type, d.mode ?? "", d.xaxis ?? "x"]),
      [
        ...SOURCE.map(() => ["scatter", "lines", "x"]),
        ["scatter", "text+markers", "x"],
        ["scatter", "text+markers", "x"],
        ["heatmap", "", "x2"],
      ],
    );
    assert.equal(fig.data[heatmapIndex].yaxis, "y2");
    assert.deepEqual(fig.data[S].text, SOURCE);
  });

  it("frame t fills the heatmap's rows 0..t with the weights and leaves later rows null", () => {
    for (let t = 0; t < TARGET.length; t++) {
      const z = frameTrace(fig, String(t), heatmapIndex).z as Array<Array<number | null>>;
      assert.equal(z.length, TARGET.length);
      z.forEach((row, i) => assert.deepEqual(row, i <= t ? WEIGHTS[i] : SOURCE.map(() => null), `frame ${t} row ${i}`));
    }
  });

  it("frame t draws its lines from output word t, 1 + 14·weight wide; the widest goes to the argmax", () => {
    for (let t = 0; t < TARGET.length; t++) {
      const lines = SOURCE.map((_, j) => frameTrace(fig, String(t), j));
      const widths = lines.map((l) => (l.line as { width: number }).width);
      assertNear(
        widths,
        WEIGHTS[t].map((w) => 1 + 14 * w),
        1e-12,
        `frame ${t} widths`,
      );
      const argmax = WEIGHTS[t].indexOf(Math.max(...WEIGHTS[t]));
      assert.equal(widths.indexOf(Math.max(...widths)), argmax, `frame ${t}`);
      // Each line ends at its source word (y = 1) and starts at output word t's place (y = 0).
      const words = frameTrace(fig, String(t), S + 1);
      lines.forEach((l, j) => {
        assert.deepEqual([(l.x as number[])[2], (l.y as number[])[2]], [j, 1]);
        assert.deepEqual([(l.x as number[])[0], (l.y as number[])[0]], [(words.x as number[])[t], 0]);
      });
      assert.deepEqual(
        words.text,
        TARGET.map((w, i) => (i <= t ? w : "")),
      );
    }
  });

  it("the figure's own data is the final frame, and the source words never change", () => {
    const last = fig.frames[fig.frames.length - 1];
    assert.deepEqual(last.traces, [0, 1, 2, 3, S + 1, S + 2]);
    last.traces.forEach((index, k) => assert.deepEqual(fig.data[index], last.data[k], `trace ${index}`));
    assert.deepEqual(fig.data[heatmapIndex].z, WEIGHTS);
  });

  it("has one slider step per frame labelled with the output words, on the last one; Play and Pause animate", () => {
    const slider = (
      fig.layout.sliders as Array<{ active: number; steps: Array<{ label: string; args: unknown[] }> }>
    )[0];
    assert.equal(slider.active, TARGET.length - 1);
    assert.deepEqual(
      slider.steps.map((s) => s.label),
      TARGET,
    );
    assert.deepEqual(
      slider.steps.map((s) => (s.args[0] as string[])[0]),
      fig.frames.map((f) => f.name),
    );
    const menu = (fig.layout.updatemenus as Array<{ buttons: Array<{ method: string; args: unknown[] }> }>)[0];
    assert.deepEqual(
      menu.buttons.map((b) => [b.method, b.args[0]]),
      [
        ["animate", null],
        ["animate", [null]],
      ],
    );
  });

  it("throws on weights that do not match the tokens, naming the shapes", () => {
    assert.throws(
      () => attentionAnimation(WEIGHTS, SOURCE.slice(0, 3), TARGET),
      /attentionAnimation: weights are \[4,4\] .* 4 target and 3 source tokens \(expected \[T,S\] = \[4,3\]/,
    );
    assert.throws(() => attentionAnimation(WEIGHTS.slice(0, 2), SOURCE, TARGET), /weights are \[2,4\]/);
  });

  it("survives a JSON round trip (null cells, no tensors, no NaN)", () => {
    const json = JSON.stringify(fig);
    assert.doesNotMatch(json, /NaN/);
    assert.deepEqual(JSON.parse(json), fig);
  });
});

describe("movingQueryFigure", () => {
  const keys = [
    [1, 0.2],
    [0.3, 1],
    [-0.8, 0.5],
  ];
  const S = keys.length;
  const Wa = [
    [1.5, 0.5],
    [-0.5, 1],
  ];
  const before = tf.memory().numTensors;
  const fig = movingQueryFigure(keys, { steps: 12, Wa });
  const after = tf.memory().numTensors;
  const kinds = ["dot", "general", "additive"];
  const barIndex = (kind: string) => fig.data.findIndex((d) => d.type === "bar" && d.name === kind);
  const contextIndex = (kind: string) => fig.data.findIndex((d) => d.name === `context (${kind})`);
  const queryAt = (k: number) => [Math.cos((k * 30 * Math.PI) / 180), Math.sin((k * 30 * Math.PI) / 180)];

  it("leaves no tensor behind", () => {
    assert.equal(after, before, `numTensors ${before} -> ${after}`);
  });

  it("has one frame per query position, a slider labelled in degrees, and the traces in their documented order", () => {
    assert.equal(fig.frames.length, 12);
    const slider = (fig.layout.sliders as Array<{ active: number; steps: Array<{ label: string }> }>)[0];
    assert.equal(slider.steps.length, 12);
    assert.equal(slider.steps[1].label, "30°");
    assert.equal(slider.steps[11].label, "330°");
    assert.deepEqual(
      fig.data.map((d) => [d.type, d.xaxis ?? "x"]),
      [
        ["scatter", "x"],
        ...keys.map(() => ["scatter", "x"]),
        ["scatter", "x"],
        ["scatter", "x"],
        ["scatter", "x"],
        ["scatter", "x"],
        ["bar", "x2"],
        ["bar", "x2"],
        ["bar", "x2"],
      ],
    );
    assert.deepEqual(
      kinds.map((k) => [contextIndex(k), barIndex(k)]),
      [
        [S + 2, S + 5],
        [S + 3, S + 6],
        [S + 4, S + 7],
      ],
    );
    keys.forEach((key, j) =>
      assert.deepEqual([(fig.data[1 + j].x as number[])[1], (fig.data[1 + j].y as number[])[1]], key),
    );
    assert.equal(fig.frames[0].traces.length, fig.frames[0].data.length);
    fig.frames[0].traces.forEach((index, k) => assert.deepEqual(fig.data[index], fig.frames[0].data[k]));
  });

  it("frame k's query is (cos, sin) of its angle and its dot weights are softmax(q·keys)", () => {
    for (let k = 0; k < 12; k++) {
      const q = queryAt(k);
      const query = frameTrace(fig, String(k), S + 1);
      assertNear([(query.x as number[])[1], (query.y as number[])[1]], q, 1e-12, `query ${k}`);
      const expected = softmax(keys.map(([a, b]) => q[0] * a + q[1] * b));
      assertNear(frameTrace(fig, String(k), barIndex("dot")).y as number[], expected, 1e-5, `dot weights ${k}`);
      // general: (q·Wa)·key
      const qWa = [q[0] * Wa[0][0] + q[1] * Wa[1][0], q[0] * Wa[0][1] + q[1] * Wa[1][1]];
      const general = softmax(keys.map(([a, b]) => qWa[0] * a + qWa[1] * b));
      assertNear(frameTrace(fig, String(k), barIndex("general")).y as number[], general, 1e-5, `general weights ${k}`);
    }
  });

  it("each context is Σ w_j·key_j of its own weights", () => {
    for (let k = 0; k < 12; k++) {
      for (const kind of kinds) {
        const w = frameTrace(fig, String(k), barIndex(kind)).y as number[];
        const expected = [0, 1].map((d) => w.reduce((sum, wj, j) => sum + wj * keys[j][d], 0));
        const c = frameTrace(fig, String(k), contextIndex(kind));
        assertNear([(c.x as number[])[1], (c.y as number[])[1]], expected, 1e-5, `${kind} context ${k}`);
        assertNear([(c.x as number[])[0], (c.y as number[])[0]], [0, 0], 0, `${kind} context ${k} starts at 0`);
      }
    }
  });

  it("the additive weights are softmax(v·tanh(q·Wq + key·Wk)) with the weights given", () => {
    const additive = {
      Wq: [
        [1, -2],
        [0.5, 1],
      ],
      Wk: [
        [2, 0],
        [-1, 1],
      ],
      v: [1, -1.5],
    };
    const own = movingQueryFigure(keys, { steps: 12, additive });
    for (let k = 0; k < 12; k++) {
      const q = queryAt(k);
      const scores = keys.map((key) =>
        additive.v.reduce((sum, vu, u) => {
          const pre = q[0] * additive.Wq[0][u] + q[1] * additive.Wq[1][u];
          return sum + vu * Math.tanh(pre + key[0] * additive.Wk[0][u] + key[1] * additive.Wk[1][u]);
        }, 0),
      );
      const got = own.frames[k].data[own.frames[k].traces.indexOf(barIndex("additive"))].y as number[];
      assertNear(got, softmax(scores), 1e-5, `additive weights ${k}`);
    }
  });

  it("with the default weights, general and additive weigh the keys visibly differently from dot", () => {
    const plain = movingQueryFigure(keys);
    assert.equal(plain.frames.length, 24);
    const gap = (kind: string) =>
      Math.max(
        ...plain.frames.flatMap((f) => {
          const dot = f.data[f.traces.indexOf(barIndex("dot"))].y as number[];
          const other = f.data[f.traces.indexOf(barIndex(kind))].y as number[];
          return dot.map((w, j) => Math.abs(w - other[j]));
        }),
      );
    assert.ok(gap("general") > 0.1, `general vs dot: ${gap("general")}`);
    assert.ok(gap("additive") > 0.1, `additive vs dot: ${gap("additive")}`);
  });

  it("the base data is the query at 0°; base and frames survive a JSON round trip", () => {
    const query = fig.data[S + 1];
    assert.deepEqual([(query.x as number[])[1], (query.y as number[])[1]], [1, 0]);
    const json = JSON.stringify(fig);
    assert.doesNotMatch(json, /NaN/);
    assert.deepEqual(JSON.parse(json), fig);
  });

  it("throws on keys that are not [S,2], naming the shapes", () => {
    assert.throws(() => movingQueryFigure([[1, 0, 0]]), /movingQueryFigure: keys must be \[1,2\], got \[1,3\]/);
    assert.throws(() => movingQueryFigure(keys, { Wa: [[1, 0]] }), /Wa must be \[2,2\], got \[1,2\]/);
    assert.throws(() => movingQueryFigure(keys, { labels: ["a"] }), /1 labels for 3 keys/);
  });
});
