#!/usr/bin/env node
/**
 * Benchmarks, each printing a final JSON line (and a short summary on stderr).
 *
 * `npm run bench -- --data FILE [--pairs 10000] [--epochs 1]` (the default, `train`): trains the FloydHub
 * tutorial's configuration, batched (Luong decoder with the concat score, hidden and embedding 256, one
 * LSTM layer, batch 64, teacher forcing 0.5 per batch, Adam 1e-3), on the first --pairs pairs of FILE, and
 * the same model in PyTorch 2.x (bench/torch_reference.py) on the very same batches; prints both
 * throughputs, their ratio, the GFLOP/s of each (one analytic flop count, `trainingFlops`), the fraction
 * of the machine's peak (`machinePeak`) and the peak RSS of each.
 *
 * The PyTorch is the one a user would install with pip: $TORCH_PYTHON when set, else the project-local
 * environment .venv-bench, else a `python3` on PATH with torch 2.x; when there is none, `node
 * scripts/bench-setup.js` creates .venv-bench with pip (`--no-setup` skips that). Debian's python3-torch
 * (1.13, about 5x slower) is never the reference; `--debian-torch` adds it as a second, labelled row.
 *
 * `npm run bench -- anchor --data FILE [--minutes 20]`: the quality anchor of the README's table: that same
 * model in PyTorch (bench/torch_anchor.py), trained for --minutes on every pair of FILE outside the default
 * test split (seed 1), then greedy decoding of the test split's English sentences, scored here with every
 * German translation of a test sentence as a reference (the scores of `npm run evaluate`).
 *
 * `npm run bench -- kernels [--steps N]`: training steps of that model (batch 64, 10+9 tokens, a 3572-word
 * target vocabulary) on wasm with the kernels the backend registers: seconds and GFLOP/s of a teacher-forced
 * and of a free-running step (N of each after a warm-up), and each one's kernel calls (`tf.profile`) with
 * the ten most frequent kernels, to see what to fuse.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import { initBackend, ready } from "../backend/select";
import { Seq2Seq, DEFAULT_MODEL } from "../models/seq2seq";
import { createModel } from "../models/create";
import { Trainer } from "../train/trainer";
import { Vocabulary, SPECIAL_TOKENS } from "../data/vocab";
import { padBatch, makeBatches, Batch, Example } from "../data/batches";
import { prepareData } from "../data/dataset";
import { detokenize } from "../data/tokenize";
import { groupReferences } from "../metrics/evaluate";
import { corpusBleu } from "../metrics/bleu";
import { corpusChrf } from "../metrics/chrf";
import { Random } from "../util/random";
import { checkFlags, int, num, FlagRule } from "../util/validate";
import { parseArgs, fail, UsageError, FlagType } from "./args";

const ROOT = path.resolve(__dirname, "../..");
const round = (x: number, digits: number) => Number(x.toFixed(digits));

// ---------------------------------------------------------------------------------------------------------
// Floating-point operations of a training step, counted analytically from the batch's shapes.
// ---------------------------------------------------------------------------------------------------------

/** The shapes of one training batch that the flop count needs. */
export interface BatchShape {
  /** B: sentence pairs. */
  size: number;
  /** S: padded source length. */
  sourceLength: number;
  /** T: padded target length (decoder steps, _SOS first). */
  targetLength: number;
  /** N: real target tokens (the target words and _EOS of each pair). */
  targetTokens: number;
  /** Teacher forcing for the whole batch; otherwise the model's own argmax is fed back at every step. */
  teacherForcing: boolean;
}

/** The sizes of the model (Luong concat decoder, one-layer unidirectional LSTM encoder). */
export interface FlopModel {
  /** E */
  embeddingSize: number;
  /** H (also the key size: the encoder is unidirectional) */
  hiddenSize: number;
  /** U */
  attentionUnits: number;
  /** V: the target vocabulary. */
  targetVocabSize: number;
}

