/**
 * Training: batched and padded, loss masked to real tokens, Adam, gradient clipping by global norm,
 * teacher forcing with a ratio (per batch or per step), seeded shuffling, validation loss per epoch,
 * optional early stopping and time budget, progress callbacks, a stop flag checked between batches,
 * checkpoints, and resuming.
 *
 * A Trainer keeps its state: calling `train()` again continues where the last call stopped, which is
 * what a notebook user does when rerunning the training cell.
 */
import * as tf from "@tensorflow/tfjs";
import type { Seq2Seq } from "../models/seq2seq";
import { Random } from "../util/random";
import { batchTensors, Batch, Example, makeBatches, padBatch, MIN_TRAINING_SOURCE_LENGTH } from "../data/batches";
import { GradientWorkers } from "./parallel";
import { backendReport } from "../backend/select";
import { fusedKernelsActive } from "../backend/fused";
import { fusedAdamStep } from "./adam";
import type { TranslationModel } from "../models/translation-model";
import { saveCheckpoint, TrainingState, NamedTensor } from "./checkpoint";
import { fastMode } from "../util/fast-mode";
import { dataRecord, PreparedData } from "../data/dataset";
import { checkValue, int, num } from "../util/validate";

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Clip the global gradient norm to this (0 = no clipping). */
  clipNorm: number;
  teacherForcing: number;
  teacherForcingMode: "batch" | "step";
  labelSmoothing: number;
  /** Group sentences of similar length (less padding, faster). */
  bucket: boolean;
  seed: number;
  /** Stop when the validation loss has not improved for this many epochs (0 = never). */
  patience: number;
  /** Stop after this many minutes of training (0 = no limit); checked between batches. */
  minutes: number;
  /** Save a checkpoint here after each epoch (and keep the best by validation loss, see `keepBest`). */
  checkpointDir?: string;
  /** Save only when the validation loss improved. */
  keepBest: boolean;
  /** Decay the learning rate by this factor after an epoch whose validation loss did not improve (1 = off). */
  decayOnPlateau: number;
  /**
   * With a time budget (`minutes`): over this last fraction of the budget, lower the learning rate
   * linearly to 5% of its value, so that the run ends on small, careful steps (0 = off; e.g. 0.5).
   */
  anneal: number;
  /**
   * Threads that compute gradients: 1 trains on the main thread; 2 or more split each batch into shards
   * computed in parallel by worker threads (one core each), the same update as with one thread.
   */
  workers: number;
}

export const DEFAULT_TRAINING: TrainOptions = {
  epochs: 10,
  batchSize: 32,
  learningRate: 0.003,
  clipNorm: 5,
  teacherForcing: 1,
  teacherForcingMode: "batch",
  labelSmoothing: 0,
  bucket: true,
  seed: 1,
  patience: 0,
  minutes: 0,
  keepBest: false,
  decayOnPlateau: 1,
  anneal: 0,
  workers: 1,
};

/**
 * The learning rate at fraction `p` of a time budget: `rate` until `1 - anneal`, then linearly down to
 * 5% of `rate` at the end of the budget (and 5% after it).
 */
export function annealedRate(rate: number, p: number, anneal: number): number {
  if (anneal <= 0 || p <= 1 - anneal) return rate;
  return rate * Math.max(0.05, 1 - ((p - (1 - anneal)) / anneal) * 0.95);
}

export interface BatchProgress {
  kind: "batch";
  epoch: number;
  batch: number;
  batches: number;
  step: number;
  loss: number;
  tokensPerSecond: number;
}

export interface EpochSummary {
  epoch: number;
  trainLoss: number;
  validationLoss: number;
  seconds: number;
  tokensPerSecond: number;
  /** The rate the optimizer used last in the epoch: the base rate, lower while annealing or after a plateau decay. */
  learningRate: number;
  [key: string]: number;
}

export interface TrainResult {
  epochs: EpochSummary[];
  stoppedBy: "epochs" | "stop" | "early-stopping" | "time-budget";
  bestValidationLoss: number;
  seconds: number;
}

