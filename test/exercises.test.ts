/**
 * The exercise checks (src/notebook/exercises/): a right answer passes, an unfinished one (returns
 * undefined), a near miss and a throwing one fail with one line, an answer that calls the library function
 * the exercise is about fails, and no check leaks tensors or throws.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as wb from "attention-workbook";
import { tf } from "attention-workbook";

const { workshop } = wb;

/** Runs a check with console.log captured; returns the printed line and the recorded result. */
function run(check: () => void): { line: string; pass: boolean; tensorsLeft: number } {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(" "));
  const before = tf.memory().numTensors;
  try {
    check();
  } finally {
    console.log = log;
  }
  assert.equal(lines.length, 1, `one line per check, got ${JSON.stringify(lines)}`);
  return { line: lines[0], pass: lines[0].startsWith("PASS  exercise "), tensorsLeft: tf.memory().numTensors - before };
}

function expectPass(check: () => void): void {
  const r = run(check);
  assert.ok(r.pass, r.line);
  assert.equal(r.tensorsLeft, 0, `${r.line}: leaked ${r.tensorsLeft} tensors`);
}

function expectFail(check: () => void, pattern: RegExp): void {
  const r = run(check);
  assert.ok(!r.pass, `expected FAIL, got: ${r.line}`);
  assert.match(r.line, /^FAIL {2}exercise \d\d\.\d \(.+\): .+ Hint: .+/);
  assert.match(r.line, pattern);
  assert.equal(r.tensorsLeft, 0, `${r.line}: leaked ${r.tensorsLeft} tensors`);
}

const matVec = (x: number[], W: number[][]) => W[0].map((_, j) => x.reduce((s, xi, i) => s + xi * W[i][j], 0));

/** Greedy decoding over a function that gives the next word's probabilities: a correct answer to 07.4. */
function greedyIds(next: (p: number[]) => number[], eos: number, maxLength: number): number[] {
  const ids: number[] = [];
  while (ids.length < maxLength) {
    const p = next(ids);
    const w = p.indexOf(Math.max(...p));
    if (w === eos) break;
    ids.push(w);
  }
  return ids;
}

