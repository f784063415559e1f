/**
 * The training options, their defaults and their rules (the library's ranges: nonsense fails at once), and
 * the learning rate's schedule under a time budget.
 */
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

/** Library-side ranges of the options (the CLI's TRAIN_RULES are narrower): nonsense fails at once. */
/** A rule between options: `broken(o)` when they contradict each other; `why` says what to do. */
export interface TrainingRule {
  fields: Array<keyof TrainOptions>;
  broken(o: Partial<TrainOptions>): boolean;
  why: string;
}

/** The rules between options, in one place (the CLI names its flags for the fields). */
export const TRAINING_RULES: readonly TrainingRule[] = [
  {
    fields: ["anneal", "minutes"],
    broken: (o) => (o.anneal ?? 0) > 0 && !((o.minutes ?? 0) > 0),
    why: "anneal needs a time budget (minutes > 0)",
  },
];

/** The rules the options break (none: an empty list). */
export function brokenTrainingRules(o: Partial<TrainOptions>): TrainingRule[] {
  return TRAINING_RULES.filter((r) => r.broken(o));
}

export function checkTrainOptions(options: TrainOptions): void {
  if (!(options.batchSize >= 1) || !Number.isInteger(options.batchSize))
    throw new Error(`Trainer: batchSize must be a positive integer, got ${options.batchSize}`);
  if (!(options.teacherForcing >= 0 && options.teacherForcing <= 1))
    throw new Error(`Trainer: teacherForcing must be in [0, 1], got ${options.teacherForcing}`);
  if (!(options.anneal >= 0 && options.anneal <= 1))
    throw new Error(`Trainer: anneal must be in [0, 1] (a fraction of the time budget), got ${options.anneal}`);
  if (options.anneal > 0 && !(options.minutes > 0))
    throw new Error("Trainer: anneal needs a time budget (minutes > 0)");
  checkValue("Trainer", "epochs", options.epochs, int(0, Number.MAX_SAFE_INTEGER));
  checkValue("Trainer", "learningRate", options.learningRate, num(0, 1e6, { minOpen: true }));
  checkValue("Trainer", "clipNorm", options.clipNorm, num(0, Number.MAX_VALUE, { note: "0 = no clipping" }));
  checkValue("Trainer", "labelSmoothing", options.labelSmoothing, num(0, 1, { maxOpen: true }));
  checkValue("Trainer", "decayOnPlateau", options.decayOnPlateau, num(0, 1, { minOpen: true, note: "1 = off" }));
  checkValue("Trainer", "patience", options.patience, int(0, Number.MAX_SAFE_INTEGER));
  checkValue("Trainer", "minutes", options.minutes, num(0, Number.MAX_VALUE));
  checkValue("Trainer", "workers", options.workers, int(1, 64));
}