/** The main thread's share of a batch relative to a worker's (it also combines gradients and applies Adam). */
const MAIN_SHARE = 0.8;

/** Splits a batch into `parts` shards (shard 0 for the main thread), each padded to its own longest sentence. */
export function shardBatch(batch: Batch, parts: number, examples: readonly Example[]): Batch[] {
  const n = batch.size;
  const mainCount = Math.max(1, Math.round((n * MAIN_SHARE) / (MAIN_SHARE + parts - 1)));
  // Sorted by length; the main thread takes evenly spaced examples, the workers the rest in turn, so each
  // shard has a similar mix of long and short sentences.
  const order = batch.indices.slice().sort((a, b) => examples[a].target.length - examples[b].target.length);
  const mainPositions = new Set(Array.from({ length: mainCount }, (_, j) => Math.floor(((j + 0.5) * n) / mainCount)));
  const groups: number[][] = Array.from({ length: parts }, () => []);
  let w = 0;
  order.forEach((i, pos) => {
    if (mainPositions.has(pos)) groups[0].push(i);
    else groups[1 + (w++ % (parts - 1))].push(i);
  });
  return groups.map((idx) =>
    padBatch(
      idx.map((i) => examples[i]),
      idx,
      MIN_TRAINING_SOURCE_LENGTH,
    ),
  );
}

/** Library-side ranges of the options (the CLI's TRAIN_RULES are narrower): nonsense fails at once. */
function checkTrainOptions(options: TrainOptions): void {
  checkValue("Trainer", "epochs", options.epochs, int(0, Number.MAX_SAFE_INTEGER));
  checkValue("Trainer", "learningRate", options.learningRate, num(0, 1e6, { minOpen: true }));
  checkValue("Trainer", "clipNorm", options.clipNorm, num(0, Number.MAX_VALUE, { note: "0 = no clipping" }));
  checkValue("Trainer", "labelSmoothing", options.labelSmoothing, num(0, 1, { maxOpen: true }));
  checkValue("Trainer", "decayOnPlateau", options.decayOnPlateau, num(0, 1, { minOpen: true, note: "1 = off" }));
  checkValue("Trainer", "patience", options.patience, int(0, Number.MAX_SAFE_INTEGER));
  checkValue("Trainer", "minutes", options.minutes, num(0, Number.MAX_VALUE));
  checkValue("Trainer", "workers", options.workers, int(1, 64));
}

export interface TrainData {
  train: Example[];
  validation: Example[];
  /** Where the pairs came from (prepareData sets it); recorded in checkpoints. */
  file?: string;
}

/** What one pass over the training batches did: loss and tokens summed, seconds, and what cut it short. */
interface EpochPass {
  lossSum: number;
  tokenSum: number;
  seconds: number;
  interruptedBy?: "stop" | "time-budget";
}

/** Every trainable variable's values in one array, in `vars` order: one concat and one read of the backend's memory. */
function flatWeights(vars: tf.Variable[]): Float32Array {
  const flat = tf.tidy(() => tf.concat(vars.map((v) => v.reshape([-1]))));
  const weights = flat.dataSync() as Float32Array;
  flat.dispose();
  return weights;
}

/**
 * The batch's gradients from its shards': each shard's gradient weighted by its share of the batch's target
 * tokens (`shares[0]` the main thread's `local`, `shares[k + 1]` worker k's, whose gradients come flat, in
 * `vars` order).
 */
function combineShardGradients(
  vars: tf.Variable[],
  local: Record<string, tf.Tensor>,
  remote: ReadonlyArray<{ grads: Float32Array }>,
  shares: number[],
): Record<string, tf.Tensor> {
  return tf.tidy(() => {
    const out: Record<string, tf.Tensor> = {};
    let at = 0;
    for (const v of vars) {
      let g = tf.mul(local[v.name], shares[0]);
      remote.forEach((r, k) => {
        g = tf.add(g, tf.mul(tf.tensor(r.grads.subarray(at, at + v.size), v.shape), shares[k + 1]));
      });
      out[v.name] = g;
      at += v.size;
    }
    return out;
  });
}