/**
 * Floating-point operations of one training step (forward, backward) on a batch of the benchmark's model:
 * 2 flops per multiply-add of every matrix product, and the backward pass of a product is two products of
 * the same size (the gradients with respect to both operands), so each product on the way to the loss
 * counts 3 times. Products of the forward pass (Hk = H, the key size):
 *
 *   encoder LSTM, B·S rows (padded steps included: both frameworks' cost grows with S):
 *     input  [B·S, E] x [E, 4H]                  2·B·S·E·4H
 *     recurrent  S x [B, H] x [H, 4H]            2·B·S·H·4H
 *   key projection [B·S, Hk] x [Hk, U] (once)     2·B·S·Hk·U
 *   decoder LSTM, B·T rows: input 2·B·T·E·4H, recurrent 2·B·T·H·4H
 *   query projection [B·T, H] x [H, U]           2·B·T·H·U
 *   concat score v·tanh(..): [B·T·S, U] x [U]     2·B·T·S·U
 *   context [B·T, S] x [B, S, Hk]                2·B·T·S·Hk
 *   combine h~ = tanh([c; h]·Wc)  [B·T, Hk+H] x [Hk+H, H]   2·B·T·(Hk+H)·H
 *   classifier on the N real target tokens only  2·N·H·V
 *     (Seq2Seq.loss gathers the real tokens' features before the classifier; bench/torch_reference.py
 *     does the same, so both frameworks run this product on N rows, not on B·T)
 *
 * A free-running batch (teacher forcing off) also runs the classifier on all B rows at every step but the
 * last, for the argmax that is fed back: 2·B·(T-1)·H·V, forward only (no gradient flows through an argmax).
 *
 * Not counted: embedding lookups, element-wise work (gates, tanh, softmax, masks, the cross-entropy), the
 * gradient clipping and Adam (O(parameters) per step, about 1% of the products here). With --workers the
 * batch's shards are padded to their own longest sentence, a little less than the count.
 */
export function trainingFlops(b: BatchShape, m: FlopModel): number {
  const { size: B, sourceLength: S, targetLength: T, targetTokens: N } = b;
  const { embeddingSize: E, hiddenSize: H, attentionUnits: U, targetVocabSize: V } = m;
  const Hk = H;
  const forward =
    2 * B * S * E * 4 * H +
    2 * B * S * H * 4 * H + // encoder LSTM
    2 * B * S * Hk * U + // key projection
    2 * B * T * E * 4 * H +
    2 * B * T * H * 4 * H + // decoder LSTM
    2 * B * T * H * U + // query projection
    2 * B * T * S * U + // concat score's v
    2 * B * T * S * Hk + // context
    2 * B * T * (Hk + H) * H + // combine Wc
    2 * N * H * V; // classifier, real tokens
  const argmax = b.teacherForcing ? 0 : 2 * B * (T - 1) * H * V;
  return 3 * forward + argmax;
}

/** Flops of one pass over the batches (`trainingFlops` summed). */
export function epochFlops(batches: readonly BatchShape[], m: FlopModel): number {
  return batches.reduce((sum, b) => sum + trainingFlops(b, m), 0);
}

// ---------------------------------------------------------------------------------------------------------
// The machine's peak float32 throughput.
// ---------------------------------------------------------------------------------------------------------

export interface MachinePeak {
  /** cores x simdLanes x fmaUnits x 2 x ghz. */
  gflops: number;
  /** Logical CPUs (os.cpus().length). */
  cores: number;
  /** float32 lanes of the widest SIMD unit the CPU flags name (avx512f 16, avx2/avx 8, sse/NEON 4). */
  simdLanes: number;
  /** The flag the lanes came from. */
  simd: string;
  /** FMA units per core: assumed, not measured. */
  fmaUnits: number;
  ghz: number;
  /** Where the clock and flags came from. */
  source: string;
  assumption: string;
}

/** Peak from the text of /proc/cpuinfo (and lscpu's, for the clock when cpuinfo has none). */
export function machinePeak(
  cpuinfo: string,
  cores: number,
  options: { lscpu?: string; fallbackMHz?: number; fmaUnits?: number } = {},
): MachinePeak {
  const flagsLine = /^(?:flags|Features)\s*:\s*(.*)$/m.exec(cpuinfo);
  const flags = new Set((flagsLine?.[1] ?? "").trim().split(/\s+/));
  const widths: Array<[string, number]> = [
    ["avx512f", 16],
    ["avx2", 8],
    ["avx", 8],
    ["sse", 4],
    ["asimd", 4],
    ["neon", 4],
  ];
  const [simd, simdLanes] = widths.find(([flag]) => flags.has(flag)) ?? ["scalar", 1];
  const cpuMHz = [...cpuinfo.matchAll(/^cpu MHz\s*:\s*([\d.]+)/gm)].map((m) => Number(m[1])).filter((x) => x > 0);
  let mhz = 0;
  let clockFrom = "";
  if (cpuMHz.length) {
    mhz = Math.max(...cpuMHz);
    clockFrom = "/proc/cpuinfo cpu MHz";
  } else {
    const l = options.lscpu ?? "";
    const fromLscpu = Number(/^CPU max MHz:\s*([\d.]+)/m.exec(l)?.[1] ?? /^CPU MHz:\s*([\d.]+)/m.exec(l)?.[1] ?? NaN);
    if (fromLscpu > 0) {
      mhz = fromLscpu;
      clockFrom = "lscpu";
    } else if ((options.fallbackMHz ?? 0) > 0) {
      mhz = options.fallbackMHz!;
      clockFrom = "os.cpus() speed";
    }
  }
  const fmaUnits = options.fmaUnits ?? 2;
  const ghz = mhz / 1000;
  const gflops = cores * simdLanes * fmaUnits * 2 * ghz;
  return {
    gflops: Number(gflops.toFixed(1)),
    cores,
    simdLanes,
    simd,
    fmaUnits,
    ghz: Number(ghz.toFixed(3)),
    source: `${flagsLine ? `/proc/cpuinfo flags (${simd})` : "no CPU flags found"}, clock from ${clockFrom || "nowhere (peak unknown)"}`,
    assumption: `${fmaUnits} FMA units per core (assumed), 2 flops per FMA, every logical CPU counted as a core, the clock as reported (no turbo)`,
  };
}

