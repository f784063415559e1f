/**
 * Luong's local attention (local-m, local-p; Luong et al. 2015, section 3.2, eq. 9-10) and the location
 * score (eq. 8): against plain loops, at the window's edges and with padding, p_t's gradient by finite
 * differences, no leaked tensors, step-by-step decoding, cpu against wasm with the native kernels, and every
 * new kind overfitting 20 pairs through the command line.
 */
import { describe, it, before } from "node:test";
import * as assert from "node:assert/strict";
import {
  tf,
  Random,
  LuongLocalAttention,
  LuongAttention,
  Seq2Seq,
  padBatch,
  batchTensors,
  greedySearch,
  beamSearch,
  localWeights,
  maskBias,
} from "attention-workbook";
import { DEFAULT_MODEL } from "attention-workbook/models";
import { fusedKernelsActive, nativeStatus } from "attention-workbook/backend";
import type { AttentionKind, Example, Seq2SeqConfig } from "attention-workbook";
import {
  useBackend,
  randomValues,
  assertClose,
  cli,
  tmpDir,
  lossAndGradients,
  twentyPairsFile,
  overfitTwentyPairs,
} from "./helpers";
import * as ref from "./reference";

const NEW_KINDS: AttentionKind[] = ["luong-local-m", "luong-local-p", "luong-location"];