export class Trainer {
  readonly options: TrainOptions;
  optimizer: tf.AdamOptimizer;
  /** Epochs completed so far (across `train()` calls). */
  epoch = 0;
  step = 0;
  readonly history: EpochSummary[] = [];
  bestValidationLoss = Infinity;
  /** Saved with the training state in checkpoints (e.g. the data options, so evaluation can redo the split). */
  extraState: Record<string, unknown> = {};
  /** What checkpoints record of the training data (computed at the first save). */
  private dataRecorded?: ReturnType<typeof dataRecord>;
  onBatch?: (p: BatchProgress) => void;
  onEpoch?: (e: EpochSummary) => void;
  private stopRequested = false;
  private learningRate: number;

  constructor(
    readonly translationModel: TranslationModel,
    readonly data: TrainData,
    requested: Partial<TrainOptions> = {},
  ) {
    this.options = { ...DEFAULT_TRAINING, ...requested };
    const options = this.options;
    if (!(options.batchSize >= 1) || !Number.isInteger(options.batchSize))
      throw new Error(`Trainer: batchSize must be a positive integer, got ${options.batchSize}`);
    if (!(options.teacherForcing >= 0 && options.teacherForcing <= 1))
      throw new Error(`Trainer: teacherForcing must be in [0, 1], got ${options.teacherForcing}`);
    if (!(options.anneal >= 0 && options.anneal <= 1))
      throw new Error(`Trainer: anneal must be in [0, 1] (a fraction of the time budget), got ${options.anneal}`);
    if (options.anneal > 0 && !(options.minutes > 0))
      throw new Error("Trainer: anneal needs a time budget (minutes > 0)");
    checkTrainOptions(options);
    if (data.train.length === 0) throw new Error("Trainer: no training examples");
    this.learningRate = options.learningRate;
    this.optimizer = tf.train.adam(options.learningRate);
  }

  get model(): Seq2Seq {
    return this.translationModel.model;
  }

  /** Asks training to end after the current batch (works from a notebook's next cell or a signal handler). */
  stop(): void {
    this.stopRequested = true;
  }

  /**
   * Restores the step counters, history and Adam's state from a loaded checkpoint. Adam's state is
   * copied into a fresh optimizer (the old one is disposed), and the given tensors are disposed once
   * copied: restoring leaves no tensor behind, however often it is done.
   */
  async restore(
    training: TrainingState | undefined,
    optimizerWeights?: NamedTensor[],
    learningRate?: number,
  ): Promise<void> {
    if (training) {
      for (const key of ["data", "dataFingerprint"])
        if (training[key] !== undefined) this.extraState[key] = training[key];
      this.epoch = training.epoch;
      this.step = training.step;
      this.history.splice(0, this.history.length, ...(training.history as EpochSummary[]));
      this.bestValidationLoss = training.bestValidationLoss ?? Infinity;
    }
    if (optimizerWeights) {
      this.checkOptimizerState(optimizerWeights);
      // Adam's setWeights() makes new variables without freeing the ones it had: start from a fresh one.
      this.optimizer.dispose();
      this.optimizer = tf.train.adam(this.learningRate);
      await this.optimizer.setWeights(optimizerWeights);
      tf.dispose(optimizerWeights.map((w) => w.tensor));
    }
    if (learningRate) this.setLearningRate(learningRate);
  }

  /**
   * Adam's saved state must fit this model: the step count, then (once a step was taken) a first and a
   * second moment for every trainable variable, in order and of its shape (else a checkpoint of another
   * model).
   */
  private checkOptimizerState(weights: NamedTensor[]): void {
    const vars = this.model.trainableVariables();
    if (weights.length === 1) return; // saved before the first step: only the step count
    if (weights.length !== 1 + 2 * vars.length) {
      throw new Error(
        `Trainer.restore: the optimizer state has ${weights.length} tensors, this model needs ${1 + 2 * vars.length} (a checkpoint of another model?)`,
      );
    }
    vars.forEach((v, i) => {
      for (const w of [weights[1 + i], weights[1 + vars.length + i]]) {
        if (w.tensor.shape.join(",") !== v.shape.join(",")) {
          throw new Error(
            `Trainer.restore: optimizer state ${w.name} has shape [${w.tensor.shape}], variable ${v.name} has [${v.shape}] (a checkpoint of another model?)`,
          );
        }
      }
    });
  }