/** This machine's peak, from /proc/cpuinfo (or lscpu, or os.cpus()). */
export function thisMachinePeak(): MachinePeak {
  let cpuinfo = "";
  try {
    cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    // not Linux
  }
  const needLscpu = !/^cpu MHz\s*:/m.test(cpuinfo);
  const lscpu = needLscpu ? (spawnSync("lscpu", [], { encoding: "utf8" }).stdout ?? "") : "";
  return machinePeak(cpuinfo, os.cpus().length, { lscpu, fallbackMHz: os.cpus()[0]?.speed });
}

/**
 * CPU seconds that every process of the machine has spent so far (Linux /proc/stat, USER_HZ 100), or
 * undefined. Its difference over a run, less the run's own CPU time, is what other processes took meanwhile.
 */
function machineCpuSeconds(): number | undefined {
  try {
    const [user, nice, system, , , irq, softirq, steal] = fs
      .readFileSync("/proc/stat", "utf8")
      .split("\n")[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return (user + nice + system + irq + softirq + (steal || 0)) / 100;
  } catch {
    return undefined;
  }
}

/** CPU seconds of this process so far (all its threads). */
const ownCpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

// ---------------------------------------------------------------------------------------------------------
// `kernels`
// ---------------------------------------------------------------------------------------------------------

function vocab(size: number, prefix: string): Vocabulary {
  return new Vocabulary([
    ...SPECIAL_TOKENS,
    ...Array.from({ length: size - SPECIAL_TOKENS.length }, (_, i) => `${prefix}${i}`),
  ]);
}

interface KernelCount {
  name: string;
  calls: number;
  ms: number;
}

/**
 * Kernel calls of one profiled training step: how many, and the most frequent names (with their time).
 * tf.profile records every kernel the engine runs, the gradients' included; a kernel that a custom kernel
 * calls directly (not through the engine) is not a call of its own.
 */
async function profileStep(
  trainer: Trainer,
  batch: Batch,
  rng: Random,
  teacherForcing: number,
): Promise<{ calls: number; top: KernelCount[] }> {
  const info = await tf.profile(() => trainer.trainStep(batch, rng, { teacherForcing }));
  const byName = new Map<string, KernelCount>();
  for (const k of info.kernels) {
    const entry = byName.get(k.name) ?? { name: k.name, calls: 0, ms: 0 };
    entry.calls++;
    entry.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    byName.set(k.name, entry);
  }
  const top = [...byName.values()]
    .sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name))
    .slice(0, 10)
    .map((k) => ({ ...k, ms: Number(k.ms.toFixed(1)) }));
  return { calls: info.kernels.length, top };
}

/** The FloydHub tutorial's configuration, batched: what every benchmark here trains (both frameworks). */
const TUTORIAL_CONFIG = {
  embeddingSize: 256,
  hiddenSize: 256,
  attentionUnits: 256,
  batchSize: 64,
  teacherForcing: 0.5,
  learningRate: 1e-3,
  clipNorm: 5,
  seed: 1,
} as const;

