/**
 * The exercise checks (src/notebook/exercises/): a right answer passes, an unfinished one (returns
 * undefined), a near miss and a throwing one fail with one line, an answer that calls the library function
 * the exercise is about fails, and no check leaks tensors or throws.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
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
    const greedy = (next: (p: number[]) => number[], eos: number, maxLength: number) => {
      const ids: number[] = [];
      while (ids.length < maxLength) {
        const p = next(ids);
        const w = p.indexOf(Math.max(...p));
        if (w === eos) break;
        ids.push(w);
      }
      return ids;
    };
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
