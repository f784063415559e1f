import { describe, it, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  tf,
  prepareData,
  Seq2Seq,
  Trainer,
  translateAll,
  translate,
  greedySearch,
  beamSearch,
  saveCheckpoint,
  loadCheckpoint,
  makeBatches,
  batchTensors,
  Random,
  maskedCrossEntropy,
  tokenize,
  TranslationModel,
  AttentionKind,
  LuongDecoder,
  BahdanauDecoder,
  PlainDecoder,
  forcedAttention,
  alignmentReport,
  watchBeamSearch,
  beamTree,
  attentionWeights,
  bahdanauScores,
  luongScores,
} from "attention-workbook";
import { DEFAULT_MODEL } from "attention-workbook/models";
import { annealedRate } from "attention-workbook/train";
import { useBackend, assertClose, cli as runCli, tmpDir, twentyPairsFile, overfitTwentyPairs } from "./helpers";

const KINDS: AttentionKind[] = ["bahdanau", "luong-dot", "luong-general", "luong-concat", "none"];

const cli = (script: string, args: string[]) => runCli(script, args);

function smallModel(
  data: ReturnType<typeof prepareData>,
  attention: AttentionKind,
  extra: Partial<ConstructorParameters<typeof Seq2Seq>[0]> = {},
): TranslationModel {
  const model = new Seq2Seq({
    ...DEFAULT_MODEL,
    attention,
    embeddingSize: 16,
    hiddenSize: 24,
    sourceVocabSize: data.sourceVocab.size,
    targetVocabSize: data.targetVocab.size,
    ...extra,
  });
  return { model, sourceVocab: data.sourceVocab, targetVocab: data.targetVocab, tokenizeOptions: data.tokenizeOptions };
}