async function kernels(steps: number): Promise<void> {
  const report = await initBackend({ force: "wasm" });
  const rng = new Random(1);
  const src = vocab(2000, "e"),
    tgt = vocab(3572, "d");
  const examples: Example[] = Array.from({ length: 64 }, () => ({
    source: Array.from({ length: 10 }, () => 4 + rng.int(src.size - 4)),
    target: Array.from({ length: 9 }, () => 4 + rng.int(tgt.size - 4)),
  }));
  const batch = padBatch(examples);
  const { embeddingSize, hiddenSize, attentionUnits } = TUTORIAL_CONFIG;
  const sizes = { embeddingSize, hiddenSize, attentionUnits };
  const flopModel = { ...sizes, targetVocabSize: tgt.size };
  const model = new Seq2Seq({
    ...DEFAULT_MODEL,
    attention: "luong-concat",
    ...sizes,
    sourceVocabSize: src.size,
    targetVocabSize: tgt.size,
  });
  const trainer = new Trainer(
    { model, sourceVocab: src, targetVocab: tgt, tokenizeOptions: {} },
    { train: examples, validation: [] },
    { batchSize: 64 },
  );
  // Warm-up of both paths: Adam's slots, wasm's first calls, caches.
  trainer.trainStep(batch, rng, { teacherForcing: 1 });
  trainer.trainStep(batch, rng, { teacherForcing: 0 });
  const time = (teacherForcing: number) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < steps; i++) trainer.trainStep(batch, rng, { teacherForcing });
    return Number(process.hrtime.bigint() - t0) / 1e9 / steps;
  };
  const seconds = { teacherForced: time(1), freeRunning: time(0) };
  const flops = {
    teacherForced: trainingFlops({ ...batch, teacherForcing: true }, flopModel),
    freeRunning: trainingFlops({ ...batch, teacherForcing: false }, flopModel),
  };
  const profiles = {
    teacherForced: await profileStep(trainer, batch, rng, 1),
    freeRunning: await profileStep(trainer, batch, rng, 0),
  };
  trainer.dispose();
  model.dispose();
  const out = {
    bench: "kernels",
    backend: report.tfBackend,
    kernels: report.attempts.find((x) => x.ok)?.reason,
    config: `luong-concat, hidden 256, embedding 256, attention units 256, batch 64, ${batch.sourceLength}+${batch.targetLength - 1} tokens (T = ${batch.targetLength} decoder steps), target vocabulary ${tgt.size}`,
    secondsPerStep: { teacherForced: round(seconds.teacherForced, 4), freeRunning: round(seconds.freeRunning, 4) },
    flopsPerStep: flops,
    gflopsPerSecond: {
      teacherForced: round(flops.teacherForced / seconds.teacherForced / 1e9, 2),
      freeRunning: round(flops.freeRunning / seconds.freeRunning / 1e9, 2),
    },
    kernelCallsPerStep: { teacherForced: profiles.teacherForced.calls, freeRunning: profiles.freeRunning.calls },
    topKernels: { teacherForced: profiles.teacherForced.top, freeRunning: profiles.freeRunning.top },
    steps,
    tensorsLeft: tf.memory().numTensors,
  };
  const top = (list: KernelCount[]) => list.map((k) => `${k.name} ${k.calls}`).join(", ");
  process.stderr.write(
    `kernels (${out.kernels}):\n` +
      `  teacher-forced step: ${out.secondsPerStep.teacherForced} s, ${out.gflopsPerSecond.teacherForced} GFLOP/s, ${out.kernelCallsPerStep.teacherForced} kernel calls (${top(out.topKernels.teacherForced)})\n` +
      `  free-running step:   ${out.secondsPerStep.freeRunning} s, ${out.gflopsPerSecond.freeRunning} GFLOP/s, ${out.kernelCallsPerStep.freeRunning} kernel calls (${top(out.topKernels.freeRunning)})\n`,
  );
  console.log(JSON.stringify(out));
}

// ---------------------------------------------------------------------------------------------------------
// Which PyTorch
// ---------------------------------------------------------------------------------------------------------

/** The project-local environment of scripts/bench-setup.js (BENCH_VENV moves it, as there). */
const BENCH_VENV = process.env.BENCH_VENV ? path.resolve(process.env.BENCH_VENV) : path.join(ROOT, ".venv-bench");
const BENCH_PYTHON =
  process.platform === "win32"
    ? path.join(BENCH_VENV, "Scripts", "python.exe")
    : path.join(BENCH_VENV, "bin", "python");
const DEBIAN_PYTHON = "/usr/bin/python3";
/** A path as the user reads it: relative inside the checkout, absolute elsewhere. */
const shown = (p: string) => (p.startsWith(ROOT + path.sep) ? path.relative(ROOT, p) : p);

export interface TorchPython {
  python: string;
  version: string;
  /** How it was found, e.g. "TORCH_PYTHON" or ".venv-bench". */
  source: string;
}

