/**
 * `npm run bench -- kernels [--steps N]`: training steps of the benchmark's model (batch 64, 10+9 tokens, a
 * 3572-word target vocabulary) on wasm with the kernels the backend registers: seconds and GFLOP/s of a
 * teacher-forced and of a free-running step (N of each after a warm-up), and each one's kernel calls
 * (`tf.profile`) with the ten most frequent kernels, to see what to fuse.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../backend/select";
import { Trainer } from "../../train/trainer";
import { Vocabulary, SPECIAL_TOKENS } from "../../data/vocab";
import { padBatch, Batch, Example } from "../../data/batches";
import { Random } from "../../util/random";
import { TUTORIAL_CONFIG, tutorialModel, round, tfjsEngine } from "./config";
import { trainingFlops } from "./flops";

/** A vocabulary of the special tokens and `size - 4` made-up words `${prefix}0`, `${prefix}1`, ... */
function madeUpVocabulary(size: number, prefix: string): Vocabulary {
  return new Vocabulary([
    ...SPECIAL_TOKENS,
    ...Array.from({ length: size - SPECIAL_TOKENS.length }, (_, i) => `${prefix}${i}`),
  ]);
}

/** One batch of `size` random pairs: 10 source words, 9 target words. */
function randomBatch(
  source: Vocabulary,
  target: Vocabulary,
  size: number,
  rng: Random,
): { batch: Batch; examples: Example[] } {
  const examples: Example[] = Array.from({ length: size }, () => ({
    source: Array.from({ length: 10 }, () => 4 + rng.int(source.size - 4)),
    target: Array.from({ length: 9 }, () => 4 + rng.int(target.size - 4)),
  }));
  return { batch: padBatch(examples), examples };
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
  for (const kernel of info.kernels) {
    const entry = byName.get(kernel.name) ?? { name: kernel.name, calls: 0, ms: 0 };
    entry.calls++;
    entry.ms += typeof kernel.kernelTimeMs === "number" ? kernel.kernelTimeMs : 0;
    byName.set(kernel.name, entry);
  }
  const top = [...byName.values()]
    .sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name))
    .slice(0, 10)
    .map((k) => ({ ...k, ms: Number(k.ms.toFixed(1)) }));
  return { calls: info.kernels.length, top };
}

/** Mean seconds of `steps` training steps with teacher forcing on (1) or off (0). */
function secondsPerStep(trainer: Trainer, batch: Batch, rng: Random, teacherForcing: number, steps: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) trainer.trainStep(batch, rng, { teacherForcing });
  return Number(process.hrtime.bigint() - start) / 1e9 / steps;
}

export async function kernelsBenchmark(steps: number): Promise<void> {
  const report = await initBackend({ force: "wasm" });
  const rng = new Random(1);
  const sourceVocab = madeUpVocabulary(2000, "e");
  const targetVocab = madeUpVocabulary(3572, "d");
  const { batch, examples } = randomBatch(sourceVocab, targetVocab, TUTORIAL_CONFIG.batchSize, rng);
  const translationModel = tutorialModel({ sourceVocab, targetVocab });
  const trainer = new Trainer(translationModel, { train: examples, validation: [] }, { batchSize: batch.size });
  // Warm-up of both paths: Adam's slots, wasm's first calls, caches.
  trainer.trainStep(batch, rng, { teacherForcing: 1 });
  trainer.trainStep(batch, rng, { teacherForcing: 0 });
  const seconds = {
    teacherForced: secondsPerStep(trainer, batch, rng, 1, steps),
    freeRunning: secondsPerStep(trainer, batch, rng, 0, steps),
  };
  const { embeddingSize, hiddenSize, attentionUnits } = TUTORIAL_CONFIG;
  const flopModel = { embeddingSize, hiddenSize, attentionUnits, targetVocabSize: targetVocab.size };
  const flops = {
    teacherForced: trainingFlops({ ...batch, teacherForcing: true }, flopModel),
    freeRunning: trainingFlops({ ...batch, teacherForcing: false }, flopModel),
  };
  const profiles = {
    teacherForced: await profileStep(trainer, batch, rng, 1),
    freeRunning: await profileStep(trainer, batch, rng, 0),
  };
  trainer.dispose();
  translationModel.model.dispose();
  const out = {
    bench: "kernels",
    backend: report.tfBackend,
    engine: tfjsEngine(report),
    kernels: report.attempts.find((attempt) => attempt.ok)?.reason,
    matrixProducts: report.matrixProducts ?? null,
    config: `luong-concat, hidden ${hiddenSize}, embedding ${embeddingSize}, attention units ${attentionUnits}, batch ${batch.size}, ${batch.sourceLength}+${batch.targetLength - 1} tokens (T = ${batch.targetLength} decoder steps), target vocabulary ${targetVocab.size}`,
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
  process.stderr.write(kernelsSummary(out));
  console.log(JSON.stringify(out));
}

/** The human-readable lines of the kernels benchmark (stderr; the JSON line is the record). */
function kernelsSummary(out: {
  engine: string;
  kernels?: string;
  secondsPerStep: Record<"teacherForced" | "freeRunning", number>;
  gflopsPerSecond: Record<"teacherForced" | "freeRunning", number>;
  kernelCallsPerStep: Record<"teacherForced" | "freeRunning", number>;
  topKernels: Record<"teacherForced" | "freeRunning", KernelCount[]>;
}): string {
  const line = (label: string, path: "teacherForced" | "freeRunning") =>
    `  ${label} ${out.secondsPerStep[path]} s, ${out.gflopsPerSecond[path]} GFLOP/s, ${out.kernelCallsPerStep[path]} kernel calls (${out.topKernels[path].map((k) => `${k.name} ${k.calls}`).join(", ")})\n`;
  return (
    `kernels, ${out.engine} (${out.kernels}):\n` +
    line("teacher-forced step:", "teacherForced") +
    line("free-running step:  ", "freeRunning")
  );
}
