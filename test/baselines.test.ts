/**
 * The baselines of notebooks 08 and 10: Cho et al.'s decoder without attention (`none-cho`: the summary c at
 * every step and in the output) and the FloydHub tutorial's Luong output layer (`outputLayer: "tutorial"`:
 * [h; c] straight into the classifier).
 */
import { describe, it, before } from "node:test";
import * as assert from "node:assert/strict";
import { tf, Seq2Seq, ChoDecoder, LuongDecoder, Random, padBatch, batchTensors } from "attention-workbook";
import { DEFAULT_MODEL, checkModelConfig } from "attention-workbook/models";
import { fusedKernelsActive, nativeStatus } from "attention-workbook/backend";
import type { Example, Seq2SeqConfig } from "attention-workbook";
import {
  useBackend,
  assertClose,
  assertNoLeak,
  cli,
  tmpDir,
  lossAndGradients,
  twentyPairsFile,
  overfitTwentyPairs,
} from "./helpers";

const small = (extra: Partial<Seq2SeqConfig>): Seq2SeqConfig => ({
  ...DEFAULT_MODEL,
  attention: "none-cho",
  embeddingSize: 8,
  hiddenSize: 12,
  attentionUnits: 10,
  sourceVocabSize: 30,
  targetVocabSize: 32,
  ...extra,
});

const CHO = small({ attention: "none-cho" });
const TUTORIAL = small({ attention: "luong-general", outputLayer: "tutorial" });
const TUTORIAL_CONCAT = small({ attention: "luong-concat-shared", outputLayer: "tutorial" });

/** `n` random examples of 2-7 source and 1-5 target tokens. */
function examples(n: number, sourceVocab: number, targetVocab: number, seed: number): Example[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => ({
    source: Array.from({ length: 2 + rng.int(6) }, () => 4 + rng.int(sourceVocab - 4)),
    target: Array.from({ length: 1 + rng.int(5) }, () => 4 + rng.int(targetVocab - 4)),
  }));
}

/** The loss on one batch and the gradient of every weight, as plain numbers. */
function lossAndGrads(config: Seq2SeqConfig, teacherForcing: number): number[] {
  const options = { teacherForcing, teacherForcingMode: "batch" as const, rng: new Random(3), training: true };
  return lossAndGradients(config, padBatch(examples(5, 30, 32, 11)), options);
}