/** torch.__version__ of a Python (stdout only: importing torch may warn on stderr), or undefined. */
function torchVersionOf(python: string): string | undefined {
  const r = spawnSync(python, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
  return !r.error && r.status === 0 ? r.stdout.trim().split("\n").pop()!.trim() : undefined;
}

const major = (version: string) => Number.parseInt(version, 10);

/**
 * PyTorch 2.x: $TORCH_PYTHON (taken as the user's choice: no other is tried), else .venv-bench, else a
 * `python3` on PATH (a conda environment, say) with torch 2.x, else .venv-bench created by
 * scripts/bench-setup.js when `setup` allows. Without one, `reason` says why in one line.
 */
function findTorch2(setup: boolean): { found?: TorchPython; reason?: string } {
  const env = process.env.TORCH_PYTHON;
  if (env) {
    const v = torchVersionOf(env);
    if (!v) return { reason: `TORCH_PYTHON=${env} cannot import torch` };
    if (!(major(v) >= 2))
      return {
        reason: `TORCH_PYTHON=${env} has torch ${v}; the reference is PyTorch 2.x (unset TORCH_PYTHON to use .venv-bench, see scripts/bench-setup.js)`,
      };
    return { found: { python: env, version: v, source: "TORCH_PYTHON" } };
  }
  const candidates: Array<[string, string]> = [
    [BENCH_PYTHON, shown(BENCH_VENV)],
    ["python3", "python3 on PATH"],
  ];
  for (const [py, source] of candidates) {
    if (py === BENCH_PYTHON && !fs.existsSync(py)) continue;
    const v = torchVersionOf(py);
    if (v && major(v) >= 2) return { found: { python: py, version: v, source } };
  }
  if (!setup)
    return {
      reason:
        "no PyTorch 2.x found (TORCH_PYTHON, .venv-bench, python3) and --no-setup given: run node scripts/bench-setup.js",
    };
  const script = path.join(ROOT, "scripts", "bench-setup.js");
  if (!fs.existsSync(script)) return { reason: `no PyTorch 2.x found, and no ${script} to install one` };
  process.stderr.write(
    `bench: no PyTorch 2.x found: creating ${shown(BENCH_VENV)} with python3 -m venv and installing torch with pip (node scripts/bench-setup.js)\n`,
  );
  // Its pip output goes to stderr (stdout's last line is the benchmark's JSON); its last stderr line is the reason it failed.
  const r = spawnSync(process.execPath, [script], {
    cwd: ROOT,
    stdio: ["ignore", 2, "pipe"],
    encoding: "utf8",
    env: { ...process.env, PIP_RETRIES: process.env.PIP_RETRIES ?? "0" },
  });
  if (r.stderr) process.stderr.write(r.stderr);
  const v = fs.existsSync(BENCH_PYTHON) ? torchVersionOf(BENCH_PYTHON) : undefined;
  if (r.status === 0 && v && major(v) >= 2)
    return { found: { python: BENCH_PYTHON, version: v, source: `${shown(BENCH_VENV)} (just created)` } };
  const why =
    (r.stderr ?? "")
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("bench-setup: "))
      .pop()
      ?.slice("bench-setup: ".length) ??
    r.error?.message ??
    `exit status ${r.status}`;
  return { reason: `no PyTorch 2.x: node scripts/bench-setup.js could not install one (${why})` };
}

// ---------------------------------------------------------------------------------------------------------
// `train`
// ---------------------------------------------------------------------------------------------------------

interface TrainBenchOptions {
  data: string;
  pairs: number;
  epochs: number;
  torch: boolean;
  setup: boolean;
  debianTorch: boolean;
  threads?: number;
  bucket: boolean;
  workers: number;
}

interface TorchResult {
  framework: string;
  version: string;
  python: string;
  threads: number;
  targetTokensPerSecond: number;
  secondsPerEpoch: number;
  finalLoss: number;
  peakRssMB: number;
  [key: string]: unknown;
}

/** Runs bench/torch_reference.py with `python` on the batches written to `file`. */
function runTorchReference(python: string, file: string, epochs: number, threads: number): TorchResult {
  const script = path.join(ROOT, "bench", "torch_reference.py");
  const r = spawnSync(python, [script, "--batches", file, "--epochs", String(epochs), "--threads", String(threads)], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0)
    throw new Error(
      `the PyTorch reference (${python}) failed: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}`,
    );
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
  delete out.epochs;
  return out;
}

