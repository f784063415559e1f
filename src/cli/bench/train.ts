/**
 * `npm run bench -- --data FILE [--pairs 10000] [--epochs 1]` (the default benchmark, `train`): trains the
 * benchmark's model (./config) on the first --pairs pairs of FILE, and the same model in PyTorch 2.x
 * (bench/torch_reference.py) on the very same batches from the very same initial weights; prints both
 * throughputs, their ratio, the GFLOP/s of each (one analytic flop count, ./flops), the fraction of the
 * machine's peak (./machine) and the peak RSS of each.
 *
 * The PyTorch is the one a user would install with pip (./torch finds it or sets it up). Debian's
 * python3-torch (1.13, about 5x slower) is never the reference; `--debian-torch` adds it as a labelled row.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { ready, BackendReport } from "../../backend/select";
import type { Seq2Seq } from "../../models/seq2seq";
import { Trainer } from "../../train/trainer";
import { makeBatches, Batch } from "../../data/batches";
import { prepareData, PreparedData } from "../../data/dataset";
import { Random } from "../../util/random";
import { TUTORIAL_CONFIG, describeConfig, tutorialModel, torchConfig, round, tfjsEngine } from "./config";
import { epochFlops } from "./flops";
import { MachinePeak, thisMachinePeak, otherProcessesCpu } from "./machine";
import { findTorch2, runTorchReference, torchVersionOf, TorchResult, DEBIAN_PYTHON } from "./torch";

export interface TrainBenchOptions {
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

/** What both frameworks train on: the batches, each one's teacher-forcing decision, and their flops. */
interface BenchWork {
  data: PreparedData;
  batches: Batch[];
  /** Teacher forcing of each batch: decided once, the same for both frameworks (half of them on). */
  teacherForced: boolean[];
  flopsPerEpoch: number;
}

function benchWork(options: TrainBenchOptions): BenchWork {
  const { batchSize, seed, embeddingSize, hiddenSize, attentionUnits } = TUTORIAL_CONFIG;
  const data = prepareData({ file: options.data, pairs: options.pairs, validation: 0, test: 0 });
  const batches = makeBatches(data.train, { batchSize, seed, bucket: options.bucket });
  const teacherForced = new Random(seed + 7).shuffle(batches.map((_, i) => i)).map((i) => i % 2 === 0);
  const flopModel = { embeddingSize, hiddenSize, attentionUnits, targetVocabSize: data.targetVocab.size };
  const flopsPerEpoch = epochFlops(
    batches.map((batch, i) => ({ ...batch, teacherForcing: teacherForced[i] })),
    flopModel,
  );
  return { data, batches, teacherForced, flopsPerEpoch };
}

/**
 * Writes the batches and the initial weights (raw float32) for the PyTorch reference to start from the same
 * point, before tfjs trains, so that no copy of them stays in this process meanwhile. Returns the JSON file.
 */
