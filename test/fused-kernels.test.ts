/**
 * The fused kernels (src/backend/fused, native/kernels.cc) on wasm compute what the cpu backend computes
 * with plain tfjs ops: values and gradients to 1e-4, kernel by kernel and for whole models of every
 * attention kind. Also: the same loss on 1 and 2 threads after 20 training steps, no leaked tensors over 100
 * steps, and at most 300 kernel calls in a training step of the benchmark's model.
 *
 * `npm test` builds the native addon first (scripts/build-native.js --required), so these tests always run.
 */
import { describe, it } from "node:test";
import * as fs from "node:fs";
import * as path from "node:path";
import * as assert from "node:assert/strict";
import {
  tf,
  Random,
  Seq2Seq,
  Trainer,
  padBatch,
  batchTensors,
  LSTMCell,
  Dense,
  additiveScores,
  maskedCrossEntropy,
  setThreads,
} from "attention-workbook";
import { DEFAULT_MODEL, ATTENTION_KINDS } from "attention-workbook/models";
import { stepThrough, classifierCrossEntropy } from "attention-workbook/nn";
import { fusedKernelsActive, setFusedKernels, threadCount, nativeStatus } from "attention-workbook/backend";
import { fusedSoftmaxCrossEntropy } from "attention-workbook/dist/backend/fused/index";
import type { AttentionKind, Example, Seq2SeqConfig } from "attention-workbook";
import { useBackend, randomValues, assertClose, lossAndGradients } from "./helpers";

/** Runs fn on cpu (plain ops) and on wasm (fused kernels). */
async function onBoth<T>(fn: () => T): Promise<{ cpu: T; wasm: T }> {
  await useBackend("cpu");
  assert.equal(fusedKernelsActive(), false);
  const cpu = fn();
  await useBackend("wasm");
  assert.equal(fusedKernelsActive(), true, `fused kernels inactive on wasm: ${nativeStatus()}`);
  const wasm = fn();
  return { cpu, wasm };
}

/** Value and gradients (w.r.t. each of xs) of sum(f(xs) · weights), as plain arrays. */
function valueAndGrads(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  xs: Array<{ values: Float32Array; shape: number[] }>,
): number[][] {
  return tf.tidy(() => {
    const ts = xs.map((x) => tf.tensor(x.values, x.shape));
    const y = f(...ts);
    const w = tf.tensor(randomValues(new Random(99), y.size), y.shape);
    const { value, grads } = tf.valueAndGrads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), w)) as tf.Scalar)(ts);
    return [Array.from(y.dataSync()), [value.dataSync()[0]], ...grads.map((g) => Array.from(g.dataSync()))];
  });
}

function assertAllClose(r: { cpu: number[][]; wasm: number[][] }, tol: number, what: string): void {
  assert.equal(r.wasm.length, r.cpu.length);
  r.cpu.forEach((c, i) =>
    assertClose(r.wasm[i], c, tol, `${what} [${i === 0 ? "value" : i === 1 ? "sum" : `grad ${i - 2}`}]`),
  );
}

const rand = (rng: Random, shape: number[], scale = 1) => ({
  values: randomValues(
    rng,
    shape.reduce((a, b) => a * b, 1),
    scale,
  ),
  shape,
});