async function train(o: TrainBenchOptions): Promise<void> {
  // Which PyTorch first: a missing one is set up (or its reason known) before the long tfjs run.
  const torch = o.torch ? findTorch2(o.setup) : { reason: "skipped (--no-torch)" };
  const backend = await ready();
  const config = TUTORIAL_CONFIG;
  const data = prepareData({ file: o.data, pairs: o.pairs, validation: 0, test: 0 });
  const batches = makeBatches(data.train, { batchSize: config.batchSize, seed: config.seed, bucket: o.bucket });
  // Teacher forcing decided once per batch, the same decisions for both frameworks.
  const flags = new Random(config.seed + 7).shuffle(batches.map((_, i) => i)).map((i) => i % 2 === 0);
  const flopModel: FlopModel = {
    embeddingSize: config.embeddingSize,
    hiddenSize: config.hiddenSize,
    attentionUnits: config.attentionUnits,
    targetVocabSize: data.targetVocab.size,
  };
  const flops = epochFlops(
    batches.map((b, i) => ({ ...b, teacherForcing: flags[i] })),
    flopModel,
  );
  const tm = createModel(data, {
    attention: "luong-concat",
    embeddingSize: config.embeddingSize,
    hiddenSize: config.hiddenSize,
    attentionUnits: config.attentionUnits,
    seed: config.seed,
  });
  const model = tm.model;
  const trainer = new Trainer(
    tm,
    { train: data.train, validation: [] },
    {
      batchSize: config.batchSize,
      learningRate: config.learningRate,
      clipNorm: config.clipNorm,
      seed: config.seed,
      workers: o.workers,
    },
  );
  // A folder for the PyTorch reference's input, removed however the run ends.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-bench-"));
  try {
    await trainAndCompare();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  async function trainAndCompare(): Promise<void> {
    // The batches and initial weights, for the PyTorch reference to start from the same point: written now
    // (the weights as raw float32), so that no copy of them stays in this process while tfjs trains.
    const file = path.join(dir, "batches.json");
    if (torch.found || o.debianTorch) {
      const initialWeights: Record<string, { shape: number[]; offset: number }> = {};
      const fd = fs.openSync(path.join(dir, "weights.bin"), "w");
      let offset = 0;
      for (const [name, v] of Object.entries(model.namedVariables())) {
        const values = Float32Array.from(v.dataSync() as Float32Array);
        fs.writeSync(fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
        initialWeights[name] = { shape: v.shape, offset };
        offset += values.length;
      }
      fs.closeSync(fd);
      fs.writeFileSync(
        file,
        JSON.stringify({
          config: { ...config, sourceVocabSize: data.sourceVocab.size, targetVocabSize: data.targetVocab.size },
          weightsFile: "weights.bin",
          initialWeights,
          batches: batches.map((b, i) => ({
            size: b.size,
            sourceLength: b.sourceLength,
            targetLength: b.targetLength,
            targetTokens: b.targetTokens,
            teacherForcing: flags[i],
            source: Array.from(b.source),
            sourceMask: Array.from(b.sourceMask),
            decoderInput: Array.from(b.decoderInput),
            decoderTarget: Array.from(b.decoderTarget),
            targetMask: Array.from(b.targetMask),
          })),
        }),
      );
    }
    const rng = new Random(config.seed);
    let peakRss = 0;
    const epochs: Array<{ epoch: number; seconds: number; loss: number; tokensPerSecond: number }> = [];
    let otherCpu: number | undefined;
    for (let e = 0; e < o.epochs; e++) {
      const started = Date.now();
      const machine0 = machineCpuSeconds(),
        own0 = ownCpuSeconds();
      let lossSum = 0,
        tokens = 0;
      for (let i = 0; i < batches.length; i++) {
        const b: Batch = batches[i];
        lossSum += (await trainer.trainBatch(b, rng, { teacherForcing: flags[i] ? 1 : 0 })) * b.targetTokens;
        tokens += b.targetTokens;
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }
      const seconds = (Date.now() - started) / 1000;
      const machine1 = machineCpuSeconds();
      otherCpu =
        machine0 !== undefined && machine1 !== undefined
          ? Math.max(0, machine1 - machine0 - (ownCpuSeconds() - own0))
          : undefined;
      epochs.push({ epoch: e + 1, seconds, loss: lossSum / tokens, tokensPerSecond: tokens / seconds });
      process.stderr.write(
        `tfjs epoch ${e + 1}: ${seconds.toFixed(1)} s, loss ${(lossSum / tokens).toFixed(4)}, ${Math.round(tokens / seconds)} target tokens/s\n`,
      );
    }
    // The sampled RSS and the kernel's high-water mark (maxRSS is in KiB), whichever is larger.
    peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
    const last = epochs[epochs.length - 1];
    const peak = thisMachinePeak();
    const perf = (seconds: number) => {
      const gflops = flops / seconds / 1e9;
      return {
        gflopsPerSecond: round(gflops, 2),
        fractionOfPeak: peak.gflops > 0 ? round(gflops / peak.gflops, 4) : null,
      };
    };
    const tfjs = {
      framework: `tfjs ${tf.version.tfjs} (${backend.choice}, --workers ${o.workers})`,
      kernels: backend.attempts.find((x) => x.ok)?.reason,
      workers: o.workers,
      targetTokensPerSecond: round(last.tokensPerSecond, 1),
      secondsPerEpoch: round(last.seconds, 2),
      finalLoss: round(last.loss, 4),
      peakRssMB: round(peakRss / 2 ** 20, 1),
      ...perf(last.seconds),
      otherCpuSecondsMeanwhile: otherCpu === undefined ? undefined : round(otherCpu, 1),
    };
    trainer.dispose();
    model.dispose();
    const result: Record<string, unknown> = {
      bench: "train",
      config:
        "Luong concat, embedding 256, hidden 256, attention units 256, 1 LSTM layer, batch 64, teacher forcing 0.5 per batch, Adam 1e-3, clip 5",
      data: o.data,
      pairs: data.counts.kept,
      batches: batches.length,
      targetTokensPerEpoch: batches.reduce((n, b) => n + b.targetTokens, 0),
      flopsPerEpoch: flops,
      flopCount:
        "matrix products only, 2 flops per multiply-add, backward = 2 products per forward product; classifier on real target tokens; free-running batches add the argmax classifier (trainingFlops in src/cli/bench.ts)",
      vocabulary: { english: data.sourceVocab.size, german: data.targetVocab.size },
      epochs: o.epochs,
      cores: os.cpus().length,
      machinePeak: peak,
      tfjs,
    };
    // PyTorch gets every core of the machine unless --threads says otherwise. A reference that fails is
    // reported in its place (and the exit status is 1); the tfjs figures are printed all the same.
    const threads = o.threads ?? os.cpus().length;
    const reference = (python: string): TorchResult | string => {
      try {
        return runTorchReference(python, file, o.epochs, threads);
      } catch (e) {
        process.exitCode = 1;
        return `failed: ${(e as Error).message}`;
      }
    };
    if (torch.found) {
      const t = reference(torch.found.python);
      if (typeof t === "string") result.pytorch = t;
      else {
        result.pytorch = { ...t, found: torch.found.source, ...perf(t.secondsPerEpoch) };
        result.ratio = round(tfjs.targetTokensPerSecond / t.targetTokensPerSecond, 3);
        result.lossDifference = round(Math.abs(tfjs.finalLoss - t.finalLoss) / t.finalLoss, 4);
      }
    } else {
      result.pytorch = `unavailable: ${torch.reason}`;
    }
    if (o.debianTorch) {
      const v = torchVersionOf(DEBIAN_PYTHON);
      const t = v
        ? reference(DEBIAN_PYTHON)
        : `unavailable: ${DEBIAN_PYTHON} cannot import torch (Debian: apt-get install python3-torch)`;
      if (typeof t === "string") result.pytorchDebian = t;
      else {
        result.pytorchDebian = {
          ...t,
          label: `Debian python3-torch ${v} (not the reference)`,
          ...perf(t.secondsPerEpoch),
        };
        result.ratioDebian = round(tfjs.targetTokensPerSecond / t.targetTokensPerSecond, 3);
      }
    }
    process.stderr.write(trainSummary(result));
    console.log(JSON.stringify(result));
  }
}

interface FrameworkFigures {
  targetTokensPerSecond: number;
  secondsPerEpoch: number;
  gflopsPerSecond: number;
  fractionOfPeak: number | null;
  peakRssMB: number;
  otherCpuSecondsMeanwhile?: number;
}

/** The human-readable lines of the train benchmark's result (stderr; the JSON line is the record). */
function trainSummary(r: Record<string, unknown>): string {
  const peak = r.machinePeak as MachinePeak;
  const pct = (x: number | null) => (x === null ? "?" : `${(x * 100).toFixed(1)}%`);
  const row = (label: string, x: FrameworkFigures) => {
    let line = `  ${label}: ${x.targetTokensPerSecond} target tokens/s, ${x.gflopsPerSecond} GFLOP/s (${pct(x.fractionOfPeak)} of peak), peak RSS ${x.peakRssMB} MB\n`;
    // Other programs busy for more than a tenth of the machine while this one ran: say so.
    if ((x.otherCpuSecondsMeanwhile ?? 0) > 0.1 * x.secondsPerEpoch * peak.cores) {
      line += `    warning: other processes used ${x.otherCpuSecondsMeanwhile} CPU seconds during this ${x.secondsPerEpoch} s epoch: the figure is too low\n`;
    }
    return line;
  };
  const tfjs = r.tfjs as FrameworkFigures & { framework: string; kernels?: string };
  let s = `bench summary: ${peak.cores} cores, machine peak ${peak.gflops} GFLOP/s (${peak.cores} cores x ${peak.simdLanes} float32 lanes (${peak.simd}) x ${peak.fmaUnits} FMA units, assumed, x 2 flops x ${peak.ghz} GHz)\n`;
  s += row(`${tfjs.framework}`, tfjs);
  const py = r.pytorch as (FrameworkFigures & TorchResult & { found: string }) | string;
  if (typeof py === "string") s += `  PyTorch: ${py}\n`;
  else
    s +=
      row(`PyTorch ${py.version} (${py.threads} threads; ${py.found})`, py) +
      `  ratio tfjs/PyTorch ${py.version}: ${r.ratio} (final losses differ by ${pct(r.lossDifference as number)})\n`;
  const deb = r.pytorchDebian as (FrameworkFigures & TorchResult & { label: string }) | string | undefined;
  if (typeof deb === "string") s += `  Debian PyTorch: ${deb}\n`;
  else if (deb)
    s += row(`${deb.label}, ${deb.threads} threads`, deb) + `  ratio tfjs/Debian PyTorch: ${r.ratioDebian}\n`;
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// `anchor`
// ---------------------------------------------------------------------------------------------------------

async function anchor(file: string, minutes: number, setup: boolean): Promise<void> {
  const torch = findTorch2(setup);
  if (!torch.found) throw new Error(`the anchor needs PyTorch 2.x: ${torch.reason}`);
  const py = torch.found.python;
  const config = TUTORIAL_CONFIG;
  // Every pair outside the test split trains (the anchor keeps no validation set).
  const data = prepareData({ file, validation: 0, seed: 1 });
  const groups = groupReferences(data.splits.test);
  const sourceTokens = new Map(data.splits.test.map((p) => [p.english, p.sourceTokens]));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-anchor-"));
  const input = path.join(dir, "data.json"),
    output = path.join(dir, "out.json");
  fs.writeFileSync(
    input,
    JSON.stringify({
      config: { ...config, sourceVocabSize: data.sourceVocab.size, targetVocabSize: data.targetVocab.size },
      train: data.train.map((e) => [e.source, e.target]),
      test: groups.map((g) => data.sourceVocab.encode(sourceTokens.get(g.english)!)),
    }),
  );
  const threads = os.cpus().length;
  const script = path.resolve(__dirname, "../../bench/torch_anchor.py");
  const r = spawnSync(
    py,
    [script, "--data", input, "--out", output, "--minutes", String(minutes), "--threads", String(threads)],
    { encoding: "utf8", stdio: ["ignore", "inherit", "pipe"], maxBuffer: 1 << 26 },
  );
  if (r.status !== 0) throw new Error(`the PyTorch anchor failed: ${(r.stderr ?? "").trim().split("\n").pop()}`);
  const result = JSON.parse(fs.readFileSync(output, "utf8"));
  fs.rmSync(dir, { recursive: true, force: true });
  const hypotheses: string[] = result.hypotheses.map((ids: number[]) => {
    const tokens = data.targetVocab.decode(ids);
    return detokenize(data.truecaser ? data.truecaser.apply(tokens) : tokens);
  });
  const references = groups.map((g) => g.references);
  const r2 = (x: number) => Number(x.toFixed(2));
  console.log(
    JSON.stringify({
      bench: "anchor",
      framework: result.framework,
      threads: result.threads,
      config:
        "Luong concat, embedding 256, hidden 256, 1 LSTM layer, batch 64, teacher forcing 0.5 per batch, Adam 1e-3, clip 5, greedy decoding, lower-cased words",
      data: file,
      trainPairs: data.counts.train,
      testPairs: data.counts.test,
      testSentences: groups.length,
      vocabulary: { english: data.sourceVocab.size, german: data.targetVocab.size },
      minutes,
      epochs: result.epochs.length,
      lossPerEpoch: result.epochs.map((e: { loss: number }) => Number(e.loss.toFixed(4))),
      testBleuLowercase: r2(corpusBleu(hypotheses, references, { lowercase: true }).score),
      testBleu: r2(corpusBleu(hypotheses, references).score),
      testChrf: r2(corpusChrf(hypotheses, references).score),
      testChrfLowercase: r2(corpusChrf(hypotheses, references, { lowercase: true }).score),
    }),
  );
}

const BENCH_FLAGS = {
  steps: "int",
  data: "string",
  minutes: "number",
  pairs: "int",
  epochs: "int",
  torch: "bool",
  setup: "bool",
  "debian-torch": "bool",
  threads: "int",
  bucket: "bool",
  workers: "int",
} as const satisfies Record<string, FlagType>;

/** Ranges of the numeric flags, checked before any work. */
export const BENCH_RULES: Record<string, FlagRule> = {
  pairs: int(1, 100_000_000),
  epochs: int(1, 10_000),
  threads: int(1, 4096),
  workers: int(1, 64),
  steps: int(1, 10_000),
  minutes: num(0, 100_000, { minOpen: true }),
};

const BENCHMARKS = ["train", "anchor", "kernels"];

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2), BENCH_FLAGS);
  checkFlags(a, BENCH_RULES);
  const what = a._[0] ?? "train";
  if (!BENCHMARKS.includes(what)) throw new UsageError(`unknown benchmark "${what}": use train, anchor or kernels`);
  if (a._.length > 1)
    throw new UsageError(`one benchmark at a time: got ${a._.map((x) => JSON.stringify(x)).join(" ")}`);
  if (what === "kernels") return kernels(a.steps ?? 3);
  if (!a.data) throw new UsageError("--data FILE is required (e.g. ../shared/data/tatoeba-eng-deu.tsv)");
  if (!fs.existsSync(a.data)) throw new Error(`cannot read --data ${a.data}: no such file`);
  if (what === "anchor") return anchor(a.data, a.minutes ?? 20, a.setup !== false);
  return train({
    data: a.data,
    pairs: a.pairs ?? 10000,
    epochs: a.epochs ?? 1,
    torch: a.torch !== false,
    setup: a.setup !== false,
    debianTorch: a["debian-torch"] === true,
    threads: a.threads,
    bucket: Boolean(a.bucket),
    workers: a.workers ?? 1,
  });
}

// Run as a command; imported (the tests), it only exports trainingFlops, machinePeak and the rules.
if (require.main === module) main().catch(fail);