describe("seq2seq training from the command line", () => {
  let twenty = "";
  before(() => (twenty = twentyPairsFile("wb-20-")));

  for (const kind of KINDS) {
    it(`${kind}: trained on 20 pairs, reproduces all 20 targets exactly`, async () => {
      const { run, translationModel, pairs, translations } = await overfitTwentyPairs(twenty, ["--attention", kind]);
      assert.equal(run.json.epochs, 80);
      pairs.forEach((p, i) =>
        assert.deepEqual(translations[i].tokens, tokenize(p.german), `${p.english} -> ${translations[i].text}`),
      );
      translationModel.model.dispose();
    });

    it(`${kind}: the loss falls every epoch on the built-in corpus`, () => {
      const out = tmpDir(`wb-loss-${kind}-`);
      const r = cli("train.js", [
        "--attention",
        kind,
        "--epochs",
        "3",
        "--hidden",
        "48",
        "--embedding",
        "32",
        "--out",
        out,
      ]);
      assert.equal(r.status, 0, r.stderr);
      const losses = r.json.lossPerEpoch as number[];
      assert.equal(losses.length, 3);
      for (let i = 1; i < losses.length; i++) assert.ok(losses[i] < losses[i - 1], `losses ${losses.join(", ")}`);
      assert.ok(typeof r.json.testBleu === "number");
    });
  }

  it("--recipe best trains within its time budget, annealing, and keeps the best checkpoint", () => {
    const out = tmpDir("wb-recipe-");
    const r = cli("train.js", [
      "--recipe",
      "best",
      "--minutes",
      "0.1",
      "--hidden",
      "32",
      "--embedding",
      "16",
      "--out",
      out,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.json.recipe, "best");
    assert.equal(r.json.stoppedBy, "time-budget");
    assert.ok((r.json.seconds as number) < 6 + 10, `took ${r.json.seconds} s for a 6-second budget`);
    assert.equal((r.json.pairs as { validation: number }).validation, 120); // 3% of the built-in corpus's 4,000
    assert.equal(r.json.beam, 4);
    assert.ok(fs.existsSync(path.join(out, "LATEST")));
    assert.ok(Number.isFinite(r.json.testBleuLowercase as number));
  });

  it("rejects bad flags, unreadable files and unknown attention kinds with a one-line reason", () => {
    const cases: Array<[string, string[], RegExp]> = [
      ["train.js", ["--attention", "luong-cosine"], /unknown attention kind "luong-cosine"/],
      ["train.js", ["--epochs", "two"], /--epochs: expected an integer/],
      ["train.js", ["--colour", "red"], /unknown flag --colour/],
      ["train.js", ["--data", "/nonexistent.tsv"], /cannot read --data \/nonexistent\.tsv/],
      ["translate.js", ["--checkpoint", "/nonexistent", "hello"], /no checkpoint at \/nonexistent/],
      ["translate.js", ["hello"], /--checkpoint DIR is required/],
      ["evaluate.js", ["--checkpoint", "/nonexistent", "--data", "x"], /no checkpoint at \/nonexistent/],
      ["train.js", ["--recipe", "fastest"], /unknown recipe "fastest": use one of best/],
      ["train.js", ["--recipe", "best", "--minutes", "0"], /anneal needs a time budget/],
    ];
    for (const [script, args, message] of cases) {
      const r = cli(script, args);
      assert.notEqual(r.status, 0, `${script} ${args.join(" ")} succeeded`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
    }
  });

  it("translate --json and evaluate --hyps print what they promise", () => {
    const out = tmpDir("wb-cli-");
    assert.equal(
      cli("train.js", [
        "--attention",
        "luong-general",
        "--data",
        twenty,
        "--validation",
        "0",
        "--test",
        "0",
        "--epochs",
        "60",
        "--batch",
        "20",
        "--hidden",
        "48",
        "--lr",
        "0.01",
        "--out",
        out,
      ]).status,
      0,
    );
    const t = cli("translate.js", ["--checkpoint", out, "--json", "She kissed him."]);
    assert.equal(t.status, 0, t.stderr);
    const tr = (
      t.json.translations as Array<{
        tokens: string[];
        sourceTokens: string[];
        attention: number[][];
        translation: string;
      }>
    )[0];
    assert.deepEqual(tr.tokens, ["sie", "küsste", "ihn", "."]);
    assert.equal(tr.attention.length, tr.tokens.length + 1, "a row per output word and _EOS");
    for (const row of tr.attention) {
      assert.equal(row.length, tr.sourceTokens.length);
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-3);
    }
    const hyps = path.join(out, "hyps.txt");
    // A file where an English sentence appears twice with two translations: one group, two references.
    const dup = path.join(out, "dup.tsv");
    fs.writeFileSync(
      dup,
      "She kissed him.\tSie küsste ihn.\nShe calls him.\tSie ruft ihn an.\nShe kissed him.\tSie hat ihn geküsst.\n",
    );
    const e = cli("evaluate.js", ["--checkpoint", out, "--data", dup, "--hyps", hyps]);
    assert.equal(e.status, 0, e.stderr);
    assert.equal(e.json.sentences, 2);
    assert.ok(Math.abs((e.json.bleuLowercase as number) - 100) < 1e-6);
    // Truecased from the training sentences: "Sie", not "sie".
    assert.deepEqual(fs.readFileSync(hyps, "utf8"), "Sie küsste ihn.\nSie ruft ihn an.\n");
    assert.ok(Math.abs((e.json.bleu as number) - 100) < 1e-6, "cased BLEU too");
  });
});

describe("seq2seq library", () => {
  let data: ReturnType<typeof prepareData>;
  before(async () => {
    await useBackend("wasm");
    data = prepareData();
  });

  it("the sparse masked loss equals tfjs's softmax cross-entropy, values and gradients", () => {
    const rng = new Random(4);
    const N = 6,
      V = 9;
    const logits = tf.tensor2d(
      Array.from({ length: N * V }, () => rng.uniform(-3, 3)),
      [N, V],
    );
    const labels = tf.tensor1d([1, 4, 0, 8, 2, 2], "int32");
    const mask = tf.tensor1d([1, 1, 0, 1, 1, 0]);
    const ours = (x: tf.Tensor) => maskedCrossEntropy(x as tf.Tensor2D, labels, mask);
    const reference = (x: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, V), x, mask) as tf.Scalar;
    assertClose(ours(logits).dataSync(), reference(logits).dataSync(), 1e-5, "loss");
    assertClose(tf.grad(ours)(logits).dataSync(), tf.grad(reference)(logits).dataSync(), 1e-5, "gradient");
    const smooth = (x: tf.Tensor) => maskedCrossEntropy(x as tf.Tensor2D, labels, mask, 0.1);
    const smoothRef = (x: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, V), x, mask, 0.1) as tf.Scalar;
    assertClose(smooth(logits).dataSync(), smoothRef(logits).dataSync(), 1e-5, "smoothed loss");
    assertClose(tf.grad(smooth)(logits).dataSync(), tf.grad(smoothRef)(logits).dataSync(), 1e-5, "smoothed gradient");
  });

  it("teacher-forced Luong training attends over all steps at once, with the step-by-step numbers", () => {
    const batch = makeBatches(data.train, { batchSize: 12, seed: 2 })[0];
    const bt = batchTensors(batch);
    const [B, T] = bt.decoderInput.shape;
    for (const kind of ["luong-dot", "luong-general", "luong-concat", "luong-concat-shared"] as AttentionKind[]) {
      const tm = smallModel(data, kind, { seed: 9 });
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        // The attention of every step: teacherForced vs T calls of step() with the same previous words.
        const { memory, state } = tm.model.start(bt.source, bt.sourceMask);
        const dec = tm.model.decoder as LuongDecoder;
        const all = dec.teacherForced(bt.decoderInput, state, memory);
        assert.deepEqual(all.attention.weights.shape, [B, T, bt.source.shape[1]]);
        assert.deepEqual(all.features.shape, [B, T, 24]);
        const inputs = tf.unstack(bt.decoderInput, 1) as tf.Tensor1D[];
        let s = state;
        const weights: tf.Tensor2D[] = [],
          features: tf.Tensor2D[] = [];
        for (let t = 0; t < T; t++) {
          const out = dec.step(inputs[t], s, memory);
          s = out.state;
          weights.push(out.attention.weights);
          features.push(out.features);
        }
        assertClose(
          all.attention.weights.dataSync(),
          tf.stack(weights, 1).dataSync(),
          1e-5,
          `${kind} attention weights`,
        );
        assertClose(all.features.dataSync(), tf.stack(features, 1).dataSync(), 1e-5, `${kind} attentional states`);
        // The training loss and every gradient, with label smoothing and dropout off.
        const vars = Object.values(tm.model.namedVariables());
        const loss = (stepwise: boolean) =>
          tf.variableGrads(
            () =>
              tm.model.loss(bt, {
                teacherForcing: 1,
                teacherForcingMode: "batch",
                rng: new Random(5),
                training: true,
                labelSmoothing: 0.1,
                stepwise,
              }),
            vars,
          );
        const fast = loss(false),
          slow = loss(true);
        assertClose(fast.value.dataSync(), slow.value.dataSync(), 1e-5, `${kind} loss`);
        for (const name of Object.keys(slow.grads))
          assertClose(fast.grads[name].dataSync(), slow.grads[name].dataSync(), 1e-4, `${kind} gradient of ${name}`);
      });
      assert.equal(tf.memory().numTensors, before, `${kind}: tensors left behind`);
      tm.model.dispose();
    }
    const withFeeding = smallModel(data, "luong-general", { inputFeeding: true });
    const { memory, state } = withFeeding.model.start(bt.source, bt.sourceMask);
    assert.throws(
      () => (withFeeding.model.decoder as LuongDecoder).teacherForced(bt.decoderInput, state, memory),
      /input feeding/,
    );
    withFeeding.model.dispose();
    tf.dispose(Object.values(bt));
  });

  it("Bahdanau attends from the previous hidden state, Luong from the new one", () => {
    const memorySource = tf.tensor2d([[5, 6, 7]], [1, 3], "int32");
    const mask = tf.ones([1, 3]) as tf.Tensor2D;
    for (const kind of ["bahdanau", "luong-general"] as AttentionKind[]) {
      const tm = smallModel(data, kind);
      const { memory, state } = tm.model.start(memorySource, mask);
      const step = tm.model.decoder.step(tf.tensor1d([1], "int32"), state, memory);
      const dec = tm.model.decoder as BahdanauDecoder & LuongDecoder;
      const query = kind === "bahdanau" ? state.rnn.h : step.state.rnn.h;
      const scores =
        kind === "bahdanau"
          ? bahdanauScores(query, memory.keys, {
              Wq: dec.attention.Wq as tf.Tensor2D,
              Wk: dec.attention.Wk as tf.Tensor2D,
              v: dec.attention.v as tf.Tensor1D,
            })
          : luongScores("general", query, memory.keys, { Wa: (dec.attention as unknown as { Wa: tf.Tensor2D }).Wa });
      assertClose(
        step.attention.weights.dataSync(),
        attentionWeights(scores, mask).dataSync(),
        1e-6,
        `${kind} weights`,
      );
      tm.model.dispose();
    }
  });

  it("beam search with beam size 1 makes the same choices as greedy search", async () => {
    const tm = smallModel(data, "luong-concat");
    const trainer = new Trainer(tm, { train: data.train.slice(0, 400), validation: [] }, { epochs: 2, batchSize: 32 });
    await trainer.train();
    for (const ex of data.test.slice(0, 10)) {
      const g = greedySearch(tm.model, [ex.source])[0];
      const b = beamSearch(tm.model, ex.source, { beamSize: 1 });
      assert.deepEqual(b.ids, g.ids);
      assert.ok(Math.abs(b.logProb - g.logProb) < 1e-4);
      assertClose(b.attention.flat(), g.attention.flat(), 1e-5, "attention");
      const wide = beamSearch(tm.model, ex.source, { beamSize: 4, lengthPenalty: 0 });
      assert.ok(wide.logProb >= g.logProb - 1e-4 || !g.complete, "a wider beam finds at least as probable an output");
    }
    const capped = greedySearch(tm.model, [data.test[0].source], { maxLength: 2 })[0];
    assert.ok(capped.ids.length <= 2, "decoding stops at maxLength");
    trainer.dispose();
    tm.model.dispose();
  });

  it("save then load gives identical translations and attention; an interrupted save leaves the old checkpoint", async () => {
    const tm = smallModel(data, "bahdanau", { bidirectional: true });
    const trainer = new Trainer(
      tm,
      { train: data.train.slice(0, 300), validation: data.validation.slice(0, 50) },
      { epochs: 1, batchSize: 32 },
    );
    await trainer.train();
    const dir = tmpDir("wb-ckpt-");
    await trainer.save(dir);
    const sentences = data.splits.test.slice(0, 8).map((p) => p.english);
    const before = translateAll(tm, sentences);
    const beamBefore = translate(tm, sentences[0], { beam: 3 });
    const loaded = loadCheckpoint(dir);
    const after = translateAll(loaded, sentences);
    assert.deepEqual(
      after.map((t) => t.tokens),
      before.map((t) => t.tokens),
    );
    assert.deepEqual(
      after.map((t) => t.attention),
      before.map((t) => t.attention),
    );
    assert.deepEqual(translate(loaded, sentences[0], { beam: 3 }).attention, beamBefore.attention);
    assert.equal(loaded.training?.epoch, 1);

    // Train on, then crash in the middle of the next save: the first checkpoint still loads.
    await trainer.train({ epochs: 1 });
    await assert.rejects(
      import("attention-workbook").then((wb) =>
        wb.saveCheckpoint(dir, tm, {
          beforeCommit: () => {
            throw new Error("simulated crash");
          },
        }),
      ),
      /simulated crash/,
    );
    const again = loadCheckpoint(dir);
    assert.deepEqual(
      translateAll(again, sentences).map((t) => t.tokens),
      before.map((t) => t.tokens),
    );
    // The next good save replaces it and cleans up the partial version.
    await saveCheckpoint(dir, tm);
    assert.deepEqual(
      fs.readdirSync(dir).sort(),
      ["LATEST", fs.readFileSync(path.join(dir, "LATEST"), "utf8").trim()].sort(),
    );
    for (const m of [loaded, again]) m.model.dispose();
    trainer.dispose();
    tm.model.dispose();
  });

  it("missing and corrupt checkpoints get clear errors", async () => {
    const tm = smallModel(data, "luong-dot");
    const dir = tmpDir("wb-bad-");
    assert.throws(() => loadCheckpoint(dir), /no LATEST file/);
    const v = await saveCheckpoint(dir, tm);
    fs.writeFileSync(path.join(v, "weights.bin"), Buffer.alloc(10));
    assert.throws(() => loadCheckpoint(dir), /weights\.bin: 10 bytes, expected \d+ \(a corrupt or truncated file\)/);
    fs.writeFileSync(path.join(v, "config.json"), "{not json");
    assert.throws(() => loadCheckpoint(dir), /config\.json is not valid JSON/);
    fs.rmSync(path.join(v, "target-vocab.json"));
    fs.writeFileSync(path.join(dir, "LATEST"), "v999999\n");
    assert.throws(() => loadCheckpoint(dir), /LATEST names "v999999", which is not there/);
    tm.model.dispose();
  });

  it("resuming from a checkpoint continues exactly as uninterrupted training", async () => {
    const sub = { train: data.train.slice(0, 256), validation: data.validation.slice(0, 64) };
    const opts = { batchSize: 32, teacherForcing: 0.5, teacherForcingMode: "step" as const, seed: 3 };
    const a = smallModel(data, "luong-general", { seed: 9 });
    const ta = new Trainer(a, sub, opts);
    const straight = await ta.train({ epochs: 3 });
    const b = smallModel(data, "luong-general", { seed: 9 });
    const tb = new Trainer(b, sub, opts);
    await tb.train({ epochs: 2 });
    const dir = tmpDir("wb-resume-");
    await tb.save(dir);
    const loaded = loadCheckpoint(dir);
    const tc = new Trainer(loaded, sub, opts);
    await tc.restore(loaded.training, loaded.optimizerWeights, loaded.learningRate);
    const resumed = await tc.train({ epochs: 1 });
    assert.equal(tc.epoch, 3);
    assert.ok(
      Math.abs(resumed.epochs[0].trainLoss - straight.epochs[2].trainLoss) < 1e-4,
      `${resumed.epochs[0].trainLoss} vs ${straight.epochs[2].trainLoss}`,
    );
    for (const t of [ta, tb, tc]) t.dispose();
    for (const m of [a, b, loaded]) m.model.dispose();
  });

  it("with 2 worker threads, a training step is the same update as on one thread, and leaks nothing", async () => {
    const batches = makeBatches(data.train, { batchSize: 32, seed: 2 });
    const run = async (workers: number) => {
      const tm = smallModel(data, "luong-concat", { seed: 5 });
      const trainer = new Trainer(tm, { train: data.train, validation: [] }, { batchSize: 32, workers });
      const rng = new Random(1);
      const losses: number[] = [];
      for (let i = 0; i < 4; i++) losses.push(await trainer.trainBatch(batches[i], rng, { teacherForcing: 1 }));
      const before = tf.memory().numTensors;
      for (let i = 4; i < 8; i++) losses.push(await trainer.trainBatch(batches[i], rng, { teacherForcing: 1 }));
      assert.equal(tf.memory().numTensors, before, `workers=${workers}: tensors leaked`);
      const weights = Array.from(tm.model.trainableVariables()[0].dataSync().slice(0, 20));
      trainer.dispose();
      tm.model.dispose();
      return { losses, weights };
    };
    const one = await run(1);
    const two = await run(2);
    assertClose(two.losses, one.losses, 1e-4, "losses");
    assertClose(two.weights, one.weights, 1e-4, "weights after 8 steps");
  });

  it("annealing lowers the learning rate linearly over the last part of the time budget", () => {
    assert.equal(annealedRate(0.003, 0, 0.5), 0.003);
    assert.equal(annealedRate(0.003, 0.5, 0.5), 0.003);
    assert.ok(Math.abs(annealedRate(0.003, 0.75, 0.5) - 0.003 * 0.525) < 1e-12);
    assert.ok(Math.abs(annealedRate(0.003, 1, 0.5) - 0.003 * 0.05) < 1e-12);
    assert.ok(Math.abs(annealedRate(0.003, 1.2, 0.5) - 0.003 * 0.05) < 1e-12);
    assert.equal(annealedRate(0.003, 0.99, 0), 0.003);
    const tm = smallModel(data, "luong-dot");
    assert.throws(() => new Trainer(tm, data, { anneal: 0.5 }), /anneal needs a time budget/);
    assert.throws(() => new Trainer(tm, data, { anneal: 2, minutes: 1 }), /anneal must be in \[0, 1\]/);
    tm.model.dispose();
  });

  it("an epoch's summary reports the learning rate in use at its end, lowered by annealing (not the base rate)", async () => {
    const tm = smallModel(data, "luong-dot");
    const trainer = new Trainer(
      tm,
      { train: data.train.slice(0, 640), validation: [] },
      { epochs: 50, batchSize: 32, learningRate: 0.003, minutes: 0.01, anneal: 1 },
    );
    const r = await trainer.train();
    const last = r.epochs[r.epochs.length - 1];
    assert.equal(r.stoppedBy, "time-budget");
    assert.ok(
      last.learningRate < 0.003 && last.learningRate >= 0.003 * 0.05 - 1e-12,
      `reported ${last.learningRate}; the base rate is 0.003`,
    );
    trainer.dispose();
    tm.model.dispose();
  });

  it("a decoder step or teacher-forced pass given tensors of different batch sizes names the tensor (every decoder kind)", () => {
    for (const kind of ["bahdanau", "luong-general", "none"] as const) {
      const tm = smallModel(data, kind);
      const H = tm.model.config.hiddenSize;
      const { memory, state } = tm.model.start(
        tf.tensor2d([4, 5, 6, 4, 5, 6], [2, 3], "int32"),
        tf.ones([2, 3]) as tf.Tensor2D,
      );
      assert.throws(
        () => tm.model.decoder.step(tf.tensor1d([1, 1, 1], "int32"), state, memory),
        { message: `decoder state h: expected [B,H] with B=3, got [2,${H}]` },
        kind,
      );
      const parallel = tm.model.decoder as unknown as {
        teacherForced?: (i: tf.Tensor2D, s: unknown, m: unknown) => unknown;
      };
      if (parallel.teacherForced) {
        assert.throws(() => parallel.teacherForced!(tf.ones([3, 4], "int32") as tf.Tensor2D, state, memory), {
          message: `decoder state h: expected [B,H] with B=3, got [2,${H}]`,
        });
      }
      tm.model.dispose();
    }
  });

  it("stops cleanly between batches when asked, and honours a time budget", async () => {
    const tm = smallModel(data, "luong-dot");
    const trainer = new Trainer(tm, { train: data.train.slice(0, 640), validation: [] }, { epochs: 5, batchSize: 32 });
    trainer.onBatch = (p) => {
      if (p.batch === 3) trainer.stop();
    };
    const r = await trainer.train();
    assert.equal(r.stoppedBy, "stop");
    assert.equal(trainer.step, 3);
    trainer.onBatch = undefined;
    const again = await trainer.train({ epochs: 1 });
    assert.equal(again.stoppedBy, "epochs", "a new train() call runs again after a stop");
    const timed = new Trainer(
      tm,
      { train: data.train.slice(0, 640), validation: [] },
      { epochs: 50, batchSize: 32, minutes: 0.02 },
    );
    assert.equal((await timed.train()).stoppedBy, "time-budget");
    trainer.dispose();
    timed.dispose();
    tm.model.dispose();
  });

  it("attention none: all teacher-forced steps at once equal the steps one by one; training and decoding leak nothing", () => {
    const batch = makeBatches(data.train, { batchSize: 12, seed: 2 })[0];
    const bt = batchTensors(batch);
    const [B, T] = bt.decoderInput.shape;
    const tm = smallModel(data, "none", { seed: 9 });
    assert.ok(tm.model.decoder instanceof PlainDecoder);
    // Same sizes as an attention decoder, without the attention's own weights.
    const names = Object.keys(tm.model.namedVariables());
    assert.ok(
      names.some((n) => n.startsWith("decoder/rnn")) && !names.some((n) => n.includes("attention") || n.includes("Wc")),
      names.join(" "),
    );
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const { memory, state } = tm.model.start(bt.source, bt.sourceMask);
      const dec = tm.model.decoder as PlainDecoder;
      const all = dec.teacherForced(bt.decoderInput, state, memory);
      assert.deepEqual(all.features.shape, [B, T, 24]);
      const inputs = tf.unstack(bt.decoderInput, 1) as tf.Tensor1D[];
      let s = state;
      const features: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        const out = dec.step(inputs[t], s, memory);
        // No attention: weights 0 over the S source positions, a zero context.
        assert.deepEqual(out.attention.weights.shape, [B, bt.source.shape[1]]);
        assert.equal(out.attention.weights.abs().sum().dataSync()[0], 0);
        s = out.state;
        features.push(out.features);
      }
      assertClose(all.features.dataSync(), tf.stack(features, 1).dataSync(), 1e-5, "none: decoder states");
      const vars = Object.values(tm.model.namedVariables());
      const loss = (stepwise: boolean) =>
        tf.variableGrads(
          () =>
            tm.model.loss(bt, {
              teacherForcing: 1,
              teacherForcingMode: "batch",
              rng: new Random(5),
              training: true,
              stepwise,
            }),
          vars,
        );
      const fast = loss(false),
        slow = loss(true);
      assertClose(fast.value.dataSync(), slow.value.dataSync(), 1e-5, "none: loss");
      for (const name of Object.keys(slow.grads))
        assertClose(fast.grads[name].dataSync(), slow.grads[name].dataSync(), 1e-4, `none: gradient of ${name}`);
    });
    assert.equal(tf.memory().numTensors, before, "none: tensors left behind by the forward passes");
    const trainer = new Trainer(
      tm,
      { train: data.train, validation: [] },
      { batchSize: 16, teacherForcing: 0.5, teacherForcingMode: "step" },
    );
    const batches = makeBatches(data.train, { batchSize: 16, seed: 1 });
    const rng = new Random(1);
    trainer.trainStep(batches[0], rng);
    const start = tf.memory().numTensors;
    for (let i = 1; i <= 20; i++) trainer.trainStep(batches[i], rng);
    const sentences = data.splits.test.slice(0, 20).map((p) => p.english);
    for (const s of sentences) translate(tm, s);
    translateAll(tm, sentences);
    for (const s of sentences.slice(0, 5)) translate(tm, s, { beam: 3 });
    assert.equal(tf.memory().numTensors, start, "none: after 20 training steps and 45 translations");
    trainer.dispose();
    tm.model.dispose();
  });

  it("forced decoding of the model's own translation gives the attention it translated with; alignments score it, leak-free", () => {
    for (const kind of ["bahdanau", "luong-general"] as AttentionKind[]) {
      const tm = smallModel(data, kind, { seed: 4 });
      const sentences = data.splits.test.slice(0, 6).map((p) => p.english);
      const translations = translateAll(tm, sentences, { maxLength: 12 });
      const before = tf.memory().numTensors;
      const forced = forcedAttention(
        tm,
        translations.map((t) => ({ english: t.source, german: t.tokens.join(" ") || "x" })),
        { batchSize: 4 },
      );
      translations.forEach((t, k) => {
        if (t.tokens.length === 0) return;
        assert.equal(forced[k].length, t.tokens.length);
        assertClose(forced[k].flat(), t.attention.slice(0, t.tokens.length).flat(), 1e-5, `${kind}: "${t.source}"`);
      });
      const report = alignmentReport(tm, data.splits.test.slice(0, 30));
      assert.equal(report.sentences, 30);
      assert.ok(
        report.all.germanWords > 100 && report.all.accuracy >= 0 && report.all.accuracy <= 1,
        JSON.stringify(report.all),
      );
      assert.ok(report.byConstruction["participle-final"]!.germanWords > 0);
      assert.equal(tf.memory().numTensors, before, `${kind}: forced decoding leaks`);
      tm.model.dispose();
    }
  });

  it("beam search can be watched: each step's candidates, K kept or finished, the same translation as translate()", () => {
    const tm = smallModel(data, "luong-general", { seed: 6 });
    const sentence = data.splits.test[0].english;
    const before = tf.memory().numTensors;
    for (const K of [1, 3]) {
      const run = watchBeamSearch(tm, sentence, { beamSize: K, maxLength: 8 });
      assert.ok(run.steps.length >= 1);
      for (const step of run.steps) {
        assert.ok(
          step.candidates.length <= 2 * K && step.candidates.length >= K,
          `${step.candidates.length} candidates`,
        );
        const logs = step.candidates.map((c) => c.logProb);
        assert.deepEqual(
          logs,
          [...logs].sort((a, b) => b - a),
          "candidates best first",
        );
        const chosen = step.candidates.filter((c) => c.fate !== "dropped").length;
        assert.ok(chosen <= K && chosen >= 1, `${chosen} chosen of beam ${K}`);
      }
      assert.equal(run.translation.text, translate(tm, sentence, { beam: K, maxLength: 8 }).text);
      const fig = beamTree(run.steps);
      assert.ok(fig.data.some((d) => ["kept", "finished"].includes(d.name as string)));
    }
    assert.equal(tf.memory().numTensors, before, "watching beam search leaks");
    tm.model.dispose();
  });

  it("the paper's Bahdanau options: deep output with maxout and s0 = tanh(Ws·h←1) train, round-trip and leak nothing", async () => {
    const tm = smallModel(data, "bahdanau", { bidirectional: true, deepOutput: true, startState: "backward", seed: 2 });
    const names = Object.keys(tm.model.namedVariables());
    assert.ok(names.includes("decoder/deepOutput/W"), names.join(" "));
    assert.deepEqual(tm.model.namedVariables()["encoder/bridgeH/W"].shape, [24, 24]); // from h←1 alone, not both directions
    assert.deepEqual(tm.model.namedVariables()["decoder/deepOutput/W"].shape, [24 + 16 + 48, 48]); // [s; Ey; c] -> 2 x 24 for the maxout
    const trainer = new Trainer(
      tm,
      { train: data.train.slice(0, 256), validation: [] },
      { batchSize: 32, learningRate: 0.01 },
    );
    const batches = makeBatches(data.train.slice(0, 256), { batchSize: 32, seed: 1 });
    const rng = new Random(1);
    const first = trainer.trainStep(batches[0], rng);
    const start = tf.memory().numTensors;
    let last = first;
    for (let epoch = 0; epoch < 4; epoch++) for (const b of batches) last = trainer.trainStep(b, rng);
    assert.ok(last < first - 0.5, `loss ${first} -> ${last}`);
    assert.equal(tf.memory().numTensors, start, "deep output training leaks");
    const dir = tmpDir("wb-deep-");
    await saveCheckpoint(dir, tm);
    const back = loadCheckpoint(dir);
    assert.equal(back.model.config.deepOutput, true);
    const s = data.splits.test[0].english;
    assert.equal(translate(back, s).text, translate(tm, s).text);
    assert.throws(() => smallModel(data, "luong-dot", { deepOutput: true }), /deepOutput is Bahdanau's output layer/);
    assert.throws(() => smallModel(data, "bahdanau", { startState: "backward" }), /needs bidirectional: true/);
    trainer.dispose();
    back.model.dispose();
    tm.model.dispose();
  });

  it("tf.memory().numTensors is flat over 100 training steps and 100 translations", async () => {
    const tm = smallModel(data, "luong-concat", { inputFeeding: true, dropout: 0.1 });
    const trainer = new Trainer(
      tm,
      { train: data.train, validation: [] },
      { batchSize: 16, teacherForcing: 0.5, teacherForcingMode: "step" },
    );
    const batches = makeBatches(data.train, { batchSize: 16, seed: 1 });
    const rng = new Random(1);
    trainer.trainStep(batches[0], rng); // Adam creates its slots on the first step
    const start = tf.memory().numTensors;
    for (let i = 1; i <= 100; i++) trainer.trainStep(batches[i], rng);
    assert.equal(tf.memory().numTensors, start, "after 100 training steps");
    const sentences = data.splits.test.slice(0, 100).map((p) => p.english);
    for (const s of sentences) translate(tm, s);
    translateAll(tm, sentences);
    for (const s of sentences.slice(0, 10)) translate(tm, s, { beam: 3 });
    assert.equal(tf.memory().numTensors, start, "after 100 translations (greedy, batched and beam)");
    const t = batchTensors(batches[0]);
    trainer.evaluateLoss(data.validation.slice(0, 50));
    tf.dispose(Object.values(t));
    assert.equal(tf.memory().numTensors, start, "after a validation pass");
    trainer.dispose();
    tm.model.dispose();
  });

  it("the decoding walkthrough exposes every step, equals greedy decoding, and leaks nothing", async () => {
    const { startDecoding } = await import("attention-workbook");
    for (const kind of ["bahdanau", "luong-general"] as AttentionKind[]) {
      const tm = smallModel(data, kind);
      const trainer = new Trainer(tm, { train: data.train.slice(0, 300), validation: [] }, { epochs: 1 });
      await trainer.train();
      trainer.dispose();
      const sentence = "She has kissed him.";
      const before = tf.memory().numTensors;
      const walk = startDecoding(tm, sentence);
      assert.equal(walk.encoderOutputs.length, 5);
      const steps = walk.run(6);
      const greedy = translate(tm, sentence, { maxLength: 6 });
      assert.deepEqual(walk.words, greedy.tokens);
      steps.forEach((s, i) => {
        assert.equal(s.weights.length, 5);
        assert.ok(Math.abs(s.weights.reduce((a, b) => a + b, 0) - 1) < 1e-5);
        assertClose(s.weights, greedy.attention[i], 1e-5, `${kind} step ${i} weights`);
        assert.equal(s.context.length, tm.model.encoder.outputSize);
      });
      assert.match(steps[0].queryName, kind === "bahdanau" ? /previous/ : /new/);
      walk.dispose();
      assert.equal(tf.memory().numTensors, before, `${kind} walkthrough leaks`);
      tm.model.dispose();
    }
  });

  it("a trained model's German participle attends to the English verb (She has kissed him.)", async () => {
    const tm = smallModel(data, "luong-general", { hiddenSize: 128, embeddingSize: 64 });
    const trainer = new Trainer(tm, data, { epochs: 7, batchSize: 32 });
    await trainer.train();
    trainer.dispose();
    const t = translate(tm, "She has kissed him.");
    assert.deepEqual(t.tokens, ["sie", "hat", "ihn", "geküsst", "."]);
    const row = t.attention[t.tokens.indexOf("geküsst")];
    assert.equal(t.sourceTokens[row.indexOf(Math.max(...row))], "kissed", `geküsst attends to ${JSON.stringify(row)}`);
    tm.model.dispose();
  });

  it("a model holds exactly one tensor per weight, and dispose() frees them all", () => {
    const before = tf.memory().numTensors;
    const tm = smallModel(data, "bahdanau", { bidirectional: true, cell: "gru" });
    assert.equal(tf.memory().numTensors - before, Object.keys(tm.model.namedVariables()).length);
    tm.model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it("an empty sentence or a wrong configuration gets a clear error", () => {
    const tm = smallModel(data, "luong-general");
    assert.throws(() => translate(tm, "   "), /sentence 1: cannot translate an empty sentence/);
    const unknown = translate(tm, "She kissed Zebedee.");
    assert.deepEqual(unknown.unknown, ["zebedee"]);
    assert.throws(
      () => new Seq2Seq({ ...tm.model.config, attention: "luong-dot", bidirectional: true }),
      /luong-dot needs keys and query of one size/,
    );
    assert.throws(
      () => new Seq2Seq({ ...tm.model.config, attention: "luong-cosine" as AttentionKind }),
      /unknown attention kind "luong-cosine"/,
    );
    tm.model.dispose();
  });
});