describe("fused kernels (wasm + native) equal the cpu backend", () => {
  it("the native addon is built and loaded", async () => {
    await useBackend("wasm");
    assert.match(nativeStatus(), /^native kernels from /);
    assert.ok(threadCount() >= 1);
  });

  it("LSTM over a sequence: outputs, final state and gradients, with and without a mask, forwards and reversed", async () => {
    const rng = new Random(1);
    const [B, T, E, H] = [3, 5, 4, 6];
    const cell = new LSTMCell(E, H, new Random(2));
    const x = rand(rng, [B, T, 4 * H]),
      h0 = rand(rng, [B, H]),
      c0 = rand(rng, [B, H]);
    const maskValues = new Float32Array([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0]);
    for (const masked of [false, true]) {
      for (const reverse of [false, true]) {
        const run = (xp: tf.Tensor, h: tf.Tensor, c: tf.Tensor, Wh: tf.Tensor) => {
          const mask = masked ? tf.tensor2d(maskValues, [B, T]) : undefined;
          const state = { h: h as tf.Tensor2D, c: c as tf.Tensor2D };
          const saved = cell.Wh;
          // Differentiate w.r.t. Wh too: run with a Wh tensor in place of the variable.
          (cell as unknown as { Wh: tf.Tensor }).Wh = Wh;
          try {
            const r = fusedKernelsActive()
              ? cell.sequence(xp as tf.Tensor3D, state, { mask, reverse })
              : stepThrough(cell, xp as tf.Tensor3D, state, { mask, reverse });
            return tf.concat([r.outputs.reshape([-1]), r.state.h.reshape([-1]), r.state.c!.reshape([-1])]);
          } finally {
            (cell as unknown as { Wh: tf.Tensor }).Wh = saved;
          }
        };
        const Wh = { values: cell.Wh.dataSync() as Float32Array, shape: cell.Wh.shape };
        const r = await onBoth(() => valueAndGrads(run, [x, h0, c0, Wh]));
        assertAllClose(r, 1e-4, `lstm masked=${masked} reverse=${reverse}`);
      }
    }
    cell.dispose();
  });

  it("additive scores v·tanh(k + q) for T queries and one (T = 1), with gradients", async () => {
    const rng = new Random(3);
    for (const [B, T, S, U] of [
      [2, 4, 3, 5],
      [3, 1, 6, 4],
    ]) {
      const inputs = [rand(rng, [B, S, U]), rand(rng, [B, T, U]), rand(rng, [U])];
      const r = await onBoth(() =>
        valueAndGrads((k, q, v) => additiveScores(k as tf.Tensor3D, q as tf.Tensor3D, v as tf.Tensor1D), inputs),
      );
      assertAllClose(r, 1e-4, `additive B${B} T${T} S${S} U${U}`);
    }
  });

  it("softmax cross-entropy (masked mean, with and without label smoothing), with gradients", async () => {
    const rng = new Random(4);
    const [N, V] = [7, 11];
    const labels = [0, 3, 10, 5, 5, 1, 9];
    const mask = [1, 1, 0, 1, 1, 0, 1];
    for (const eps of [0, 0.1]) {
      const logits = rand(rng, [N, V], 3);
      const r = await onBoth(() =>
        valueAndGrads(
          (x) => maskedCrossEntropy(x as tf.Tensor2D, tf.tensor1d(labels, "int32"), tf.tensor1d(mask), eps),
          [logits],
        ),
      );
      assertAllClose(r, 1e-4, `cross-entropy eps=${eps}`);
    }
  });

  it("classifier + cross-entropy in one kernel (with and without label smoothing), with gradients for the features, W and b", async () => {
    const rng = new Random(8);
    const [N, F, V] = [6, 5, 9];
    const dense = new Dense(F, V, new Random(9));
    const X = rand(rng, [N, F], 2);
    const labels = [0, 8, 3, 3, 5, 1];
    for (const eps of [0, 0.1]) {
      const r = await onBoth(() =>
        tf.tidy(() => {
          const features = tf.variable(tf.tensor2d(X.values, [N, F]));
          const { value, grads } = tf.variableGrads(
            () => classifierCrossEntropy(features, dense, tf.tensor1d(labels, "int32"), eps),
            [features, dense.W, dense.b!],
          );
          const out = [
            value.dataSync()[0],
            ...[features, dense.W, dense.b!].flatMap((v) => Array.from(grads[v.name].dataSync())),
          ];
          features.dispose();
          return out;
        }),
      );
      assertClose(r.wasm, r.cpu, 1e-4, `classifier cross-entropy eps=${eps}`);
    }
    dense.dispose();
  });

  it("BatchMatMul on OpenBLAS: transposes, batches and a broadcast batch", async () => {
    const rng = new Random(5);
    const cases: Array<[number[], number[], boolean, boolean]> = [
      [[4, 3], [3, 5], false, false],
      [[3, 4], [3, 5], true, false],
      [[4, 3], [5, 3], false, true],
      [[3, 4], [5, 3], true, true],
      [[2, 4, 3], [2, 3, 5], false, false],
      [[2, 4, 3], [1, 3, 5], false, false],
      [[1, 4, 3], [2, 5, 3], false, true],
      [[2, 2, 4, 3], [2, 2, 3, 5], false, false],
    ];
    for (const [sa, sb, ta, tb] of cases) {
      const a = rand(rng, sa),
        b = rand(rng, sb);
      const what = `matMul [${sa}]${ta ? "ᵀ" : ""} x [${sb}]${tb ? "ᵀ" : ""}`;
      if (sa[0] !== sb[0]) {
        // A broadcast batch: values only (tfjs's matMul gradient does not sum over a broadcast batch, on any backend).
        const r = await onBoth(() =>
          tf.tidy(() =>
            Array.from(tf.matMul(tf.tensor(a.values, a.shape), tf.tensor(b.values, b.shape), ta, tb).dataSync()),
          ),
        );
        assertClose(r.wasm, r.cpu, 1e-4, what);
        continue;
      }
      const r = await onBoth(() => valueAndGrads((x, y) => tf.matMul(x, y, ta, tb), [a, b]));
      assertAllClose(r, 1e-4, what);
    }
  });

  it("Sum over leading axes (bias gradients) and Tanh, with gradients", async () => {
    const rng = new Random(6);
    const x = rand(rng, [3, 4, 5]);
    for (const [axis, keepDims] of [
      [0, false],
      [[0, 1], false],
      [[1, 0], true],
      [-1, false],
      [1, false],
    ] as Array<[number | number[], boolean]>) {
      const r = await onBoth(() => valueAndGrads((t) => tf.sum(t, axis, keepDims), [x]));
      assertAllClose(r, 1e-4, `sum axis=${axis} keepDims=${keepDims}`);
    }
    const y = rand(rng, [6, 7], 3);
    const r = await onBoth(() => valueAndGrads((t) => tf.tanh(t), [y]));
    assertAllClose(r, 1e-4, "tanh");
  });

  it("Adam with gradient clipping: the fused update equals tfjs's AdamOptimizer over 5 steps", async () => {
    const run = () => {
      const model = new Seq2Seq({
        ...DEFAULT_MODEL,
        attention: "luong-concat",
        embeddingSize: 6,
        hiddenSize: 8,
        sourceVocabSize: 12,
        targetVocabSize: 13,
      });
      const trainer = new Trainer(
        { model, sourceVocab: undefined as never, targetVocab: undefined as never, tokenizeOptions: {} },
        { train: examples(8, 12, 13, 7), validation: [] },
        { batchSize: 8, clipNorm: 0.5, learningRate: 0.01 },
      );
      const batch = padBatch(examples(8, 12, 13, 7));
      const rng = new Random(1);
      for (let i = 0; i < 5; i++) trainer.trainStep(batch, rng, { teacherForcing: 1 });
      const out = Object.values(model.namedVariables()).flatMap((v) => Array.from(v.dataSync()));
      trainer.dispose();
      model.dispose();
      return out;
    };
    const r = await onBoth(run);
    assertClose(r.wasm, r.cpu, 1e-4, "weights after 5 Adam steps");
  });

  for (const attention of ATTENTION_KINDS) {
    for (const variant of ["plain", "bidirectional", "input feeding"] as const) {
      if (variant === "bidirectional" && (attention === "luong-dot" || attention === "luong-concat-shared")) continue;
      if (variant === "input feeding" && attention === "bahdanau") continue;
      it(`a ${attention} model (${variant}): loss and every gradient, teacher-forced and free-running`, async () => {
        const config: Seq2SeqConfig = {
          ...DEFAULT_MODEL,
          attention: attention as AttentionKind,
          embeddingSize: 8,
          hiddenSize: 12,
          attentionUnits: 10,
          sourceVocabSize: 30,
          targetVocabSize: 32,
          bidirectional: variant === "bidirectional",
          inputFeeding: variant === "input feeding",
        };
        const batch = padBatch(examples(5, 30, 32, 11));
        for (const teacherForcing of [1, 0]) {
          const options = { teacherForcing, teacherForcingMode: "batch" as const, rng: new Random(3), training: true };
          const r = await onBoth(() => lossAndGradients(config, batch, options));
          assertClose(r.wasm, r.cpu, 1e-4, `${attention} ${variant} teacherForcing=${teacherForcing}`);
        }
      });
    }
  }
});