  private setLearningRate(lr: number): void {
    this.learningRate = lr;
    this.rateInUse = lr;
  }

  /** Mean loss per real token over examples, with teacher forcing and no dropout. */
  evaluateLoss(examples: Example[], batchSize = 64): number {
    if (examples.length === 0) return NaN;
    let sum = 0,
      tokens = 0;
    const rng = new Random(0);
    for (const batch of makeBatches(examples, { batchSize, bucket: true })) {
      const t = batchTensors(batch);
      const loss = tf.tidy(() =>
        this.model.loss(t, { teacherForcing: 1, teacherForcingMode: "batch", rng, training: false }),
      );
      sum += loss.dataSync()[0] * batch.targetTokens;
      tokens += batch.targetTokens;
      tf.dispose([loss, ...Object.values(t)]);
    }
    return sum / tokens;
  }

  /** Gradients (by variable name) of a batch's mean loss per token, and that loss. */
  private batchGradients(
    batch: Batch,
    rng: Random,
    options: TrainOptions,
  ): { loss: number; grads: Record<string, tf.Tensor> } {
    const t = batchTensors(batch);
    const { value, grads } = tf.variableGrads(
      () =>
        this.model.loss(t, {
          teacherForcing: options.teacherForcing,
          teacherForcingMode: options.teacherForcingMode,
          rng,
          training: true,
          labelSmoothing: options.labelSmoothing,
        }),
      this.model.trainableVariables(),
    );
    const loss = value.dataSync()[0];
    tf.dispose([value, ...Object.values(t)]);
    return { loss, grads };
  }

  /** Clips the gradients by global norm, applies Adam, and disposes them. */
  private applyGradients(grads: Record<string, tf.Tensor>): void {
    const clipNorm = this.options.clipNorm;
    if (fusedKernelsActive()) {
      // The same update with one kernel per variable (./adam.ts).
      fusedAdamStep(this.optimizer, grads, clipNorm);
      tf.dispose(Object.values(grads));
      this.step++;
      return;
    }
    const clipped = tf.tidy(() => {
      if (!clipNorm) return grads;
      const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
      const scale = tf.minimum(1, tf.div(clipNorm, tf.maximum(norm, 1e-12)));
      const out: Record<string, tf.Tensor> = {};
      for (const [k, g] of Object.entries(grads)) out[k] = tf.mul(g, scale);
      return out;
    });
    this.optimizer.applyGradients(clipped as unknown as Parameters<tf.AdamOptimizer["applyGradients"]>[0]);
    tf.dispose([...Object.values(grads), ...(clipped === grads ? [] : Object.values(clipped))]);
    this.step++;
  }

  /**
   * One optimisation step on a batch, on the main thread; returns the batch's mean loss per token.
   * `teacherForcing` overrides the option for this step (the benchmark replays shared decisions).
   */
  trainStep(batch: Batch, rng: Random, overrides: { teacherForcing?: number } = {}): number {
    const options = { ...this.options, ...overrides };
    const { loss, grads } = this.batchGradients(batch, rng, options);
    this.applyGradients(grads);
    return loss;
  }

  private workerPool?: Promise<GradientWorkers>;

