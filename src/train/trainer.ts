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
import { Batch, Example, makeBatches } from "../data/batches";
import { GradientWorkers, parallelGradients } from "./parallel";
import { batchGradients, meanLoss } from "./gradients";
import { chooseUpdate, Update } from "./update";
import { annealedRate, checkTrainOptions, DEFAULT_TRAINING, TrainOptions } from "./options";
import { backendReport } from "../backend/select";
import type { TranslationModel } from "../models/translation-model";
import { saveCheckpoint, TrainingState, NamedTensor, checkOptimizerState } from "./checkpoint";
import { fastMode } from "../util/fast-mode";
import { dataRecord, PreparedData } from "../data/dataset";

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
  /** Clipping and Adam, as ops or as native kernels, as the model's kernels (picked once). */
  private readonly applyUpdate: Update;

  constructor(
    readonly translationModel: TranslationModel,
    readonly data: TrainData,
    requested: Partial<TrainOptions> = {},
  ) {
    this.options = { ...DEFAULT_TRAINING, ...requested };
    checkTrainOptions(this.options);
    if (data.train.length === 0) throw new Error("Trainer: no training examples");
    this.learningRate = this.options.learningRate;
    this.optimizer = tf.train.adam(this.learningRate);
    this.applyUpdate = chooseUpdate(translationModel.model.kernels);
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
      checkOptimizerState(this.model.trainableVariables(), optimizerWeights);
      // Adam's setWeights() makes new variables without freeing the ones it had: start from a fresh one.
      this.optimizer.dispose();
      this.optimizer = tf.train.adam(this.learningRate);
      await this.optimizer.setWeights(optimizerWeights);
      tf.dispose(optimizerWeights.map((w) => w.tensor));
    }
    if (learningRate) this.setLearningRate(learningRate);
  }

  private setLearningRate(lr: number): void {
    this.learningRate = lr;
    this.rateInUse = lr;
  }

  /** Mean loss per real token over examples, with teacher forcing and no dropout (`meanLoss`). */
  evaluateLoss(examples: Example[], batchSize = 64): number {
    return meanLoss(this.model, examples, batchSize);
  }

  /**
   * One optimisation step on the main thread (`trainBatch` with one worker); returns the batch's mean loss per
   * token. `teacherForcing` overrides the option for this step (the benchmark replays shared decisions).
   */
  trainStep(batch: Batch, rng: Random, overrides: { teacherForcing?: number } = {}): number {
    return this.update(batchGradients(this.model, batch, rng, { ...this.options, ...overrides }));
  }

  private workerPool?: Promise<GradientWorkers>;

  /**
   * One optimisation step: the batch's gradients (./gradients.ts; split over `workers` threads when there are
   * several and the batch has an example for each, ./parallel.ts), then the update.
   */
  async trainBatch(batch: Batch, rng: Random, overrides: { teacherForcing?: number } = {}): Promise<number> {
    const options = { ...this.options, ...overrides };
    if (options.workers <= 1 || batch.size < options.workers) return this.trainStep(batch, rng, overrides);
    const backend = backendReport()?.choice ?? tf.getBackend();
    this.workerPool ??= GradientWorkers.start(options.workers - 1, this.model.config, backend);
    const pool = await this.workerPool;
    return this.update(await parallelGradients(pool, this.model, batch, rng, options));
  }

  /** The update (./update.ts): clips the gradients, applies Adam, disposes them; returns the batch's loss. */
  private update(step: { loss: number; grads: Record<string, tf.Tensor> }): number {
    this.applyUpdate(this.optimizer, step.grads, this.options.clipNorm);
    this.step++;
    return step.loss;
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
