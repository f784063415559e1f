/**
 * `npm run bench`: the analytic flop count, the machine's peak from /proc/cpuinfo, flag checks, the kernel
 * count of `kernels`, and the train benchmark end to end on a tiny slice against PyTorch 2.x (the bench finds
 * it, or creates .venv-bench with pip through scripts/bench-setup.js).
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { trainingFlops, epochFlops, BatchShape, FlopModel } from "attention-workbook/dist/cli/bench/flops";
import { machinePeak } from "attention-workbook/dist/cli/bench/machine";

const root = path.resolve(__dirname, "..");
const bench = path.join(root, "dist/cli/bench.js");
const corpus = path.join(root, "data/default-corpus.tsv");

function runBench(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [bench, ...args], { encoding: "utf8", env: { ...process.env, ...env } });
}

function lastJson(stdout: string) {
  return JSON.parse(stdout.trim().split("\n").pop()!);
}

describe("trainingFlops", () => {
  // B=2, S=3, T=2, N=3 real target tokens, E=4, H=2, U=5, V=7 (Hk = H = 2). Forward products:
  //   encoder LSTM  2·B·S·4H·(E+H) = 2·2·3·8·6 = 576
  //   keys·Wa_k     2·B·S·H·U      = 2·2·3·2·5 = 120
  //   decoder LSTM  2·B·T·4H·(E+H) = 2·2·2·8·6 = 384
  //   query·Wa_q    2·B·T·H·U      = 2·2·2·2·5 = 80
  //   v             2·B·T·S·U      = 2·2·2·3·5 = 120
  //   context       2·B·T·S·H      = 2·2·2·3·2 = 48
  //   Wc            2·B·T·2H·H     = 2·2·2·4·2 = 64
  //   classifier    2·N·H·V        = 2·3·2·7   = 84
  // sum 1476; forward + backward (2 products per product) = 3·1476 = 4428.
  // Free-running: + the argmax classifier at T-1 steps on B rows, forward only: 2·2·1·2·7 = 56.
  const model: FlopModel = { embeddingSize: 4, hiddenSize: 2, attentionUnits: 5, targetVocabSize: 7 };
  const shape: BatchShape = { size: 2, sourceLength: 3, targetLength: 2, targetTokens: 3, teacherForcing: true };

  it("counts the products of a teacher-forced step exactly", () => {
    assert.equal(trainingFlops(shape, model), 4428);
  });

  it("adds the argmax classifier of a free-running step", () => {
    assert.equal(trainingFlops({ ...shape, teacherForcing: false }, model), 4484);
  });

  it("sums over an epoch's batches", () => {
    assert.equal(epochFlops([shape, { ...shape, teacherForcing: false }], model), 4428 + 4484);
  });

  it("grows with the real target tokens only through the classifier", () => {
    // One more real token: 3·2·H·V = 3·2·2·7 = 84 more.
    assert.equal(trainingFlops({ ...shape, targetTokens: 4 }, model) - trainingFlops(shape, model), 84);
  });
});

describe("machinePeak", () => {
  const cpuinfo = (flags: string, mhz?: string) =>
    [0, 1]
      .map((i) =>
        [
          `processor\t: ${i}`,
          "vendor_id\t: AuthenticAMD",
          "model name\t: AMD EPYC",
          ...(mhz ? [`cpu MHz\t\t: ${mhz}`] : []),
          `flags\t\t: ${flags}`,
          "",
        ].join("\n"),
      )
      .join("\n");

  it("reads AVX2 and the clock from /proc/cpuinfo", () => {
    const p = machinePeak(cpuinfo("fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi2", "2445.434"), 2);
    assert.equal(p.simdLanes, 8);
    assert.equal(p.simd, "avx2");
    assert.equal(p.fmaUnits, 2);
    assert.equal(p.cores, 2);
    assert.equal(p.ghz, 2.445);
    // 2 cores x 8 lanes x 2 FMA units x 2 flops x 2.445434 GHz = 156.5
    assert.equal(p.gflops, 156.5);
    assert.match(p.source, /cpuinfo/);
    assert.match(p.assumption, /FMA units per core \(assumed\)/);
  });

  it("takes 16 lanes for AVX-512 and 4 for SSE only", () => {
    assert.equal(machinePeak(cpuinfo("sse sse2 avx avx2 avx512f avx512bw", "3000"), 4).simdLanes, 16);
    const sse = machinePeak(cpuinfo("fpu sse sse2", "1000"), 1);
    assert.equal(sse.simdLanes, 4);
    assert.equal(sse.gflops, 1 * 4 * 2 * 2 * 1);
  });

  it("falls back to lscpu's clock when cpuinfo has none", () => {
    const p = machinePeak(cpuinfo("sse avx"), 2, {
      lscpu: "Architecture: x86_64\nCPU max MHz:                3500.0000\nCPU min MHz: 1500.0000\n",
    });
    assert.equal(p.ghz, 3.5);
    assert.equal(p.gflops, 2 * 8 * 2 * 2 * 3.5);
    assert.match(p.source, /lscpu/);
  });
});

describe("npm run bench: flags", () => {
  for (const [args, message] of [
    [["--pairs", "0"], /--pairs 0 is out of range: expected an integer in \[1, /],
    [["--pairs", "-5"], /--pairs -5 is out of range/],
    [["--pairs", "1.5"], /flag --pairs: expected an integer, got "1.5"/],
    [["--epochs", "0"], /--epochs 0 is out of range/],
    [["--threads", "0"], /--threads 0 is out of range/],
    [["--workers", "0"], /--workers 0 is out of range/],
    [["kernels", "--steps", "0"], /--steps 0 is out of range/],
    [["anchor", "--minutes", "0"], /--minutes 0 is out of range/],
    [["--nonsense"], /unknown flag --nonsense/],
    [["frobnicate"], /unknown benchmark "frobnicate"/],
  ] as Array<[string[], RegExp]>) {
    it(`rejects ${args.join(" ")} with one line and exit status 2, before any work`, () => {
      // A --data that exists, so only the flag is wrong.
      const r = runBench([...args, "--data", corpus]);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stdout, "");
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^error: /);
      assert.match(lines[0], message);
    });
  }

  it("rejects a missing data file", () => {
    const r = runBench(["--data", "/nonexistent.tsv"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot read --data \/nonexistent\.tsv/);
  });
});

describe("npm run bench -- kernels", () => {
  it("prints the kernel calls of a teacher-forced and a free-running step", () => {
    const r = runBench(["kernels", "--steps", "1"]);
    assert.equal(r.status, 0, r.stderr);
    const out = lastJson(r.stdout);
    const calls = out.kernelCallsPerStep;
    for (const k of ["teacherForced", "freeRunning"]) {
      assert.ok(Number.isInteger(calls[k]) && calls[k] > 0, `kernelCallsPerStep.${k} = ${calls[k]}`);
      const top = out.topKernels[k] as Array<{ name: string; calls: number }>;
      assert.ok(top.length > 0 && top.length <= 10);
      for (const t of top) assert.ok(typeof t.name === "string" && Number.isInteger(t.calls) && t.calls > 0);
      // Sorted by count, and no kernel called more often than the step's total.
      assert.deepEqual(
        top.map((t) => t.calls),
        top
          .map((t) => t.calls)
          .slice()
          .sort((a, b) => b - a),
      );
      assert.ok(top[0].calls <= calls[k]);
      assert.ok(out.secondsPerStep[k] > 0 && out.gflopsPerSecond[k] > 0);
    }
    assert.equal(out.tensorsLeft, 0);
    assert.match(r.stderr, /kernel calls/);
  });
});

describe("npm run bench (train)", () => {
  it("trains tfjs and PyTorch 2.x on the same batches and prints tokens/s, GFLOP/s, peak and peak RSS", () => {
    // PyTorch 2.x: $TORCH_PYTHON, .venv-bench, or .venv-bench created here by scripts/bench-setup.js (pip).
    const r = runBench(["--data", corpus, "--pairs", "200"]);
    assert.equal(r.status, 0, r.stderr);
    const out = lastJson(r.stdout);
    assert.equal(out.batches, 4);
    assert.ok(out.flopsPerEpoch > 0 && Number.isInteger(out.flopsPerEpoch));
    const peak = out.machinePeak;
    assert.ok(
      peak.gflops > 0 &&
        peak.cores >= 1 &&
        [1, 4, 8, 16].includes(peak.simdLanes) &&
        peak.fmaUnits === 2 &&
        peak.ghz > 0,
      JSON.stringify(peak),
    );
    assert.ok(out.tfjs.targetTokensPerSecond > 0 && Number.isFinite(out.tfjs.finalLoss));
    assert.ok(out.tfjs.gflopsPerSecond > 0 && out.tfjs.fractionOfPeak > 0 && out.tfjs.peakRssMB > 0);
    assert.equal(typeof out.pytorch, "object", `PyTorch 2.x reference: ${JSON.stringify(out.pytorch)}`);
    assert.ok(Number.parseInt(out.pytorch.version, 10) >= 2, `PyTorch ${out.pytorch.version}`);
    assert.ok(out.pytorch.targetTokensPerSecond > 0 && Number.isFinite(out.pytorch.finalLoss));
    assert.ok(out.pytorch.gflopsPerSecond > 0 && out.pytorch.fractionOfPeak > 0 && out.pytorch.threads >= 1);
    // ru_maxrss in KiB: a process that imported torch holds more than 50 MB and (far) less than 50 GB.
    assert.ok(
      out.pytorch.peakRssMB > 50 && out.pytorch.peakRssMB < 50_000,
      `PyTorch peak RSS ${out.pytorch.peakRssMB} MB`,
    );
    // Both GFLOP/s come from the same flop count.
    assert.ok(Math.abs(out.tfjs.gflopsPerSecond / out.pytorch.gflopsPerSecond - out.ratio) < 0.05 * out.ratio + 0.01);
    // Same model, same batches: the first-epoch losses start from ln(V) and stay close.
    assert.ok(out.lossDifference < 0.1, `losses ${out.tfjs.finalLoss} vs ${out.pytorch.finalLoss}`);
    assert.match(r.stderr, /bench summary: \d+ cores/);
    assert.match(r.stderr, /ratio tfjs\/PyTorch 2\./);
  });

  it("says in one line why there is no PyTorch 2.x and still prints the tfjs figures", () => {
    const r = runBench(["--data", corpus, "--pairs", "64"], { TORCH_PYTHON: "/nonexistent/python3" });
    assert.equal(r.status, 0, r.stderr);
    const out = lastJson(r.stdout);
    assert.equal(out.pytorch, "unavailable: TORCH_PYTHON=/nonexistent/python3 cannot import torch");
    assert.ok(out.tfjs.targetTokensPerSecond > 0 && out.tfjs.gflopsPerSecond > 0);
    assert.equal(out.ratio, undefined);
    assert.match(r.stderr, /PyTorch: unavailable: TORCH_PYTHON=\/nonexistent\/python3 cannot import torch/);
  });
});