  /**
   * One optimisation step, with the batch split over `workers` threads when there are several (and the
   * batch has an example for each); otherwise the same as `trainStep`.
   */
  async trainBatch(batch: Batch, rng: Random, overrides: { teacherForcing?: number } = {}): Promise<number> {
    const options = { ...this.options, ...overrides };
    if (options.workers <= 1 || batch.size < options.workers) return this.trainStep(batch, rng, overrides);
    this.workerPool ??= GradientWorkers.start(
      options.workers - 1,
      this.model.config,
      backendReport()?.choice ?? tf.getBackend(),
    );
    const pool = await this.workerPool;
    // Shards: the main thread, which also combines the gradients and applies Adam, takes a smaller share
    // (MAIN_SHARE of an equal one); examples are dealt so every shard gets long and short sentences.
    const shards = shardBatch(batch, options.workers, this.data.train);
    // One teacher-forcing decision for the whole batch, as on one thread.
    const teacherForcing =
      options.teacherForcingMode === "batch" ? (rng.next() < options.teacherForcing ? 1 : 0) : options.teacherForcing;
    const seeds = shards.map(() => rng.seed());
    const vars = this.model.trainableVariables();
    const pending = pool.compute(flatWeights(vars), shards.slice(1), {
      teacherForcing,
      teacherForcingMode: options.teacherForcingMode,
      labelSmoothing: options.labelSmoothing,
      seeds: seeds.slice(1),
    });
    const local = this.batchGradients(shards[0], new Random(seeds[0]), { ...options, teacherForcing });
    const remote = await pending;
    const shares = shards.map((shard) => shard.targetTokens / batch.targetTokens);
    const combined = combineShardGradients(vars, local.grads, remote, shares);
    tf.dispose(Object.values(local.grads));
    this.applyGradients(combined);
    return local.loss * shares[0] + remote.reduce((sum, r, k) => sum + r.loss * shares[k + 1], 0);
  }

  /** Trains for `epochs` more epochs (default: the option), stopping early when asked. */
  async train(options: { epochs?: number } = {}): Promise<TrainResult> {
    const epochs = options.epochs ?? this.options.epochs;
    this.stopRequested = false;
    // Jupyter's interrupt (and Ctrl-C) sends SIGINT; tslab cannot cancel awaited work, so the signal sets
    // the stop flag and training ends after the current batch. A second SIGINT exits as usual.
    let interrupts = 0;
    const onInterrupt = () => {
      if (++interrupts > 1) process.exit(130);
      this.stop();
    };
    process.on("SIGINT", onInterrupt);
    try {
      return await this.runEpochs(epochs);
    } finally {
      process.removeListener("SIGINT", onInterrupt);
    }
  }

  private async runEpochs(epochs: number): Promise<TrainResult> {
    const started = Date.now();
    const done: EpochSummary[] = [];
    let stoppedBy: TrainResult["stoppedBy"] = "epochs";
    let sinceBest = 0;
    for (let e = 0; e < epochs; e++) {
      const pass = await this.runEpoch(started);
      if (pass.tokenSum === 0) break;
      const { summary, improved } = await this.endEpoch(pass);
      done.push(summary);
      sinceBest = improved ? 0 : sinceBest + 1;
      if (pass.interruptedBy) {
        stoppedBy = pass.interruptedBy;
        break;
      }
      if (this.options.patience > 0 && sinceBest >= this.options.patience) {
        stoppedBy = "early-stopping";
        break;
      }
    }
    return {
      epochs: done,
      stoppedBy,
      bestValidationLoss: this.bestValidationLoss,
      seconds: (Date.now() - started) / 1000,
    };
  }