describe("exercise checks", () => {
  it("01.1 additive score: by hand passes; undefined, a missing tanh, wb.bahdanauScores and a destructured bahdanauScores fail", () => {
    const byHand = (s: number[], h: number[], Wq: number[][], Wk: number[][], v: number[]) => {
      const a = matVec(s, Wq),
        b = matVec(h, Wk);
      return v.reduce((sum, vu, u) => sum + vu * Math.tanh(a[u] + b[u]), 0);
    };
    expectPass(() => workshop.checkAdditiveScore(byHand));
    expectFail(() => workshop.checkAdditiveScore(() => undefined), /nothing returned yet/);
    expectFail(
      () =>
        workshop.checkAdditiveScore((s, h, Wq, Wk, v) => {
          const a = matVec(s, Wq),
            b = matVec(h, Wk);
          return v.reduce((sum, vu, u) => sum + vu * (a[u] + b[u]), 0);
        }),
      /the score: value 0/,
    );
    const viaLibrary = (s: number[], h: number[], Wq: number[][], Wk: number[][], v: number[]) =>
      tf.tidy(
        () =>
          wb
            .bahdanauScores(tf.tensor2d([s]), tf.tensor3d([[h]]), {
              Wq: tf.tensor2d(Wq),
              Wk: tf.tensor2d(Wk),
              v: tf.tensor1d(v),
            })
            .dataSync()[0],
      );
    // The library itself computes the right number: only the source inspection stops it.
    assert.ok(
      Math.abs(
        viaLibrary(
          [1, 0, 2],
          [1, 1, 0],
          [
            [1, 0],
            [0, 1],
            [0, 0],
          ],
          [
            [0, 0],
            [1, 0],
            [0, 1],
          ],
          [1, -1],
        ) - Math.tanh(2),
      ) < 1e-5,
    );
    expectFail(() => workshop.checkAdditiveScore(viaLibrary), /calls the library's (wb\.)?bahdanauScores/);
    const { bahdanauScores } = wb;
    const destructured = (s: number[], h: number[], Wq: number[][], Wk: number[][], v: number[]) =>
      bahdanauScores(tf.tensor2d([s]), tf.tensor3d([[h]]), {
        Wq: tf.tensor2d(Wq),
        Wk: tf.tensor2d(Wk),
        v: tf.tensor1d(v),
      }).dataSync()[0];
    expectFail(() => workshop.checkAdditiveScore(destructured), /calls the library's bahdanauScores/);
  });

  it("01.2 context vector: a weighted sum passes, an unweighted one and wb.contextVector fail", () => {
    expectPass(() =>
      workshop.checkContextVector((w, states) =>
        states[0].map((_, h) => states.reduce((s, row, j) => s + w[j] * row[h], 0)),
      ),
    );
    expectFail(
      () =>
        workshop.checkContextVector((_w, states) => states[0].map((_, h) => states.reduce((s, row) => s + row[h], 0))),
      /the context vector: value/,
    );
    expectFail(
      () =>
        workshop.checkContextVector(
          (w, states) => wb.contextVector(tf.tensor2d([w]), tf.tensor3d([states])).arraySync()[0],
        ),
      /calls the library's wb\.contextVector/,
    );
  });

  it("02.1 attentional state: [c; h] passes, [h; c] and a throwing answer fail", () => {
    expectPass(() => workshop.checkAttentionalState((c, h, Wc) => tf.tanh(tf.matMul(tf.concat([c, h], 1), Wc))));
    expectFail(
      () => workshop.checkAttentionalState((c, h, Wc) => tf.tanh(tf.matMul(tf.concat([h, c], 1), Wc))),
      /h̃ for B=2/,
    );
    expectFail(
      () =>
        workshop.checkAttentionalState(() => {
          throw new Error("not yet");
        }),
      /your answer threw: not yet/,
    );
  });

  it("02.2 concat score: the batched form passes, wb.luongScores fails although it computes the same", () => {
    const concat = (h: wb.tf.Tensor2D, keys: wb.tf.Tensor3D, Wa: wb.tf.Tensor2D, v: wb.tf.Tensor1D) => {
      const [B, S, Hk] = keys.shape,
        Hq = h.shape[1];
      const both = tf.concat([tf.tile(h.reshape([B, 1, Hq]), [1, S, 1]), keys], 2).reshape([B * S, Hq + Hk]);
      return tf.matMul(tf.tanh(tf.matMul(both, Wa)), v.reshape([-1, 1])).reshape([B, S]);
    };
    expectPass(() => workshop.checkConcatScore(concat));
    expectFail(
      () => workshop.checkConcatScore((h, keys, Wa, v) => wb.luongScores("concat", h, keys, { Wa, v })),
      /calls the library's wb\.luongScores/,
    );
  });

  it("07.1-07.3: right answers pass; the library's luongScores and attentionWeights fail; masking checks every padded position", () => {
    const dotScore = (q: wb.tf.Tensor2D, k: wb.tf.Tensor3D) =>
      tf.matMul(k, q.reshape([q.shape[0], q.shape[1], 1])).reshape([k.shape[0], k.shape[1]]);
    expectPass(() => workshop.checkDotScore(dotScore));
    expectFail(
      () => workshop.checkDotScore((q, k) => wb.luongScores("dot", q, k)),
      /calls the library's wb\.luongScores/,
    );
    expectPass(() => workshop.checkGeneralScore((q, k, Wa) => dotScore(tf.matMul(q, Wa), k)));
    expectFail(() => workshop.checkGeneralScore((q, k, Wa) => wb.luongScores("general", q, k, { Wa })), /luongScores/);
    expectPass(() => workshop.checkMaskedSoftmax((s, m) => tf.softmax(tf.add(s, tf.mul(tf.sub(m, 1), 1e9)))));
    expectFail(
      () => workshop.checkMaskedSoftmax((s, m) => wb.attentionWeights(s, m)),
      /calls the library's wb\.attentionWeights/,
    );
    // Zeroing padding after the softmax without renormalising, and ignoring the mask, both fail.
    expectFail(() => workshop.checkMaskedSoftmax((s, m) => tf.mul(tf.softmax(s), m)), /the weights for 4 sentences/);
    expectFail(() => workshop.checkMaskedSoftmax((s) => tf.softmax(s)), /the weights for 4 sentences/);
    // A mask bias too small to reach exactly 0: close in value, but padding must be exactly 0.
    expectFail(
      () => workshop.checkMaskedSoftmax((s, m) => tf.softmax(tf.add(s, tf.mul(tf.sub(m, 1), 30)))),
      /padded position \d has weight .*not exactly 0/,
    );
  });

  it("03.1 and 03.2: words to ids and padding", () => {
    expectPass(() =>
      workshop.checkEncodeWords((tokens, vocab, unk, eos) => [...tokens.map((t) => vocab.get(t) ?? unk), eos]),
    );
    expectFail(
      () => workshop.checkEncodeWords((tokens, vocab, unk) => tokens.map((t) => vocab.get(t) ?? unk)),
      /she kissed him \.: expected the ids of shape \[5\], got \[4\]/,
    );
    expectFail(
      () => workshop.checkEncodeWords((tokens, vocab, _unk, eos) => [...tokens.map((t) => vocab.get(t) ?? 0), eos]),
      /unknown word/,
    );
    const pad = (sentences: number[][], padId: number) => {
      const L = Math.max(...sentences.map((s) => s.length));
      return {
        ids: sentences.map((s) => [...s, ...Array(L - s.length).fill(padId)]),
        mask: sentences.map((s) => [...s.map(() => 1), ...Array(L - s.length).fill(0)]),
      };
    };
    expectPass(() => workshop.checkPadSentences(pad));
    expectFail(
      () =>
        workshop.checkPadSentences((s, p) => ({ ids: pad(s, p).ids, mask: pad(s, p).ids.map((r) => r.map(() => 1)) })),
      /mask: value/,
    );
    expectFail(() => workshop.checkPadSentences(() => [[1]]), /expected an object \{ ids, mask \}/);
  });

  it("04.1 and 04.2: ln |V| and the masked mean cross-entropy", () => {
    expectPass(() => workshop.checkStartingLoss((V) => Math.log(V)));
    expectFail(
      () => workshop.checkStartingLoss((V) => Math.log2(V)),
      /\|V\| = 2: the loss: value 0 .* expected 0\.693147/,
    );
    const loss = (masked: boolean) => (logits: wb.tf.Tensor3D, targets: number[][], mask: number[][]) => {
      const logp = tf.logSoftmax(logits).arraySync() as number[][][];
      let sum = 0,
        n = 0;
      targets.forEach((row, b) =>
        row.forEach((t, i) => {
          if (!masked || mask[b][i] === 1) {
            sum -= logp[b][i][t];
            n++;
          }
        }),
      );
      return sum / n;
    };
    expectPass(() => workshop.checkSequenceLoss(loss(true)));
    expectFail(
      () => workshop.checkSequenceLoss(loss(false)),
      /mean over all 6 positions: the padded one must be left out/,
    );
    expectFail(
      () =>
        workshop.checkSequenceLoss((logits, targets, mask) => {
          const flatMask = mask.flat();
          return wb
            .maskedCrossEntropy(
              logits.reshape([6, 5]) as wb.tf.Tensor2D,
              tf.tensor1d(targets.flat(), "int32"),
              tf.tensor1d(flatMask),
            )
            .dataSync()[0];
        }),
      /calls the library's wb\.maskedCrossEntropy/,
    );
  });

  it("05.1 and 07.4: beam search and greedy decoding on toy models", () => {
    const beam = (next: (p: number[]) => number[], eos: number, width: number, maxLength: number) => {
      let open: Array<{ ids: number[]; score: number }> = [{ ids: [], score: 0 }];
      const finished: Array<{ ids: number[]; score: number }> = [];
      for (let step = 0; step < maxLength && open.length > 0; step++) {
        const grown = open.flatMap((h) => next(h.ids).map((lp, w) => ({ ids: [...h.ids, w], score: h.score + lp })));
        grown.sort((a, b) => b.score - a.score);
        open = [];
        for (const g of grown.slice(0, width)) {
          if (g.ids[g.ids.length - 1] === eos) finished.push({ ids: g.ids.slice(0, -1), score: g.score });
          else open.push(g);
        }
      }
      finished.push(...open);
      return finished.sort((a, b) => b.score - a.score)[0].ids;
    };
    expectPass(() => workshop.checkBeamSearch(beam));
    const greedy = greedyIds;
    expectFail(
      () => workshop.checkBeamSearch((next, eos, _w, maxLength) => greedy(next, eos, maxLength)),
      /width 2 on a model whose best first word leads nowhere: expected the ids \[4\], got \[3,5\]/,
    );
    expectPass(() => workshop.checkGreedyDecoding(greedy));
    expectFail(
      () => workshop.checkGreedyDecoding((next, eos) => greedy(next, eos, 100)),
      /maxLength 3 .* expected the ids \[4,4,4\]/,
    );
  });

  it("05.2, 06.1, 06.2 and 07.5: reading heatmaps, the last real encoder state and the alignment accuracy", () => {
    const weights = [
      [0.8, 0.2],
      [0.3, 0.7],
    ];
    expectPass(() =>
      workshop.checkTrainedHeatmapReading(
        "him",
        { attention: weights, sourceTokens: ["she", "him"], outputLabels: ["sie", "ihn"] },
        "ihn",
      ),
    );
    expectFail(
      () =>
        workshop.checkTrainedHeatmapReading(
          "she",
          { attention: weights, sourceTokens: ["she", "him"], outputLabels: ["sie", "ihn"] },
          "ihn",
        ),
      /not "she"/,
    );
    expectFail(() => workshop.checkHeatmapReading("", weights, ["she", "him"], ["sie", "ihn"], "ihn"), /no answer yet/);
    expectFail(
      () => workshop.checkHeatmapReading("she", weights, ["she", "him"], ["sie", "ihn"], "er"),
      /"er" is not an output word/,
    );
    const last = (outputs: wb.tf.Tensor3D, mask: wb.tf.Tensor2D) => {
      const o = outputs.arraySync(),
        m = mask.arraySync();
      return o.map((sentence, b) => sentence[m[b].reduce((a, x) => a + x, 0) - 1]);
    };
    expectPass(() => workshop.checkLastEncoderState(last));
    expectFail(
      () => workshop.checkLastEncoderState((outputs) => outputs.arraySync().map((s) => s[s.length - 1])),
      /sentences of 5, 2 and 4 words/,
    );
    const accuracy = (w: number[][], gold: Array<[number, number]>) => {
      const rows = [...new Set(gold.map(([, j]) => j))];
      return (
        rows.filter((j) => gold.some(([i, g]) => g === j && w[j].indexOf(Math.max(...w[j])) === i)).length / rows.length
      );
    };
    expectPass(() => workshop.checkAlignmentAccuracy(accuracy));
    expectFail(
      () =>
        workshop.checkAlignmentAccuracy(
          (w, gold) =>
            w.filter((row, j) => gold.some(([i, g]) => g === j && row.indexOf(Math.max(...row)) === i)).length /
            w.length,
        ),
      /5 German words/,
    );
  });

  it("02.3, 02.4, 05.3, 08.1, 09.2 and 10.1: the right answers pass; 05.3 really decodes with uniform attention", () => {
    expectPass(() => workshop.checkQueryTiming((s, step) => ({ bahdanau: s, luong: step(s) })));
    expectPass(() =>
      workshop.checkPredictedRow([0.21, 0.21, 0.56, 0.03], [0.206, 0.206, 0.56, 0.028], ["a", "b", "c", "d"]),
    );
    expectFail(() => workshop.checkPredictedRow(undefined, [0.5, 0.5], ["a", "b"]), /no answer yet/);
    expectPass(() => workshop.checkNumbersPerWord((H, S) => ({ withoutAttention: H / S, withAttention: H })));
    expectPass(() =>
      workshop.checkDecoderInputs((ref, guesses, forcing, sos) => [sos, ...(forcing ? ref : guesses).slice(0, -1)]),
    );
    expectPass(() => workshop.checkUpdates((n, b, e) => Math.ceil(n / b) * e));
    const data = wb.prepareData({ pairs: 200 });
    const tm = wb.createModel(data, { attention: "luong-general", hiddenSize: 8, embeddingSize: 4 });
    try {
      const rows: number[][][] = [];
      const bleuOf = (model: wb.TranslationModel) => {
        rows.push(wb.translate(model, "She has kissed him.").attention);
        return wb.evaluatePairs(model, data.splits.test.slice(0, 10)).bleuLowercase;
      };
      const r = run(() => workshop.checkAblation((m) => tf.div(m, tf.sum(m, 1, true)), 20, tm, bleuOf));
      assert.ok(r.pass, r.line);
      assert.match(
        r.line,
        /BLEU \d+\.\d with the model's attention, \d+\.\d with uniform attention, a fall of -?\d+\.\d \(you predicted 20\)/,
      );
      assert.equal(r.tensorsLeft, 0);
      assert.equal(rows.length, 2, "the model scored with and without its attention");
      // The ablated rows are exactly uniform (1/S); the untrained model's own rows are nearly, not exactly.
      const spread = (row: number[]) => Math.max(...row) - Math.min(...row);
      const S = rows[1][0].length;
      for (const row of rows[1]) assert.ok(spread(row) < 1e-7 && Math.abs(row[0] - 1 / S) < 1e-6, `${row}`);
      assert.ok(Math.max(...rows[0].map(spread)) > 1e-6, `the model's own attention: ${rows[0][0]}`);
    } finally {
      tm.model.dispose();
    }
  });

  it("libraryUse reads the answer's source: wb.tf is allowed, wb.anything else and the taught names are not", () => {
    assert.equal(
      workshop.libraryUse((x: number) => wb.tf.scalar(x), []),
      undefined,
    );
    assert.equal(
      workshop.libraryUse(() => wb.Random, []),
      "wb.Random",
    );
    assert.equal(
      workshop.libraryUse(
        function contextVector() {
          return 1;
        },
        ["contextVector"],
      ),
      undefined,
      "the answer's own name is allowed",
    );
    assert.equal(
      workshop.libraryUse(() => "myluongScores", ["luongScores"]),
      undefined,
      "part of a longer name is not a use",
    );
  });
});

/**
 * The guide's tables of what the checks print (docs/TEACHERS-GUIDE.md, "What the exercise checks print"):
 * each exercise's hint, and for each exercise two or more typical wrong answers with the line they print.
 * Every wrong answer below is fed to its check, and the line printed must be exactly
 * `FAIL  exercise <exercise>: <what the guide quotes> Hint: <the guide's hint>`, so the guide and the checks
 * cannot drift apart.
 */
describe("the teacher's guide quotes exactly what the checks print", () => {
  const guide = fs.readFileSync(path.join(__dirname, "..", "docs", "TEACHERS-GUIDE.md"), "utf8");

  /** The rows of the first table after `heading`: cells split on unescaped `|`, then `\|` unescaped. */
  function tableAfter(heading: string): string[][] {
    const start = guide.indexOf(heading);
    assert.ok(start >= 0, `the guide has no "${heading}"`);
    const lines = guide.slice(start).split("\n");
    const first = lines.findIndex((l) => l.startsWith("|"));
    const rows: string[][] = [];
    for (const line of lines.slice(first)) {
      if (!line.startsWith("|")) break;
      const cells = line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim().replace(/\\\|/g, "|"));
      rows.push(cells);
    }
    return rows.slice(2); // the header and its --- line
  }

  /** The text of a code span (`` `x` `` or ``` `` x `` ```, for text with a backtick in it). */
  const unwrap = (cell: string) => /^(`+) ?([\s\S]*?) ?\1$/.exec(cell)?.[2] ?? cell;
  const hints = new Map(
    tableAfter("#### The hint each check prints").map(([exercise, hint]) => [exercise, unwrap(hint)]),
  );
  const wrongRows = tableAfter("#### Typical wrong answers").map(([exercise, answer, message]) => ({
    exercise,
    answer,
    message: unwrap(message),
  }));

  const mat = (x: number[], W: number[][]) => W[0].map((_, j) => x.reduce((s, xi, i) => s + xi * W[i][j], 0));
  const greedy = greedyIds;
  const heat = [
    [0.8, 0.2],
    [0.3, 0.7],
  ];
  const noModel = {} as unknown as wb.TranslationModel;
  const W4 = ["she", "has", "kissed", "him"];
  const wrong: Array<[exercise: string, answer: string, run: () => void]> = [
    ["01.1", "nothing returned", () => workshop.checkAdditiveScore(() => undefined)],
    [
      "01.1",
      "tanh left out",
      () =>
        workshop.checkAdditiveScore((s, h, Wq, Wk, v) => {
          const [a, b] = [mat(s, Wq), mat(h, Wk)];
          return v.reduce((sum, vu, u) => sum + vu * (a[u] + b[u]), 0);
        }),
    ],
    [
      "01.1",
      "calls `wb.bahdanauScores`",
      () =>
        workshop.checkAdditiveScore((s, h, Wq, Wk, v) =>
          wb.bahdanauScores(tf.tensor2d([s]), tf.tensor3d([[h]]), {
            Wq: tf.tensor2d(Wq),
            Wk: tf.tensor2d(Wk),
            v: tf.tensor1d(v),
          }),
        ),
    ],
    [
      "01.2",
      "the states summed without their weights",
      () => workshop.checkContextVector((_w, st) => st[0].map((_, h) => st.reduce((s, row) => s + row[h], 0))),
    ],
    ["01.2", "the weights returned instead", () => workshop.checkContextVector((w) => w)],
    [
      "02.1",
      "`[h; c]` instead of `[c; h]`",
      () => workshop.checkAttentionalState((c, h, Wc) => tf.tanh(tf.matMul(tf.concat([h, c], 1), Wc))),
    ],
    [
      "02.1",
      "concatenated on axis 0",
      () => workshop.checkAttentionalState((c, h, Wc) => tf.tanh(tf.matMul(tf.concat([c, h], 0), Wc))),
    ],
    [
      "02.2",
      "concat without tiling `ht` along S",
      () => workshop.checkConcatScore((h, keys) => tf.concat([h.reshape([h.shape[0], 1, h.shape[1]]), keys], 2)),
    ],
    [
      "02.2",
      "calls `wb.luongScores`",
      () => workshop.checkConcatScore((h, keys, Wa, v) => wb.luongScores("concat", h, keys, { Wa, v })),
    ],
    ["02.3", "the two swapped", () => workshop.checkQueryTiming((s, step) => ({ bahdanau: step(s), luong: s }))],
    ["02.3", "both the previous state", () => workshop.checkQueryTiming((s) => ({ bahdanau: s, luong: s }))],
    ["02.4", "a one-hot row", () => workshop.checkPredictedRow([0, 0, 1, 0], [0.21, 0.21, 0.56, 0.03], W4)],
    [
      "02.4",
      "the scores, not the weights",
      () => workshop.checkPredictedRow([1, 1, 2, -1], [0.21, 0.21, 0.56, 0.03], W4),
    ],
    [
      "02.4",
      "every word the same",
      () => workshop.checkPredictedRow([0.25, 0.25, 0.25, 0.25], [0.21, 0.21, 0.56, 0.03], W4),
    ],
    ["03.1", "no `_EOS` at the end", () => workshop.checkEncodeWords((t, v, unk) => t.map((x) => v.get(x) ?? unk))],
    [
      "03.1",
      "unknown words as 0",
      () => workshop.checkEncodeWords((t, v, _unk, eos) => [...t.map((x) => v.get(x) ?? 0), eos]),
    ],
    [
      "03.2",
      "a mask of ones everywhere",
      () =>
        workshop.checkPadSentences((ss, p) => {
          const L = Math.max(...ss.map((s) => s.length));
          const ids = ss.map((s) => [...s, ...Array(L - s.length).fill(p)]);
          return { ids, mask: ids.map((r) => r.map(() => 1)) };
        }),
    ],
    ["03.2", "only the ids returned", () => workshop.checkPadSentences((ss) => ss)],
    ["04.1", "log base 2", () => workshop.checkStartingLoss((V) => Math.log2(V))],
    ["04.1", "the probability 1/|V|", () => workshop.checkStartingLoss((V) => 1 / V)],
    [
      "04.2",
      "the mean over every position, padding too",
      () =>
        workshop.checkSequenceLoss((logits, targets) => {
          const lp = tf.logSoftmax(logits).arraySync();
          const all = targets.flatMap((row, b) => row.map((t, i) => -lp[b][i][t]));
          return all.reduce((a, x) => a + x, 0) / all.length;
        }),
    ],
    [
      "04.2",
      "the sum, not the mean",
      () =>
        workshop.checkSequenceLoss((logits, targets, mask) => {
          const lp = tf.logSoftmax(logits).arraySync();
          let sum = 0;
          targets.forEach((row, b) => row.forEach((t, i) => (sum -= mask[b][i] * lp[b][i][t])));
          return sum;
        }),
    ],
    [
      "05.2",
      "the output word itself",
      () =>
        workshop.checkTrainedHeatmapReading(
          "ihn",
          { attention: heat, sourceTokens: ["she", "him"], outputLabels: ["sie", "ihn"] },
          "ihn",
        ),
    ],
    [
      "05.2",
      "read from another row",
      () =>
        workshop.checkTrainedHeatmapReading(
          "she", // the brightest cell of the row of "sie"
          { attention: heat, sourceTokens: ["she", "him"], outputLabels: ["sie", "ihn"] },
          "ihn",
        ),
    ],
    [
      "05.3",
      "1/S everywhere, padding too",
      () =>
        workshop.checkAblation(
          (m) => tf.onesLike(m).div(m.shape[1]),
          10,
          noModel,
          () => 0,
        ),
    ],
    [
      "05.3",
      "`tf.sum(mask, 1)` without keeping the axis",
      () =>
        workshop.checkAblation(
          (m) => tf.div(m, tf.sum(m, 1)),
          10,
          noModel,
          () => 0,
        ),
    ],
    [
      "05.3",
      "the mask itself",
      () =>
        workshop.checkAblation(
          (m) => m,
          10,
          noModel,
          () => 0,
        ),
    ],
    [
      "05.3",
      "no prediction",
      () =>
        workshop.checkAblation(
          (m) => tf.div(m, tf.sum(m, 1, true)),
          undefined,
          noModel,
          () => 0,
        ),
    ],
    [
      "06.1",
      "the state at the last position, padding or not",
      () => workshop.checkLastEncoderState((o) => o.arraySync().map((s) => s[s.length - 1])),
    ],
    [
      "06.1",
      "the last real word's index off by one",
      () =>
        workshop.checkLastEncoderState((o, m) => {
          const [out, mask] = [o.arraySync(), m.arraySync()];
          return out.map(
            (s, b) =>
              s[
                Math.min(
                  s.length - 1,
                  mask[b].reduce((a, x) => a + x, 0),
                )
              ],
          );
        }),
    ],
    [
      "06.2",
      "divided by every German row",
      () =>
        workshop.checkAlignmentAccuracy(
          (w, gold) =>
            w.filter((row, j) => gold.some(([i, g]) => g === j && row.indexOf(Math.max(...row)) === i)).length /
            w.length,
        ),
    ],
    [
      "06.2",
      "a percentage",
      () =>
        workshop.checkAlignmentAccuracy((w, gold) => {
          const rows = [...new Set(gold.map(([, j]) => j))];
          const right = rows.filter((j) => gold.some(([i, g]) => g === j && w[j].indexOf(Math.max(...w[j])) === i));
          return (100 * right.length) / rows.length;
        }),
    ],
    ["07.1", "calls `wb.luongScores`", () => workshop.checkDotScore((q, k) => wb.luongScores("dot", q, k))],
    [
      "07.1",
      "the result disposed before it is returned",
      () =>
        workshop.checkDotScore((q, k) => {
          const r = tf.matMul(k, q.reshape([q.shape[0], q.shape[1], 1])).reshape([k.shape[0], k.shape[1]]);
          r.dispose();
          return r;
        }),
    ],
    ["07.1", "the query not reshaped to `[B,H,1]`", () => workshop.checkDotScore((q, k) => tf.matMul(k, q))],
    [
      "07.2",
      "the query used without `Wa`",
      () =>
        workshop.checkGeneralScore((q, k) =>
          tf.matMul(k, q.reshape([q.shape[0], q.shape[1], 1])).reshape([k.shape[0], k.shape[1]]),
        ),
    ],
    [
      "07.2",
      "calls `wb.luongScores`",
      () => workshop.checkGeneralScore((q, k, Wa) => wb.luongScores("general", q, k, { Wa })),
    ],
    ["07.3", "padding zeroed after the softmax", () => workshop.checkMaskedSoftmax((s, m) => tf.mul(tf.softmax(s), m))],
    [
      "07.3",
      "a mask bias of −30",
      () => workshop.checkMaskedSoftmax((s, m) => tf.softmax(tf.add(s, tf.mul(tf.sub(m, 1), 30)))),
    ],
    [
      "07.4",
      "one word past `maxLength`",
      () => workshop.checkGreedyDecoding((next, eos, maxLength) => greedy(next, eos, maxLength + 1)),
    ],
    [
      "07.4",
      "`_EOS` kept in the ids",
      () =>
        workshop.checkGreedyDecoding((next, eos, maxLength) => {
          const ids = greedy(next, eos, maxLength);
          return ids.length < maxLength ? [...ids, eos] : ids;
        }),
    ],
    [
      "07.5",
      "the output word itself",
      () => workshop.checkHeatmapReading("ihn", heat, ["she", "him"], ["sie", "ihn"], "ihn"),
    ],
    ["07.5", "nothing typed", () => workshop.checkHeatmapReading("", heat, ["she", "him"], ["sie", "ihn"], "ihn")],
    [
      "08.1",
      "the totals, not per word",
      () => workshop.checkNumbersPerWord((H, S) => ({ withoutAttention: H, withAttention: S * H })),
    ],
    [
      "08.1",
      "the two swapped",
      () => workshop.checkNumbersPerWord((H, S) => ({ withoutAttention: H, withAttention: H / S })),
    ],
    [
      "09.1",
      "greedy decoding",
      () => workshop.checkBeamSearch((next, eos, _w, maxLength) => greedy(next, eos, maxLength)),
    ],
    ["09.1", "nothing returned", () => workshop.checkBeamSearch(() => undefined)],
    ["09.2", "not shifted", () => workshop.checkDecoderInputs((ref, guesses, forcing) => (forcing ? ref : guesses))],
    [
      "09.2",
      "the two swapped",
      () =>
        workshop.checkDecoderInputs((ref, guesses, forcing, sos) => [sos, ...(forcing ? guesses : ref).slice(0, -1)]),
    ],
    ["10.1", "rounded down", () => workshop.checkUpdates((n, b, e) => Math.floor(n / b) * e)],
    ["10.1", "one epoch only", () => workshop.checkUpdates((n, b) => Math.ceil(n / b))],
  ];

  it("the lesson plans add up: 180 and 90 minutes, each block starting where the one before ended", () => {
    for (const [heading, total] of [
      ["### Three hours (180 minutes)", 180],
      ["### Ninety minutes", 90],
    ] as const) {
      const rows = tableAfter(heading).map(([start, minutes]) => [Number(start), Number(minutes)]);
      let at = 0;
      for (const [start, minutes] of rows) {
        assert.equal(start, at, `${heading}: a block starts at ${start}, the one before ended at ${at}`);
        assert.ok(minutes > 0, `${heading}: ${minutes} minutes`);
        at += minutes;
      }
      assert.equal(at, total, heading);
    }
  });

  it("the guide's TypeScript messages are the ones TypeScript prints for those mistakes", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiler's API, for this test only
    const ts = require("typescript") as typeof import("typescript");
    const head = 'import * as wb from "attention-workbook";\nconst { tf } = wb;\n';
    const snippets = [
      "export function f(q: wb.tf.Tensor2D, k: wb.tf.Tensor3D): wb.tf.Tensor2D | undefined {\n  const [B, H] = q.shape;\n  return tf.matMul(k, q.reshape([B, H, 1])).reshape([B, k.shape[1]]);\n}",
      "export function f(scores: wb.tf.Tensor2D) {\n  return scores.arraySync().reshape([2, 2]);\n}",
      "export const x: number[][] = tf.tensor2d([[1]]);",
      "export function f(keys: number[][][]) {\n  return keys.shape;\n}",
    ];
    const rows = tableAfter("### In the exercises: TypeScript and tensors").map((r) => unwrap(r[1]));
    assert.equal(rows.length, snippets.length);
    const root = path.join(__dirname, "..");
    snippets.forEach((snippet, k) => {
      const file = path.join(root, "test", `__guide_snippet_${k}.ts`);
      const options = {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        esModuleInterop: true,
        target: ts.ScriptTarget.ES2020,
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
      };
      const host = ts.createCompilerHost(options);
      const { getSourceFile, fileExists, readFile } = host;
      host.getSourceFile = (name, ...rest) =>
        name === file
          ? ts.createSourceFile(name, head + snippet, ts.ScriptTarget.ES2020)
          : getSourceFile(name, ...rest);
      host.fileExists = (name) => name === file || fileExists(name);
      host.readFile = (name) => (name === file ? head + snippet : readFile(name));
      const program = ts.createProgram([file], options, host);
      const messages = ts
        .getPreEmitDiagnostics(program)
        .filter((d) => d.file?.fileName === file)
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n").split("\n")[0]);
      assert.deepEqual(messages, [rows[k]], `snippet ${k}:\n${snippet}`);
    });
  });

  it("the guide's hint table names every exercise of the workshop, each with two or more wrong answers", () => {
    const ids = [...hints.keys()].map((e) => e.slice(0, 4));
    assert.deepEqual(
      ids,
      [
        "01.1",
        "01.2",
        "02.1",
        "02.2",
        "02.3",
        "02.4",
        "03.1",
        "03.2",
        "04.1",
        "04.2",
        "05.2",
        "05.3",
        "06.1",
        "06.2",
      ].concat(["07.1", "07.2", "07.3", "07.4", "07.5", "08.1", "09.1", "09.2", "10.1"]),
    );
    for (const id of ids)
      assert.ok(
        wrongRows.filter((r) => r.exercise === id).length >= 2,
        `${id}: fewer than two wrong answers in the guide`,
      );
    assert.deepEqual(
      wrongRows.map((r) => `${r.exercise} ${r.answer}`),
      wrong.map(([e, a]) => `${e} ${a}`),
      "the guide's rows and the wrong answers fed below, in the same order",
    );
  });

  for (const [exercise, answer, feed] of wrong) {
    it(`${exercise}, ${answer.replace(/`/g, "")}: prints the guide's line`, () => {
      const r = run(feed);
      // GUIDE_TABLE=file writes the lines printed, to update the guide's tables after a check changes.
      if (process.env.GUIDE_TABLE)
        fs.appendFileSync(process.env.GUIDE_TABLE, `${JSON.stringify([exercise, answer, r.line])}\n`);
      const title = [...hints.keys()].find((e) => e.startsWith(`${exercise} `));
      assert.ok(title, `${exercise}: not in the guide's hint table`);
      const row = wrongRows.find((r) => r.exercise === exercise && r.answer === answer);
      assert.ok(row, `${exercise} "${answer}": not in the guide's table of wrong answers`);
      assert.equal(r.line, `FAIL  exercise ${title}: ${row.message} Hint: ${hints.get(title)}`);
      assert.equal(r.tensorsLeft, 0, `${r.line}: leaked ${r.tensorsLeft} tensors`);
    });
  }
});