function writeTorchInput(dir: string, model: Seq2Seq, work: BenchWork): string {
  const initialWeights: Record<string, { shape: number[]; offset: number }> = {};
  const fd = fs.openSync(path.join(dir, "weights.bin"), "w");
  let offset = 0;
  for (const [name, variable] of Object.entries(model.namedVariables())) {
    const values = Float32Array.from(variable.dataSync() as Float32Array);
    fs.writeSync(fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    initialWeights[name] = { shape: variable.shape, offset };
    offset += values.length;
  }
  fs.closeSync(fd);
  const file = path.join(dir, "batches.json");
  fs.writeFileSync(
    file,
    JSON.stringify({
      config: torchConfig(work.data.sourceVocab.size, work.data.targetVocab.size),
      weightsFile: "weights.bin",
      initialWeights,
      batches: work.batches.map((batch, i) => ({
        size: batch.size,
        sourceLength: batch.sourceLength,
        targetLength: batch.targetLength,
        targetTokens: batch.targetTokens,
        teacherForcing: work.teacherForced[i],
        source: Array.from(batch.source),
        sourceMask: Array.from(batch.sourceMask),
        decoderInput: Array.from(batch.decoderInput),
        decoderTarget: Array.from(batch.decoderTarget),
        targetMask: Array.from(batch.targetMask),
      })),
    }),
  );
  return file;
}

interface EpochFigures {
  seconds: number;
  loss: number;
  tokensPerSecond: number;
  /** CPU seconds other processes took during the epoch (undefined where it cannot be read). */
  otherCpu?: number;
}

/** One tfjs epoch over the batches; `peakRss` is raised to the largest RSS seen. */
async function tfjsEpoch(
  trainer: Trainer,
  work: BenchWork,
  rng: Random,
  peakRss: { bytes: number },
): Promise<EpochFigures> {
  const started = Date.now();
  const otherCpu = otherProcessesCpu();
  let lossSum = 0;
  let tokens = 0;
  for (let i = 0; i < work.batches.length; i++) {
    const batch = work.batches[i];
    const teacherForcing = work.teacherForced[i] ? 1 : 0;
    lossSum += (await trainer.trainBatch(batch, rng, { teacherForcing })) * batch.targetTokens;
    tokens += batch.targetTokens;
    peakRss.bytes = Math.max(peakRss.bytes, process.memoryUsage().rss);
  }
  const seconds = (Date.now() - started) / 1000;
  return { seconds, loss: lossSum / tokens, tokensPerSecond: tokens / seconds, otherCpu: otherCpu() };
}

/** GFLOP/s of an epoch of `seconds`, and its fraction of the machine's peak. */
function performance(flops: number, seconds: number, peak: MachinePeak) {
  const gflops = flops / seconds / 1e9;
  return { gflopsPerSecond: round(gflops, 2), fractionOfPeak: peak.gflops > 0 ? round(gflops / peak.gflops, 4) : null };
}

/** Trains the tfjs model for the epochs asked; the last epoch's figures, as the JSON line reports them. */
async function tfjsRow(
  trainer: Trainer,
  work: BenchWork,
  options: TrainBenchOptions,
  peak: MachinePeak,
  backend: BackendReport,
) {
  const rng = new Random(TUTORIAL_CONFIG.seed);
  const peakRss = { bytes: 0 };
  let last: EpochFigures | undefined;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    last = await tfjsEpoch(trainer, work, rng, peakRss);
    process.stderr.write(
      `tfjs epoch ${epoch}: ${last.seconds.toFixed(1)} s, loss ${last.loss.toFixed(4)}, ${Math.round(last.tokensPerSecond)} target tokens/s\n`,
    );
  }
  // The sampled RSS and the kernel's high-water mark (maxRSS is in KiB), whichever is larger.
  peakRss.bytes = Math.max(peakRss.bytes, process.resourceUsage().maxRSS * 1024);
  return {
    framework: `tfjs ${tf.version.tfjs} (${tfjsEngine(backend)}, --workers ${options.workers})`,
    kernels: backend.attempts.find((attempt) => attempt.ok)?.reason,
    matrixProducts: backend.matrixProducts ?? null,
    workers: options.workers,
    targetTokensPerSecond: round(last!.tokensPerSecond, 1),
    secondsPerEpoch: round(last!.seconds, 2),
    finalLoss: round(last!.loss, 4),
    peakRssMB: round(peakRss.bytes / 2 ** 20, 1),
    ...performance(work.flopsPerEpoch, last!.seconds, peak),
    otherCpuSecondsMeanwhile: last!.otherCpu === undefined ? undefined : round(last!.otherCpu, 1),
  };
}

/**
 * Adds the PyTorch rows to `result`: pip's PyTorch (the reference, with the ratio) and, with --debian-torch,
 * Debian's. PyTorch gets every core unless --threads says otherwise. A reference that fails is reported in
 * its place (and the exit status is 1); the tfjs figures are printed all the same.
 */
function addTorchRows(
  result: Record<string, unknown>,
  tfjs: { targetTokensPerSecond: number; finalLoss: number },
  torch: ReturnType<typeof findTorch2>,
  file: string,
  options: TrainBenchOptions,
  flopsPerEpoch: number,
): void {
  const peak = result.machinePeak as MachinePeak;
  const threads = options.threads ?? os.cpus().length;
  const reference = (python: string): TorchResult | string => {
    try {
      return runTorchReference(python, file, options.epochs, threads);
    } catch (e) {
      process.exitCode = 1;
      return `failed: ${(e as Error).message}`;
    }
  };
  if (torch.found) {
    const row = reference(torch.found.python);
    if (typeof row === "string") result.pytorch = row;
    else {
      result.pytorch = { ...row, found: torch.found.source, ...performance(flopsPerEpoch, row.secondsPerEpoch, peak) };
      result.ratio = round(tfjs.targetTokensPerSecond / row.targetTokensPerSecond, 3);
      result.lossDifference = round(Math.abs(tfjs.finalLoss - row.finalLoss) / row.finalLoss, 4);
    }
  } else {
    result.pytorch = `unavailable: ${torch.reason}`;
  }
  if (!options.debianTorch) return;
  const version = torchVersionOf(DEBIAN_PYTHON);
  const row = version
    ? reference(DEBIAN_PYTHON)
    : `unavailable: ${DEBIAN_PYTHON} cannot import torch (Debian: apt-get install python3-torch)`;
  if (typeof row === "string") result.pytorchDebian = row;
  else {
    const label = `Debian python3-torch ${version} (not the reference)`;
    result.pytorchDebian = { ...row, label, ...performance(flopsPerEpoch, row.secondsPerEpoch, peak) };
    result.ratioDebian = round(tfjs.targetTokensPerSecond / row.targetTokensPerSecond, 3);
  }
}

