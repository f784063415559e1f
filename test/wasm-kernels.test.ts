/**
 * The wasm backend with the workbook's kernels computes what the cpu backend computes: the added
 * UnsortedSegmentSum (gradient of gather), the transpose-first BatchMatMul, and the loss and gradients
 * of an embedding + LSTM + softmax cross-entropy model (to 1e-4).
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { tf, Random } from "attention-workbook";
import { wasmPatches, clearTransposeCache } from "attention-workbook/backend";
import { useBackend, randomValues, randomTensor, assertClose } from "./helpers";

async function onBoth<T>(fn: () => T): Promise<{ cpu: T; wasm: T }> {
  await useBackend("cpu");
  const cpu = fn();
  await useBackend("wasm");
  const wasm = fn();
  return { cpu, wasm };
}

describe("wasm training kernels", () => {
  it("are registered", async () => {
    await useBackend("wasm");
    assert.ok(tf.getKernel("UnsortedSegmentSum", "wasm"), "UnsortedSegmentSum registered");
    assert.deepEqual(wasmPatches, {
      unsortedSegmentSum: true,
      batchMatMul: true,
      gatherRows: true,
      sharedIdentity: true,
    });
  });

  it("UnsortedSegmentSum equals cpu, including repeated and out-of-range ids", async () => {
    const rng = new Random(1);
    const x = randomValues(rng, 7 * 5);
    const ids = [0, 3, 3, 1, 0, 9, 3];
    const r = await onBoth(() =>
      tf.tidy(() => Array.from(tf.unsortedSegmentSum(tf.tensor2d(x, [7, 5]), tf.tensor1d(ids, "int32"), 4).dataSync())),
    );
    assertClose(r.wasm, r.cpu, 1e-6, "segment sum");
    const g = await onBoth(() =>
      tf.tidy(() => {
        const table = tf.tensor2d(x, [7, 5]);
        return Array.from(
          tf
            .grad((t: tf.Tensor) =>
              tf
                .gather(t, tf.tensor1d([1, 2, 1, 6], "int32"))
                .square()
                .sum(),
            )(table)
            .dataSync(),
        );
      }),
    );
    assertClose(g.wasm, g.cpu, 1e-6, "gather gradient");
  });

  it("BatchMatMul with transposeA/transposeB equals cpu (2-D and batched 3-D)", async () => {
    const rng = new Random(2);
    const a2 = randomValues(rng, 6 * 4),
      b2 = randomValues(rng, 6 * 5);
    const a3 = randomValues(rng, 3 * 6 * 4),
      b3 = randomValues(rng, 3 * 6 * 5);
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ]) {
      const r = await onBoth(() =>
        tf.tidy(() => {
          const A = ta ? tf.tensor2d(a2, [6, 4]) : tf.tensor2d(a2, [6, 4]).transpose();
          const B = tb ? tf.tensor2d(b2, [5, 6]) : tf.tensor2d(b2, [6, 5]);
          const A3 = ta ? tf.tensor3d(a3, [3, 6, 4]) : tf.tensor3d(a3, [3, 6, 4]).transpose([0, 2, 1]);
          const B3 = tb ? tf.tensor3d(b3, [3, 5, 6]) : tf.tensor3d(b3, [3, 6, 5]);
          return [...tf.matMul(A, B, ta, tb).dataSync(), ...tf.matMul(A3, B3, ta, tb).dataSync()];
        }),
      );
      assertClose(r.wasm, r.cpu, 1e-5, `matMul transposeA=${ta} transposeB=${tb}`);
    }
  });

  it("BatchMatMul with size-1 axes (a no-op transpose) leaves its inputs intact", async () => {
    await useBackend("wasm");
    const v = tf.tensor2d([[1], [2], [3]]); // [3,1]
    const x = tf.tensor2d([
      [1, 0, 2],
      [0, 1, 1],
    ]); // [2,3]
    const row = tf.tensor2d([[4, 5, 6]]); // [1,3]
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(Array.from(tf.matMul(v, v, true, false).dataSync()), [14]);
      assert.deepEqual(Array.from(tf.matMul(x, row, false, true).dataSync()), [16, 11]);
      assert.deepEqual(Array.from(tf.matMul(row, row, false, true).dataSync()), [77]);
      assert.deepEqual(Array.from(tf.matMul(v, row, false, false).dataSync()), [4, 5, 6, 8, 10, 12, 12, 15, 18]);
    }
    assert.deepEqual(Array.from(v.dataSync()), [1, 2, 3], "the [3,1] input still holds its values");
    assert.deepEqual(Array.from(row.dataSync()), [4, 5, 6]);
    tf.dispose([v, x, row]);
  });

  it("an embedding + LSTM + softmax cross-entropy model: same loss and gradients as cpu (1e-4), and it trains", async () => {
    const V = 11,
      E = 6,
      H = 8,
      B = 4,
      T = 5;
    const rng = new Random(3);
    const init = {
      embedding: randomValues(rng, V * E, 0.5),
      kernel: randomValues(rng, (E + H) * 4 * H, 0.3),
      bias: randomValues(rng, 4 * H, 0.1),
      out: randomValues(rng, H * V, 0.3),
    };
    const tokens = Array.from({ length: B * T }, () => rng.int(V));
    const targets = Array.from({ length: B * T }, () => rng.int(V));

    const run = () => {
      const vars = {
        embedding: tf.variable(tf.tensor2d(init.embedding, [V, E])),
        kernel: tf.variable(tf.tensor2d(init.kernel, [E + H, 4 * H])),
        bias: tf.variable(tf.tensor1d(init.bias)),
        out: tf.variable(tf.tensor2d(init.out, [H, V])),
      };
      const lossFn = () =>
        tf.tidy(() => {
          const x = tf.tensor2d(tokens, [B, T], "int32");
          const y = tf.oneHot(tf.tensor2d(targets, [B, T], "int32"), V).toFloat();
          let c = tf.zeros([B, H]) as tf.Tensor2D,
            h = tf.zeros([B, H]) as tf.Tensor2D;
          const logits: tf.Tensor2D[] = [];
          for (let t = 0; t < T; t++) {
            const xt = tf.gather(vars.embedding, x.slice([0, t], [B, 1]).reshape([B])) as tf.Tensor2D;
            [c, h] = tf.basicLSTMCell(1.0, vars.kernel as tf.Tensor2D, vars.bias as tf.Tensor1D, xt, c, h);
            logits.push(tf.matMul(h, vars.out));
          }
          const all = tf.stack(logits, 1).reshape([B * T, V]);
          return tf.losses.softmaxCrossEntropy(y.reshape([B * T, V]), all) as tf.Scalar;
        });
      const { value, grads } = tf.variableGrads(lossFn, Object.values(vars));
      const result = {
        loss: value.dataSync()[0],
        grads: Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, Array.from(grads[v.name].dataSync())])),
        lossAfter: 0,
      };
      tf.dispose([value, ...Object.values(grads)]);
      const opt = tf.train.adam(0.05);
      for (let i = 0; i < 20; i++) tf.dispose(opt.minimize(lossFn, true, Object.values(vars)) ?? []);
      result.lossAfter = tf.tidy(() => lossFn().dataSync()[0]);
      opt.dispose();
      tf.dispose(Object.values(vars));
      return result;
    };
    const r = await onBoth(run);
    assert.ok(Math.abs(r.wasm.loss - r.cpu.loss) < 1e-4, `loss wasm ${r.wasm.loss} vs cpu ${r.cpu.loss}`);
    for (const k of Object.keys(r.cpu.grads)) {
      assertClose(r.wasm.grads[k], r.cpu.grads[k], 1e-4, `gradient of ${k}`);
      assert.ok(
        r.wasm.grads[k].some((g) => g !== 0),
        `${k} gradient is non-zero`,
      );
    }
    assert.ok(r.wasm.lossAfter < r.wasm.loss * 0.5, `wasm training: loss ${r.wasm.loss} -> ${r.wasm.lossAfter}`);
    assert.ok(
      Math.abs(r.wasm.lossAfter - r.cpu.lossAfter) < 1e-3,
      `after 20 Adam steps: wasm ${r.wasm.lossAfter} vs cpu ${r.cpu.lossAfter}`,
    );
  });

  it("reuses a transposed right-hand operand only while its source lives", async () => {
    await useBackend("wasm");
    const rng = new Random(4);
    const a = randomTensor(rng, [5, 7]);
    const expected = (w: tf.Tensor) => {
      // The same product without any transposed kernel argument.
      return tf.tidy(() => tf.matMul(a, tf.transpose(w)).dataSync().slice());
    };
    for (let round = 0; round < 3; round++) {
      const w = randomTensor(rng, [9, 7]);
      const want = expected(w);
      for (let i = 0; i < 4; i++)
        tf.tidy(() => assertClose(tf.matMul(a, w, false, true).dataSync(), want, 1e-5, `round ${round} call ${i}`));
      // The same data seen under another shape must not reuse the [9,7] transpose.
      const w3 = w.reshape([1, 9, 7]);
      tf.tidy(() =>
        assertClose(tf.matMul(a.reshape([1, 5, 7]), w3, false, true).dataSync(), want, 1e-5, `round ${round} rank 3`),
      );
      const flipped = w.reshape([7, 9]);
      tf.tidy(() =>
        assertClose(
          tf.matMul(tf.ones([2, 9]), flipped, false, true).dataSync(),
          tf.matMul(tf.ones([2, 9]), tf.transpose(flipped)).dataSync(),
          1e-5,
          "reshaped",
        ),
      );
      tf.dispose([w, w3, flipped]); // a new w next round: never the old transpose
    }
    // More distinct operands than the cache holds: still right.
    const ws = Array.from({ length: 10 }, () => randomTensor(rng, [3, 7]));
    for (let k = 0; k < 2; k++)
      for (const w of ws)
        tf.tidy(() => assertClose(tf.matMul(a, w, false, true).dataSync(), expected(w), 1e-5, "many"));
    tf.dispose([...ws, a]);
    clearTransposeCache();
  });

  it("leaves no tensors behind in the patched kernels", async () => {
    await useBackend("wasm");
    const a = tf.randomNormal([3, 6, 4]),
      b = tf.randomNormal([3, 6, 5]);
    const before = tf.memory().numTensors;
    const bytes = (tf.memory() as { numBytes: number }).numBytes;
    for (let i = 0; i < 5; i++) tf.matMul(a, b, true, false).dispose();
    assert.equal(tf.memory().numTensors, before);
    assert.equal((tf.memory() as { numBytes: number }).numBytes, bytes);
    tf.dispose([a, b]);
  });
});

describe("backend choice", () => {
  it("reports the active backend and why faster ones were skipped", async () => {
    const { spawnSync } = await import("node:child_process");
    const script = `const wb=require("attention-workbook"); wb.ready().then(r=>{console.log(JSON.stringify(r)); console.error(wb.describeBackend(r));})`;
    const auto = spawnSync(process.execPath, ["-e", script], {
      encoding: "utf8",
      env: { ...process.env, TFJS_BACKEND: "" },
    });
    assert.equal(auto.status, 0, auto.stderr);
    const r = JSON.parse(auto.stdout.trim().split("\n").pop()!);
    assert.deepEqual(r.attempts.map((a: { choice: string }) => a.choice).slice(0, 2), ["tfjs-node-gpu", "tfjs-node"]);
    const active = r.attempts.find((a: { ok: boolean }) => a.ok);
    assert.equal(active.choice, r.choice);
    if (r.choice === "wasm") {
      assert.deepEqual(r.wasmKernels, {
        unsortedSegmentSum: true,
        batchMatMul: true,
        gatherRows: true,
        sharedIdentity: true,
      });
      assert.match(
        r.fusedKernels,
        /^fused kernels on wasm: native kernels from .*workbook_kernels\.node, \d+ thread\(s\)$/,
      );
      assert.match(auto.stderr, /fused kernels on wasm/);
    }
    assert.match(auto.stderr, new RegExp(`active backend: ${r.choice}`));
    for (const a of r.attempts.filter((x: { ok: boolean }) => !x.ok)) assert.ok(a.reason.length > 0);

    const forced = spawnSync(process.execPath, ["-e", script], {
      encoding: "utf8",
      env: { ...process.env, TFJS_BACKEND: "cpu" },
    });
    const f = JSON.parse(forced.stdout.trim().split("\n").pop()!);
    assert.equal(f.choice, "cpu");
    assert.equal(f.tfBackend, "cpu");
    assert.equal(f.forcedBy, "TFJS_BACKEND");

    const bad = spawnSync(
      process.execPath,
      [
        "-e",
        script.replace("console.error(wb.describeBackend(r));", "") +
          ".catch(e=>{console.error(e.message);process.exit(3)})",
      ],
      { encoding: "utf8", env: { ...process.env, TFJS_BACKEND: "tpu" } },
    );
    assert.equal(bad.status, 3);
    assert.match(bad.stderr, /TFJS_BACKEND=tpu: unknown backend; use one of tfjs-node-gpu, tfjs-node, wasm, cpu/);
  });
});