describe("the execution path, chosen once", () => {
  const small = (attention: AttentionKind, dropout: number): Seq2SeqConfig => ({
    ...DEFAULT_MODEL,
    attention,
    embeddingSize: 8,
    hiddenSize: 12,
    attentionUnits: 10,
    sourceVocabSize: 30,
    targetVocabSize: 32,
    dropout,
  });

  /** Loss and every gradient of one training batch under `options`, the model built on the current backend. */
  function lossAndGrads(
    config: Seq2SeqConfig,
    options: { teacherForcing: number; mode: "batch" | "step"; stepwise?: boolean },
  ) {
    return lossAndGradients(config, padBatch(examples(6, 30, 32, 13)), {
      teacherForcing: options.teacherForcing,
      teacherForcingMode: options.mode,
      rng: new Random(7),
      training: true,
      stepwise: options.stepwise,
    });
  }

  it("a model records its kernels when built: native on wasm, the formulas on cpu", async () => {
    await useBackend("wasm");
    const fused = new Seq2Seq(small("luong-general", 0));
    assert.equal(fused.kernels.name, "fused");
    assert.match(
      fused.kernels.parts[0],
      /^LSTM step: fused native kernel \(the formula of notebook 01, step 5, in C\+\+/,
    );
    assert.ok(fused.decoder.guessAll, "a Luong LSTM decoder without input feeding gets the one-pass guesses");
    await useBackend("cpu");
    const plain = new Seq2Seq(small("luong-general", 0));
    assert.equal(plain.kernels.name, "plain");
    assert.equal(plain.decoder.guessAll, undefined);
    // The fused model does not silently change path: on cpu it refuses with one line.
    const batch = batchTensors(padBatch(examples(2, 30, 32, 3)));
    assert.throws(
      () => fused.loss(batch, { teacherForcing: 1, teacherForcingMode: "batch", rng: new Random(1), training: false }),
      /built to run on the native kernels \(wasm\), but the backend is now 'cpu'/,
    );
    tf.dispose(Object.values(batch));
    fused.dispose();
    plain.dispose();
  });

  for (const attention of ["luong-general", "luong-concat", "luong-dot", "none", "bahdanau"] as AttentionKind[]) {
    it(`${attention} with dropout 0.3 and teacher forcing 0.5: the same loss and gradients on cpu and on wasm + native`, async () => {
      for (const mode of ["batch", "step"] as const) {
        const r = await onBoth(() => lossAndGrads(small(attention, 0.3), { teacherForcing: 0.5, mode }));
        assertClose(r.wasm, r.cpu, 1e-4, `${attention} dropout 0.3, teacher forcing 0.5 (${mode})`);
      }
    });
  }

  it("with dropout, the free-running guesses are the network's as it trains: the one-pass kernel is not used", async () => {
    await useBackend("wasm");
    for (const attention of ["luong-general", "luong-concat", "none"] as AttentionKind[]) {
      const fast = lossAndGrads(small(attention, 0.3), { teacherForcing: 0.5, mode: "step" });
      const stepped = lossAndGrads(small(attention, 0.3), { teacherForcing: 0.5, mode: "step", stepwise: true });
      assertClose(fast, stepped, 1e-5, `${attention}: the model's path vs step by step`);
    }
  });

  it("the softmax cross-entropy kernel (off the model's path since the classifier kernel) still equals maskedCrossEntropy", async () => {
    const rng = new Random(14);
    const [N, V] = [5, 9];
    const labels = [0, 8, 3, 3, 5];
    for (const eps of [0, 0.1]) {
      const logits = rand(rng, [N, V], 3);
      const ids = () => tf.tensor1d(labels, "int32");
      await useBackend("cpu");
      const cpu = valueAndGrads(
        (x) => maskedCrossEntropy(x as tf.Tensor2D, ids(), tf.ones([N]) as tf.Tensor1D, eps),
        [logits],
      );
      await useBackend("wasm");
      const wasm = valueAndGrads((x) => tf.mean(fusedSoftmaxCrossEntropy(x as tf.Tensor2D, ids(), eps)), [logits]);
      assertAllClose({ cpu, wasm }, 1e-4, `softmax cross-entropy kernel eps=${eps}`);
    }
  });

  it("no file under src/ but src/backend and src/models/fast.ts imports the fused kernels", () => {
    const src = path.join(__dirname, "..", "src");
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, e.name);
        if (e.isDirectory()) walk(file);
        else if (
          e.name.endsWith(".ts") &&
          /from "[./]*backend\/fused"|from "\.\.\/fused"|from "\.\/fused"/.test(fs.readFileSync(file, "utf8"))
        )
          offenders.push(path.relative(src, file));
      }
    };
    walk(src);
    assert.deepEqual(offenders.filter((f) => !f.startsWith("backend/")).sort(), ["models/fast.ts"]);
    assert.doesNotMatch(fs.readFileSync(path.join(src, "models/seq2seq.ts"), "utf8"), /instanceof \w*Decoder/);
  });
});