export async function trainBenchmark(options: TrainBenchOptions): Promise<void> {
  // Which PyTorch first: a missing one is set up (or its reason known) before the long tfjs run.
  const torch = options.torch ? findTorch2(options.setup) : { reason: "skipped (--no-torch)" };
  const backend = await ready();
  const work = benchWork(options);
  const translationModel = tutorialModel(work.data);
  const { batchSize, learningRate, clipNorm, seed } = TUTORIAL_CONFIG;
  const trainer = new Trainer(
    translationModel,
    { train: work.data.train, validation: [] },
    { batchSize, learningRate, clipNorm, seed, workers: options.workers },
  );
  // A folder for the PyTorch reference's input, removed however the run ends.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-bench-"));
  try {
    const file = torch.found || options.debianTorch ? writeTorchInput(dir, translationModel.model, work) : "";
    const peak = thisMachinePeak();
    const tfjs = await tfjsRow(trainer, work, options, peak, backend);
    trainer.dispose();
    translationModel.model.dispose();
    const result: Record<string, unknown> = {
      bench: "train",
      config: describeConfig(),
      data: options.data,
      pairs: work.data.counts.kept,
      batches: work.batches.length,
      targetTokensPerEpoch: work.batches.reduce((n, batch) => n + batch.targetTokens, 0),
      flopsPerEpoch: work.flopsPerEpoch,
      flopCount:
        "matrix products only, 2 flops per multiply-add, backward = 2 products per forward product; classifier on real target tokens; free-running batches add the argmax classifier (trainingFlops in src/cli/bench/flops.ts)",
      vocabulary: { english: work.data.sourceVocab.size, german: work.data.targetVocab.size },
      epochs: options.epochs,
      cores: os.cpus().length,
      machinePeak: peak,
      tfjs,
    };
    addTorchRows(result, tfjs, torch, file, options, work.flopsPerEpoch);
    process.stderr.write(trainSummary(result));
    console.log(JSON.stringify(result));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
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

const percent = (x: number | null) => (x === null ? "?" : `${(x * 100).toFixed(1)}%`);

/** One framework's line of the summary, with a warning when other programs shared the machine. */
function frameworkLine(label: string, figures: FrameworkFigures, peak: MachinePeak): string {
  let line = `  ${label}: ${figures.targetTokensPerSecond} target tokens/s, ${figures.gflopsPerSecond} GFLOP/s (${percent(figures.fractionOfPeak)} of peak), peak RSS ${figures.peakRssMB} MB\n`;
  // Other programs busy for more than a tenth of the machine while this one ran: say so.
  if ((figures.otherCpuSecondsMeanwhile ?? 0) > 0.1 * figures.secondsPerEpoch * peak.cores) {
    line += `    warning: other processes used ${figures.otherCpuSecondsMeanwhile} CPU seconds during this ${figures.secondsPerEpoch} s epoch: the figure is too low\n`;
  }
  return line;
}

/** The human-readable lines of the train benchmark's result (stderr; the JSON line is the record). */
function trainSummary(result: Record<string, unknown>): string {
  const peak = result.machinePeak as MachinePeak;
  const tfjs = result.tfjs as FrameworkFigures & { framework: string };
  let summary = `bench summary: ${peak.cores} cores, machine peak ${peak.gflops} GFLOP/s (${peak.cores} cores x ${peak.simdLanes} float32 lanes (${peak.simd}) x ${peak.fmaUnits} FMA units, assumed, x 2 flops x ${peak.ghz} GHz)\n`;
  summary += frameworkLine(tfjs.framework, tfjs, peak);
  const pytorch = result.pytorch as (FrameworkFigures & TorchResult & { found: string }) | string;
  if (typeof pytorch === "string") summary += `  PyTorch: ${pytorch}\n`;
  else
    summary +=
      frameworkLine(`PyTorch ${pytorch.version} (${pytorch.threads} threads; ${pytorch.found})`, pytorch, peak) +
      `  ratio tfjs/PyTorch ${pytorch.version}: ${result.ratio} (final losses differ by ${percent(result.lossDifference as number)})\n`;
  const debian = result.pytorchDebian as (FrameworkFigures & TorchResult & { label: string }) | string | undefined;
  if (typeof debian === "string") summary += `  Debian PyTorch: ${debian}\n`;
  else if (debian)
    summary +=
      frameworkLine(`${debian.label}, ${debian.threads} threads`, debian, peak) +
      `  ratio tfjs/Debian PyTorch: ${result.ratioDebian}\n`;
  return summary;
}