describe("Cho et al.'s decoder (none-cho)", () => {
  before(() => useBackend("cpu"));

  it("has the shapes of the paper's f and g: RNN input [E y; c], features [s; E y; c]", () => {
    const model = new Seq2Seq(CHO);
    const d = model.decoder as ChoDecoder;
    assert.ok(d instanceof ChoDecoder);
    assert.equal(d.cell.inputSize, 8 + 12);
    assert.deepEqual(d.classifier.W.shape, [12 + 8 + 12, 32]);
    assert.equal(d.allSteps !== undefined, true);
    assert.equal(model.decoder.guessAll, undefined);
    tf.tidy(() => {
      const t = batchTensors(padBatch(examples(3, 30, 32, 5)));
      const { memory, state } = model.start(t.source, t.sourceMask);
      assert.deepEqual(memory.summary!.shape, [3, 12]);
      const out = d.step(t.decoderInput.slice([0, 0], [3, 1]).reshape([3]) as tf.Tensor1D, state, memory);
      assert.deepEqual(out.features.shape, [3, 32]);
      assert.deepEqual(out.attention.weights.shape, t.source.shape);
      assert.equal(out.attention.weights.sum().dataSync()[0], 0, "no attention: every weight 0");
    });
    model.dispose();
  });

  it("reads c at every step: another encoder state changes step 5's features, the previous words fixed", () => {
    const model = new Seq2Seq(CHO);
    const d = model.decoder as ChoDecoder;
    tf.tidy(() => {
      const B = 2,
        S = 4,
        H = 12;
      const keys = tf.randomNormal([B, S, H], 0, 1, "float32", 1) as tf.Tensor3D;
      const mask = tf.ones([B, S]) as tf.Tensor2D;
      const words = [5, 6, 7, 8, 9].map((w) => tf.tensor1d([w, w + 1], "int32"));
      const state = { h: tf.randomNormal([B, H], 0, 1, "float32", 2), c: tf.randomNormal([B, H], 0, 1, "float32", 3) };
      const featuresAt5 = (encoderState: { h: tf.Tensor; c: tf.Tensor }, summaryFrom = encoderState) => {
        const memory = d.prepare(keys, mask, summaryFrom as never);
        let s = d.initialState(encoderState as never);
        let f!: tf.Tensor2D;
        for (const w of words) ({ state: s, features: f } = d.step(w, s, memory));
        return f;
      };
      const base = featuresAt5(state);
      const other = { h: tf.add(state.h, 0.5), c: state.c };
      const moved = tf
        .abs(tf.sub(featuresAt5(other), base))
        .max()
        .dataSync()[0];
      assert.ok(moved > 1e-3, `changing the encoder's final h moved step 5's features by ${moved}`);
      // The same start, another c only: the summary alone reaches step 5 (through the RNN and the output).
      const cOnly = featuresAt5(state, other);
      const diff = tf.sub(cOnly, base);
      assert.ok(tf.abs(diff).max().dataSync()[0] > 1e-3, "c alone changes step 5");
      assert.ok(
        tf
          .abs(diff.slice([0, 0], [B, H]))
          .max()
          .dataSync()[0] > 1e-3,
        "c alone changes step 5's RNN state s_5 (c enters the RNN at every step)",
      );
    });
    model.dispose();
  });

  it("allSteps equals T calls of step", () => {
    const model = new Seq2Seq(CHO);
    tf.tidy(() => {
      const t = batchTensors(padBatch(examples(4, 30, 32, 7)));
      const { memory, state } = model.start(t.source, t.sourceMask);
      const all = model.decoder.allSteps!(t.decoderInput, state, memory).features;
      let s = state;
      const steps: tf.Tensor2D[] = [];
      for (const w of tf.unstack(t.decoderInput, 1) as tf.Tensor1D[]) {
        const out = model.decoder.step(w, s, memory);
        s = out.state;
        steps.push(out.features);
      }
      assertClose(all.dataSync(), tf.stack(steps, 1).dataSync(), 1e-5, "allSteps vs step");
      const a = model.loss(t, { teacherForcing: 1, teacherForcingMode: "batch", rng: new Random(1), training: false });
      const b = model.loss(t, {
        teacherForcing: 1,
        teacherForcingMode: "batch",
        rng: new Random(1),
        training: false,
        stepwise: true,
      });
      assertClose(a.dataSync(), b.dataSync(), 1e-5, "loss all at once vs stepwise");
    });
    model.dispose();
  });

  it("needs the encoder state for its memory", () => {
    const model = new Seq2Seq(CHO);
    tf.tidy(() => {
      assert.throws(
        () => model.decoder.prepare(tf.zeros([1, 2, 12]) as tf.Tensor3D, tf.ones([1, 2]) as tf.Tensor2D),
        /summary c/,
      );
    });
    model.dispose();
  });
});

describe("the tutorial's output layer (outputLayer: tutorial)", () => {
  before(() => useBackend("cpu"));

  it("classifier on [h; c] (H + Hk), no Wc; the paper's layer unchanged by default", () => {
    for (const config of [
      TUTORIAL,
      TUTORIAL_CONCAT,
      small({ attention: "luong-general", bidirectional: true, outputLayer: "tutorial" }),
    ]) {
      const model = new Seq2Seq(config);
      const d = model.decoder as LuongDecoder;
      const Hk = config.bidirectional ? 24 : 12;
      assert.equal(d.combine, undefined);
      assert.deepEqual(d.classifier.W.shape, [12 + Hk, 32]);
      assert.ok(!Object.keys(model.namedVariables()).some((n) => n.includes("Wc")));
      tf.tidy(() => {
        const t = batchTensors(padBatch(examples(3, 30, 32, 5)));
        const { memory, state } = model.start(t.source, t.sourceMask);
        const out = d.step(tf.tensor1d([1, 1, 1], "int32"), state, memory);
        assert.deepEqual(out.features.shape, [3, 12 + Hk]);
        // [h; c]: the RNN state first, then the context, as they are.
        assertClose(out.features.slice([0, 0], [3, 12]).dataSync(), out.state.rnn.h.dataSync(), 0, "h first");
        assertClose(out.features.slice([0, 12], [3, Hk]).dataSync(), out.attention.context.dataSync(), 0, "then c");
        const all = d.allSteps!(t.decoderInput, state, memory).features;
        assertClose(all.slice([0, 0, 0], [3, 1, 12 + Hk]).dataSync(), out.features.dataSync(), 1e-5, "allSteps");
      });
      model.dispose();
    }
    const paper = new Seq2Seq(small({ attention: "luong-general" }));
    assert.deepEqual((paper.decoder as LuongDecoder).classifier.W.shape, [12, 32]);
    assert.ok((paper.decoder as LuongDecoder).combine);
    paper.dispose();
  });

  it("is checked: Luong kinds only, no input feeding, one of two values", () => {
    const base = { ...TUTORIAL, sourceVocabSize: 30 };
    assert.throws(() => checkModelConfig({ ...base, attention: "bahdanau" }), /luong-\* attention/);
    assert.throws(() => checkModelConfig({ ...base, attention: "none-cho" }), /luong-\* attention/);
    assert.throws(() => checkModelConfig({ ...base, inputFeeding: true }), /inputFeeding/);
    assert.throws(() => checkModelConfig({ ...base, outputLayer: "deep" }), /outputLayer/);
    assert.throws(() => checkModelConfig({ ...base, outputLayer: "deep" }, { strict: true }), /model\.outputLayer/);
    assert.doesNotThrow(() => checkModelConfig({ ...base, attention: "bahdanau", outputLayer: "attentional" }));
  });

  it("the CLI names the rule in flags", () => {
    const r = cli("train.js", ["--attention", "bahdanau", "--output-layer", "tutorial", "--out", tmpDir("wb-ol-")]);
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      /--attention bahdanau with --output-layer tutorial|--output-layer tutorial with --attention bahdanau/,
    );
    const bad = cli("train.js", ["--output-layer", "deep", "--out", tmpDir("wb-ol-")]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /output-layer/);
  });
});