/** `n` random examples of 2-7 source and 1-5 target tokens. */
function examples(n: number, sourceVocab: number, targetVocab: number, seed: number): Example[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => ({
    source: Array.from({ length: 2 + rng.int(6) }, () => 4 + rng.int(sourceVocab - 4)),
    target: Array.from({ length: 1 + rng.int(5) }, () => 4 + rng.int(targetVocab - 4)),
  }));
}

describe("fused training on wasm", () => {
  const config: Seq2SeqConfig = {
    ...DEFAULT_MODEL,
    attention: "luong-concat",
    embeddingSize: 16,
    hiddenSize: 24,
    sourceVocabSize: 40,
    targetVocabSize: 45,
  };

  function train(steps: number, threads: number): { losses: number[]; tensors: number[] } {
    setThreads(threads);
    const model = new Seq2Seq(config);
    const data = examples(32, 40, 45, 21);
    const trainer = new Trainer(
      { model, sourceVocab: undefined as never, targetVocab: undefined as never, tokenizeOptions: {} },
      { train: data, validation: [] },
      { batchSize: 16 },
    );
    const batches = [padBatch(data.slice(0, 16)), padBatch(data.slice(16))];
    const rng = new Random(5);
    const losses: number[] = [],
      tensors: number[] = [];
    for (let i = 0; i < steps; i++) {
      losses.push(trainer.trainStep(batches[i % 2], rng, { teacherForcing: i % 3 === 0 ? 0 : 1 }));
      tensors.push(tf.memory().numTensors);
    }
    trainer.dispose();
    model.dispose();
    return { losses, tensors };
  }

  it("gives the same loss on 1 and 2 threads after 20 steps (to 1e-5)", async () => {
    await useBackend("wasm");
    const before = threadCount();
    try {
      const one = train(20, 1);
      const two = train(20, 2);
      assert.equal(threadCount(), 2);
      assertClose(two.losses, one.losses, 1e-5, "losses on 2 threads vs 1");
      assert.ok(one.losses[19] < one.losses[0], `the loss falls: ${one.losses[0]} -> ${one.losses[19]}`);
    } finally {
      setThreads(before);
    }
  });

  it("leaves tf.memory().numTensors flat over 100 steps (teacher-forced and free-running)", async () => {
    await useBackend("wasm");
    const { tensors } = train(100, threadCount());
    assert.equal(tensors[99], tensors[1], `numTensors after step 2: ${tensors[1]}, after step 100: ${tensors[99]}`);
  });

  it("a bad WORKBOOK_THREADS stops the backend's start with one line naming the variable", async () => {
    const { spawnSync } = await import("node:child_process");
    const script = `require("attention-workbook").ready().then(() => console.log("started"), (e) => { console.error(e.message); process.exit(2); })`;
    for (const value of ["0", "two", "1.5"]) {
      const r = spawnSync(process.execPath, ["-e", script], {
        encoding: "utf8",
        env: { ...process.env, WORKBOOK_THREADS: value, TFJS_BACKEND: "" },
      });
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(
        r.stderr.trim().split("\n").pop()!,
        new RegExp(`^WORKBOOK_THREADS=${value.replace(".", "\\.")}: must be a positive integer$`),
      );
    }
    const ok = spawnSync(process.execPath, ["-e", script], {
      encoding: "utf8",
      env: { ...process.env, WORKBOOK_THREADS: "1", TFJS_BACKEND: "" },
    });
    assert.equal(ok.status, 0, ok.stderr);
  });

  it("makes at most 300 kernel calls per training step of the benchmark's model (teacher-forced and free-running)", async () => {
    await useBackend("wasm");
    // The benchmark's structure (Luong concat, batch 64, 10 source and 9 target tokens), smaller sizes: the
    // number of kernel calls does not depend on the sizes.
    const model = new Seq2Seq({
      ...DEFAULT_MODEL,
      attention: "luong-concat",
      embeddingSize: 32,
      hiddenSize: 32,
      sourceVocabSize: 200,
      targetVocabSize: 300,
    });
    const rng = new Random(2);
    const data: Example[] = Array.from({ length: 64 }, () => ({
      source: Array.from({ length: 10 }, () => 4 + rng.int(196)),
      target: Array.from({ length: 8 }, () => 4 + rng.int(296)),
    }));
    const trainer = new Trainer(
      { model, sourceVocab: undefined as never, targetVocab: undefined as never, tokenizeOptions: {} },
      { train: data, validation: [] },
      { batchSize: 64 },
    );
    const batch = padBatch(data);
    const counts: Record<string, number> = {};
    for (const teacherForcing of [1, 0]) {
      trainer.trainStep(batch, rng, { teacherForcing });
      const info = await tf.profile(() => {
        trainer.trainStep(batch, rng, { teacherForcing });
      });
      counts[teacherForcing ? "teacherForced" : "freeRunning"] = info.kernels.length;
    }
    trainer.dispose();
    model.dispose();
    for (const [k, n] of Object.entries(counts)) assert.ok(n <= 300, `${k}: ${n} kernel calls per step`);
    // Without the fused kernels the same step takes several times as many.
    setFusedKernels(false);
    try {
      const plain = new Seq2Seq({
        ...DEFAULT_MODEL,
        attention: "luong-concat",
        embeddingSize: 32,
        hiddenSize: 32,
        sourceVocabSize: 200,
        targetVocabSize: 300,
      });
      const t2 = new Trainer(
        { model: plain, sourceVocab: undefined as never, targetVocab: undefined as never, tokenizeOptions: {} },
        { train: data, validation: [] },
        { batchSize: 64 },
      );
      t2.trainStep(batch, rng, { teacherForcing: 1 });
      const info = await tf.profile(() => {
        t2.trainStep(batch, rng, { teacherForcing: 1 });
      });
      assert.ok(
        info.kernels.length > 3 * counts.teacherForced,
        `plain ops: ${info.kernels.length} kernel calls, fused: ${counts.teacherForced}`,
      );
      t2.dispose();
      plain.dispose();
    } finally {
      setFusedKernels(true);
    }
  });
});