  /**
   * One pass over the shuffled training batches (annealing the rate on a time budget, reporting each batch),
   * cut short by a stop request or the end of the time budget that began at `started`.
   */
  private async runEpoch(started: number): Promise<EpochPass> {
    const options = this.options;
    const epochStart = Date.now();
    const rng = new Random(options.seed * 1000003 + this.epoch);
    const batches = makeBatches(this.data.train, {
      batchSize: options.batchSize,
      seed: options.seed + this.epoch,
      bucket: options.bucket,
    });
    const pass: EpochPass = { lossSum: 0, tokenSum: 0, seconds: 0 };
    const budget = options.minutes * 60000;
    for (let b = 0; b < batches.length; b++) {
      if (options.minutes > 0 && options.anneal > 0) this.annealTo((Date.now() - started) / budget);
      const loss = await this.trainBatch(batches[b], rng);
      pass.lossSum += loss * batches[b].targetTokens;
      pass.tokenSum += batches[b].targetTokens;
      const tokensPerSecond = pass.tokenSum / ((Date.now() - epochStart) / 1000);
      this.onBatch?.({
        kind: "batch",
        epoch: this.epoch + 1,
        batch: b + 1,
        batches: batches.length,
        step: this.step,
        loss,
        tokensPerSecond,
      });
      // Yield to the event loop: lets a notebook process messages (a stop request, display updates).
      await new Promise((resolve) => setImmediate(resolve));
      if (this.stopRequested) pass.interruptedBy = "stop";
      else if (options.minutes > 0 && Date.now() - started > budget) pass.interruptedBy = "time-budget";
      if (pass.interruptedBy) break;
    }
    pass.seconds = (Date.now() - epochStart) / 1000;
    return pass;
  }

  /**
   * After a pass: the validation loss, the epoch's summary (kept in `history`), the best loss so far, the
   * plateau decay, the checkpoint, and `onEpoch`. Returns the summary and whether validation improved.
   */
  private async endEpoch(pass: EpochPass): Promise<{ summary: EpochSummary; improved: boolean }> {
    const options = this.options;
    const validationLoss = this.evaluateLoss(this.data.validation);
    this.epoch++;
    const summary: EpochSummary = {
      epoch: this.epoch,
      trainLoss: pass.lossSum / pass.tokenSum,
      validationLoss,
      seconds: pass.seconds,
      tokensPerSecond: pass.tokenSum / pass.seconds,
      learningRate: this.rateInUse,
    };
    if (pass.interruptedBy) summary.partial = 1;
    this.history.push(summary);
    const improved = validationLoss < this.bestValidationLoss || Number.isNaN(validationLoss);
    if (improved && !Number.isNaN(validationLoss)) this.bestValidationLoss = validationLoss;
    if (!improved && options.decayOnPlateau < 1) this.setLearningRate(this.learningRate * options.decayOnPlateau);
    if (options.checkpointDir && (!options.keepBest || improved)) await this.save(options.checkpointDir);
    this.onEpoch?.(summary);
    return { summary, improved };
  }

  /** The rate the optimizer applies now: the base rate, or less while annealing lowers it (Adam's own field). */
  private get rateInUse(): number {
    return (this.optimizer as unknown as { learningRate: number }).learningRate;
  }

  private set rateInUse(rate: number) {
    (this.optimizer as unknown as { learningRate: number }).learningRate = rate;
  }

  /** Sets the optimizer's rate for budget fraction `p` (see `annealedRate`). */
  private annealTo(p: number): void {
    this.rateInUse = annealedRate(this.learningRate, p, this.options.anneal);
  }

  trainingState(): TrainingState {
    return {
      // The data's options, to prepare it again, and its fingerprint (resume and export-web check it).
      ...(this.dataRecorded ??= dataRecord(this.data as Partial<PreparedData>)),
      ...this.extraState,
      epoch: this.epoch,
      step: this.step,
      history: this.history,
      bestValidationLoss: Number.isFinite(this.bestValidationLoss) ? this.bestValidationLoss : undefined,
      options: this.options,
      // How it was trained, for whoever loads it (see checkpointSummary).
      fastMode: fastMode(),
      trainedOn: {
        source: this.data.file ?? "unknown",
        trainPairs: this.data.train.length,
        validationPairs: this.data.validation.length,
      },
    };
  }

  /** Saves model, vocabularies, counters and Adam's state. */
  save(dir: string): Promise<string> {
    return saveCheckpoint(dir, this.translationModel, {
      training: this.trainingState(),
      optimizer: this.optimizer,
      learningRate: this.learningRate,
    });
  }

  /** Frees Adam's state and stops the gradient workers. */
  dispose(): void {
    this.optimizer.dispose();
    if (this.workerPool) {
      const pool = this.workerPool;
      this.workerPool = undefined;
      pool.then((p) => p.terminate()).catch(() => undefined);
    }
  }
}