/** Plain-loop eq. (10): softmax of the scores over the window ∩ sentence, times the Gaussian (not renormalised). */
function refLocal(
  B: number,
  S: number,
  scores: ArrayLike<number>,
  lengths: number[],
  positions: number[],
  D: number,
): { weights: number[]; window: number[]; gaussian: number[] } {
  const sigma = D / 2;
  const window: number[] = [],
    gaussian: number[] = [];
  for (let b = 0; b < B; b++)
    for (let s = 1; s <= S; s++) {
      window.push(s <= lengths[b] && Math.abs(s - positions[b]) <= D ? 1 : 0);
      gaussian.push(Math.exp(-((s - positions[b]) ** 2) / (2 * sigma * sigma)));
    }
  const align = ref.refWeights(B, S, scores, window);
  return { weights: align.map((a, i) => a * gaussian[i]), window, gaussian };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe("local attention against plain loops", () => {
  before(() => useBackend("cpu"));
  const [B, S, H, Hk, D] = [3, 7, 4, 5, 2];
  const lengths = [7, 4, 5];
  const maskValues = lengths.flatMap((n) => Array.from({ length: S }, (_, s) => (s < n ? 1 : 0)));
  const rng = new Random(21);
  const q = randomValues(rng, B * H, 1.5);
  const k = randomValues(rng, B * S * Hk, 1.5);

  function check(layer: LuongLocalAttention, t: number | undefined, positions: number[], what: string): void {
    tf.tidy(() => {
      const mask = tf.tensor2d(maskValues, [B, S]);
      const keys = tf.tensor3d(k, [B, S, Hk]);
      const out = layer.call(tf.tensor2d(q, [B, H]), keys, { mask, step: t });
      const Wa = layer.Wa!.dataSync() as Float32Array;
      const scores = ref.refGeneral({ B, S, Hq: H, Hk, U: 0 }, q, k, Wa);
      const expected = refLocal(B, S, scores, lengths, positions, D);
      assertClose(out.position!.dataSync(), positions, 1e-5, `${what} position`);
      assertClose(out.scores.dataSync(), scores, 1e-4, `${what} scores`);
      assert.deepEqual(Array.from(out.window!.dataSync()), expected.window, `${what} window`);
      assertClose(out.gaussian!.dataSync(), expected.gaussian, 1e-5, `${what} gaussian`);
      assertClose(out.weights.dataSync(), expected.weights, 1e-5, `${what} weights`);
      assertClose(out.context.dataSync(), ref.refContext(B, S, Hk, expected.weights, k), 1e-5, `${what} context`);
      const w = out.weights.arraySync();
      w.forEach((row, b) => {
        row.forEach((x, s) => assert.ok(s < lengths[b] || x === 0, `${what}: padding at row ${b}, position ${s + 1}`));
        const sum = row.reduce((a, x) => a + x, 0);
        assert.ok(sum > 0 && sum <= 1 + 1e-6, `${what}: row ${b} sums to ${sum} (eq. 10 is not renormalised)`);
      });
    });
  }

  it("local-m: p_t = t, the window at the sentence's start, middle and end, clipped past the end", () => {
    const layer = new LuongLocalAttention("monotonic", D, { querySize: H, keySize: Hk, seed: 3 });
    // t = 1: the window [−1, 3] starts at the first word; t = 4: the end of row 1 (length 4); t = 6: past
    // rows 1 and 2, whose p_t is clipped to their length; t = 9: past every row.
    for (const t of [1, 2, 4, 6, 9])
      check(
        layer,
        t,
        lengths.map((n) => Math.min(t, n)),
        `local-m t=${t}`,
      );
    layer.dispose();
  });

  it("local-p: p_t = S·sigmoid(v_p·tanh(h_t W_p)) with each row's own S (eq. 9)", () => {
    const layer = new LuongLocalAttention("predictive", D, { querySize: H, keySize: Hk, units: 6, seed: 4 });
    const Wp = layer.Wp!.dataSync(),
      vp = layer.vp!.dataSync();
    const positions = lengths.map((n, b) => {
      const hidden = Array.from({ length: 6 }, (_, u) => {
        let x = 0;
        for (let i = 0; i < H; i++) x += q[b * H + i] * Wp[i * 6 + u];
        return Math.tanh(x);
      });
      return n * sigmoid(hidden.reduce((a, x, u) => a + x * vp[u], 0));
    });
    check(layer, undefined, positions, "local-p");
    layer.dispose();
  });

  it("localWeights: a window at either end of a sentence, with p_t between two words", () => {
    tf.tidy(() => {
      const scores = [0.5, -1, 2, 0.3, 1.1, 0.2, -0.4, 0.9, 1.3, 0.1];
      const positions = [1.4, 4.6];
      const rowLengths = [5, 4];
      const mask = tf.tensor2d([1, 1, 1, 1, 1, 1, 1, 1, 1, 0], [2, 5]);
      const out = localWeights(tf.tensor2d(scores, [2, 5]), tf.tensor1d(positions), maskBias(mask), 1);
      const expected = refLocal(2, 5, scores, rowLengths, positions, 1);
      assert.deepEqual(Array.from(out.window.dataSync()), [1, 1, 0, 0, 0, 0, 0, 0, 1, 0]);
      assert.deepEqual(Array.from(out.window.dataSync()), expected.window);
      assertClose(out.weights.dataSync(), expected.weights, 1e-6, "weights");
      assertClose(out.gaussian.dataSync(), expected.gaussian, 1e-6, "gaussian");
    });
  });

  it("location: a_t = softmax(W_a h_t) over the first S outputs of W_a, padding masked", () => {
    const Smax = 9;
    const layer = new LuongAttention("location", { querySize: H, keySize: Hk, maxSourceLength: Smax, seed: 5 });
    tf.tidy(() => {
      const Wa = layer.Wa!.dataSync();
      const out = layer.call(tf.tensor2d(q, [B, H]), tf.tensor3d(k, [B, S, Hk]), {
        mask: tf.tensor2d(maskValues, [B, S]),
      });
      const scores: number[] = [];
      for (let b = 0; b < B; b++)
        for (let s = 0; s < S; s++) {
          let x = 0;
          for (let i = 0; i < H; i++) x += q[b * H + i] * Wa[i * Smax + s];
          scores.push(x);
        }
      assertClose(out.scores.dataSync(), scores, 1e-5, "location scores");
      const weights = ref.refWeights(B, S, scores, maskValues);
      assertClose(out.weights.dataSync(), weights, 1e-5, "location weights");
      assertClose(out.context.dataSync(), ref.refContext(B, S, Hk, weights, k), 1e-5, "location context");
      assert.throws(
        () => layer.call(tf.zeros([1, H]) as tf.Tensor2D, tf.zeros([1, Smax + 1, Hk]) as tf.Tensor3D),
        /a source of 10 positions.*at most 9/,
      );
    });
    layer.dispose();
  });
});

describe("local-p: the gradient reaches W_p and v_p through p_t", () => {
  it("equals finite differences of the loss", async () => {
    await useBackend("cpu");
    const [B, S, H, D] = [2, 6, 3, 2];
    const rng = new Random(8);
    const layer = new LuongLocalAttention("predictive", D, { querySize: H, keySize: H, units: 4, seed: 9 });
    const q = tf.tensor2d(randomValues(rng, B * H, 2), [B, H]);
    const keys = tf.tensor3d(randomValues(rng, B * S * H), [B, S, H]);
    const mask = tf.tensor2d([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [B, S]);
    const w = tf.tensor2d(randomValues(rng, B * H), [B, H]);
    // Fixed scores' weights Wa: only p_t moves with W_p and v_p.
    const loss = () => tf.tidy(() => tf.sum(tf.mul(layer.call(q, keys, { mask }).context, w)) as tf.Scalar);
    const vars = [layer.Wp!, layer.vp!];
    const { grads } = tf.variableGrads(loss, vars);
    for (const v of vars) {
      const g = grads[v.name].dataSync();
      assert.ok(
        Array.from(g).some((x) => Math.abs(x) > 1e-4),
        `${v.name}: a gradient through p_t`,
      );
      const values = v.dataSync().slice();
      const eps = 1e-2;
      const numeric: number[] = [];
      for (let i = 0; i < values.length; i++) {
        const at = (delta: number) => {
          const shifted = values.slice();
          shifted[i] += delta;
          tf.tidy(() => v.assign(tf.tensor(shifted, v.shape)));
          const l = loss();
          const x = l.dataSync()[0];
          l.dispose();
          return x;
        };
        numeric.push((at(eps) - at(-eps)) / (2 * eps));
      }
      tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
      assertClose(g, numeric, 2e-3, `d loss / d ${v.name}`);
    }
    tf.dispose([q, keys, mask, w, ...Object.values(grads)]);
    layer.dispose();
  });
});

function examples(n: number, sourceVocab: number, targetVocab: number, seed: number): Example[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => ({
    source: Array.from({ length: 2 + rng.int(6) }, () => 4 + rng.int(sourceVocab - 4)),
    target: Array.from({ length: 1 + rng.int(8) }, () => 4 + rng.int(targetVocab - 4)),
  }));
}

const small = (attention: AttentionKind, extra: Partial<Seq2SeqConfig> = {}): Seq2SeqConfig => ({
  ...DEFAULT_MODEL,
  attention,
  embeddingSize: 8,
  hiddenSize: 12,
  attentionUnits: 10,
  sourceVocabSize: 30,
  targetVocabSize: 32,
  ...extra,
});

describe("models with the new kinds", () => {
  for (const kind of NEW_KINDS) {
    it(`${kind}: the loss, greedy and beam search leave numTensors flat; beam 1 = greedy`, async () => {
      await useBackend("cpu");
      const model = new Seq2Seq(small(kind));
      assert.equal(model.decoder.allSteps === undefined, kind !== "luong-location", "allSteps only for location");
      assert.equal(model.decoder.guessAll, undefined);
      const batch = batchTensors(padBatch(examples(5, 30, 32, 11)));
      const counts: number[] = [];
      for (let i = 0; i < 4; i++) {
        for (const teacherForcing of [1, 0]) {
          const { value, grads } = tf.variableGrads(
            () =>
              model.loss(batch, { teacherForcing, teacherForcingMode: "batch", rng: new Random(i), training: true }),
            model.trainableVariables(),
          );
          assert.ok(Number.isFinite(value.dataSync()[0]));
          tf.dispose([value, ...Object.values(grads)]);
        }
        const greedy = greedySearch(
          model,
          [
            [5, 6, 7, 8],
            [9, 10],
          ],
          { maxLength: 9 },
        );
        const beam = beamSearch(model, [5, 6, 7, 8], { beamSize: 1, lengthPenalty: 0, maxLength: 9 });
        assert.deepEqual(beam.ids, greedy[0].ids);
        beamSearch(model, [5, 6, 7, 8], { beamSize: 3, maxLength: 9 });
        counts.push(tf.memory().numTensors);
      }
      assert.deepEqual(counts.slice(1), [counts[1], counts[1], counts[1]], `numTensors ${counts.join(", ")}`);
      tf.dispose(Object.values(batch).filter((t): t is tf.Tensor => t instanceof tf.Tensor));
      model.dispose();
    });
  }

  it("the step-by-step and all-at-once losses of luong-location agree", async () => {
    await useBackend("cpu");
    const model = new Seq2Seq(small("luong-location"));
    const batch = batchTensors(padBatch(examples(5, 30, 32, 12)));
    const opts = { teacherForcing: 1, teacherForcingMode: "batch" as const, rng: new Random(1), training: false };
    const [a, b] = [model.loss(batch, opts), model.loss(batch, { ...opts, stepwise: true })];
    assertClose(a.dataSync(), b.dataSync(), 1e-5, "loss");
    tf.dispose([a, b]);
    model.dispose();
  });

  for (const kind of NEW_KINDS) {
    it(`${kind}: on wasm with the native kernels, the loss and every gradient equal the cpu backend's`, async () => {
      const batch = padBatch(examples(5, 30, 32, 13));
      const config = small(kind, { window: kind === "luong-location" ? undefined : 1 });
      const options = { teacherForcing: 1, teacherForcingMode: "batch" as const, rng: new Random(3), training: true };
      const run = () => lossAndGradients(config, batch, options);
      await useBackend("cpu");
      const cpu = run();
      await useBackend("wasm");
      assert.equal(fusedKernelsActive(), true, `the native kernels are inactive on wasm: ${nativeStatus()}`);
      const wasm = run();
      assertClose(wasm, cpu, 1e-4, `${kind} cpu vs wasm`);
      await useBackend("cpu");
    });
  }
});

describe("the new kinds through the command line", () => {
  let twenty = "";
  before(() => (twenty = twentyPairsFile("wb-local-20-")));

  for (const kind of NEW_KINDS) {
    it(`${kind}: trained on 20 pairs, translates them back with BLEU >= 95`, async (t) => {
      const { translationModel, bleu } = await overfitTwentyPairs(twenty, ["--attention", kind]);
      assert.equal(translationModel.model.config.attention, kind);
      t.diagnostic(`${kind}: BLEU ${bleu.toFixed(1)} on its 20 training pairs`);
      assert.ok(bleu >= 95, `${kind}: BLEU ${bleu}`);
      translationModel.model.dispose();
      await useBackend("cpu");
    });
  }

  it("--window is checked: a range, and only with a local kind", () => {
    const bad = cli("train.js", ["--attention", "luong-local-p", "--window", "0", "--epochs", "1"]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--window/);
    const global = cli("train.js", ["--attention", "luong-general", "--window", "3", "--epochs", "1"]);
    assert.equal(global.status, 2);
    assert.match(global.stderr, /--window 3.*local attention/);
    const alone = cli("train.js", ["--window", "3", "--epochs", "1"]);
    assert.equal(alone.status, 2, "--window with the default attention (luong-general)");
    assert.match(alone.stderr, /--window 3: window is local attention's D/);
  });

  it("--resume compares --window with the checkpoint's", () => {
    const out = tmpDir("wb-local-resume-");
    const args = ["--data", twenty, "--validation", "0", "--test", "0", "--epochs", "1", "--hidden", "16"];
    const first = cli("train.js", [
      ...args,
      "--attention",
      "luong-local-p",
      "--window",
      "3",
      "--out",
      out,
      "--no-eval",
    ]);
    assert.equal(first.status, 0, first.stderr);
    const same = cli("train.js", [...args, "--window", "3", "--out", out, "--resume", "--no-eval"]);
    assert.equal(same.status, 0, same.stderr);
    assert.equal(same.json.epochs, 2);
    const other = cli("train.js", [...args, "--window", "4", "--out", out, "--resume", "--no-eval"]);
    assert.notEqual(other.status, 0);
    assert.match(other.stderr, /--window 4 \(checkpoint: 3\)/);
  });
});