describe("both baselines train, leave no tensor behind, and run the same on wasm", () => {
  for (const [name, config] of [
    ["none-cho", CHO],
    ["luong-general, tutorial output", TUTORIAL],
    ["luong-concat-shared, tutorial output", TUTORIAL_CONCAT],
  ] as const) {
    it(`${name}: the loss falls, no tensor leaks`, async () => {
      await useBackend("cpu");
      const model = new Seq2Seq(config);
      const optimizer = tf.train.adam(0.02);
      const t = batchTensors(padBatch(examples(6, 30, 32, 13)));
      const losses: number[] = [];
      const trainStep = (i: number) => {
        const cost = optimizer.minimize(
          () => model.loss(t, { teacherForcing: 1, teacherForcingMode: "batch", rng: new Random(i), training: true }),
          true,
          model.trainableVariables(),
        )!;
        losses.push(cost.dataSync()[0]);
        cost.dispose();
      };
      trainStep(0); // Adam makes its moment variables at the first step
      await assertNoLeak(`${name} training steps`, () => {
        for (let i = 1; i < 30; i++) trainStep(i);
        // A free-running pass too.
        model
          .loss(t, { teacherForcing: 0, teacherForcingMode: "batch", rng: new Random(1), training: false })
          .dispose();
      });
      assert.ok(losses[29] < 0.5 * losses[0], `losses ${losses[0]} -> ${losses[29]}`);
      optimizer.dispose();
      tf.dispose(Object.values(t));
      model.dispose();
    });

    it(`${name}: on wasm with the native kernels, the loss and every gradient equal the cpu backend's`, async () => {
      for (const teacherForcing of [1, 0]) {
        await useBackend("cpu");
        const cpu = lossAndGrads(config, teacherForcing);
        await useBackend("wasm");
        assert.equal(fusedKernelsActive(), true, `fused kernels inactive on wasm: ${nativeStatus()}`);
        const wasm = lossAndGrads(config, teacherForcing);
        assertClose(wasm, cpu, 1e-4, `${name} teacherForcing=${teacherForcing}`);
      }
      await useBackend("cpu");
    });
  }
});

describe("both baselines overfit 20 pairs through the command line", () => {
  let twenty = "";
  before(() => (twenty = twentyPairsFile("wb-20b-")));
  for (const [name, extra] of [
    ["none-cho", ["--attention", "none-cho"]],
    ["luong-general --output-layer tutorial", ["--attention", "luong-general", "--output-layer", "tutorial"]],
  ] as const) {
    it(`${name}: BLEU >= 95 on the 20 pairs it trained on`, async () => {
      const { translationModel, bleu } = await overfitTwentyPairs(twenty, [...extra]);
      assert.equal(translationModel.model.config.attention, extra[1]);
      if (extra.length > 2) assert.equal(translationModel.model.config.outputLayer, "tutorial");
      assert.ok(bleu >= 95, `BLEU ${bleu}`);
      translationModel.model.dispose();
    });
  }
});
