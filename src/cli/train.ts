#!/usr/bin/env node
/**
 * `npm run train -- --attention bahdanau|luong-dot|luong-general|luong-concat|luong-location|luong-local-m|luong-local-p|none [--data FILE] [--pairs N]
 *   [--epochs E] [--hidden H] [--batch B] [--seed S] [--out DIR] [--resume | --overwrite] ...`
 * Trains a model (default: the built-in corpus, sizes that train in a minute or two on a 2-core CPU),
 * saves a checkpoint to --out, scores the test split, and prints a final JSON line.
 *
 * Every flag is checked against its range (TRAIN_RULES) before anything is read or written. --out is
 * locked for the run (one writer per directory). A trained model in --out is only replaced with
 * --overwrite; --resume continues it, after checking the data and model flags against it, and then
 * --epochs E means E more epochs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ready, backendReport } from "../backend";
import { prepareData, dataFingerprint, PreparedData, DataOptions, DEFAULT_CORPUS } from "../data/dataset";
import { ATTENTION_KINDS, brokenModelRules, DEFAULT_MODEL, DEFAULT_WINDOW, Seq2SeqConfig } from "../models/config";
import { DEFAULT_MAX_SOURCE_LENGTH } from "../attention/layers";
import { createModel } from "../models/create";
import type { TranslationModel } from "../models/translation-model";
import { Trainer } from "../train/trainer";
import { brokenTrainingRules, DEFAULT_TRAINING, TrainOptions } from "../train/options";
import { DEFAULT_SPLIT } from "../data/split";
import { progressBar } from "../train/progress";
import { hasCheckpoint, loadCheckpoint, LoadedCheckpoint, isCheckpointEntry } from "../train/checkpoint";
import { acquireLock } from "../train/lock";
import { resumeMismatches, resumeNotice, MODEL_FLAGS } from "../train/resume";
import { evaluatePairs } from "../metrics/evaluate";
import { parseArgs, fail, UsageError, Flags, CommandHelp } from "./args";
import { checkFlags, int, num, oneOf, FlagRule, LIMITS } from "../util/validate";
import { checkReadableFile, checkWritableDir } from "./files";

export const TRAIN_FLAGS = {
  attention: "string",
  data: "string",
  pairs: "int",
  epochs: "int",
  hidden: "int",
  embedding: "int",
  units: "int",
  window: "int",
  "max-source": "int",
  batch: "int",
  seed: "int",
  out: "string",
  lr: "number",
  "teacher-forcing": "number",
  "teacher-forcing-mode": "string",
  clip: "number",
  cell: "string",
  bidirectional: "bool",
  "input-feeding": "bool",
  "output-layer": "string",
  dropout: "number",
  "label-smoothing": "number",
  "max-tokens": "int",
  "min-freq": "int",
  "max-vocab": "int",
  minutes: "number",
  patience: "int",
  resume: "bool",
  validation: "number",
  test: "number",
  workers: "int",
  recipe: "string",
  "length-penalty": "number",
  bucket: "bool",
  eval: "bool",
  beam: "int",
  "keep-best": "bool",
  decay: "number",
  anneal: "number",
  overwrite: "bool",
} as const;

/** The flags of a run, typed from TRAIN_FLAGS. */
type TrainFlags = Flags<typeof TRAIN_FLAGS>;

/** The kinds `--attention` offers (luong-concat-shared is a library variant, not a flag value). */
const CLI_KINDS = ATTENTION_KINDS.filter((k) => k !== "luong-concat-shared");

/** The range of every valued flag, checked before anything is read, trained or written. */
export const TRAIN_RULES: Record<string, FlagRule> = {
  attention: oneOf(CLI_KINDS),
  pairs: int(1, 10_000_000),
  epochs: int(1, 100_000, "on --resume: how many more epochs"),
  hidden: int(1, LIMITS.hiddenSize),
  embedding: int(1, LIMITS.embeddingSize),
  units: int(1, LIMITS.attentionUnits),
  window: int(1, LIMITS.maxLength),
  "max-source": int(1, LIMITS.maxLength),
  batch: int(1, 4096),
  seed: int(0, 2 ** 31 - 1),
  lr: num(0, 1, { minOpen: true }),
  "teacher-forcing": num(0, 1),
  "teacher-forcing-mode": oneOf(["batch", "step"]),
  clip: num(0, 1e6, { note: "0 = no clipping" }),
  cell: oneOf(["lstm", "gru"]),
  "output-layer": oneOf(["attentional", "tutorial"]),
  dropout: num(0, 1, { maxOpen: true }),
  "label-smoothing": num(0, 1, { maxOpen: true }),
  "max-tokens": int(1, 1000),
  "min-freq": int(1, 1_000_000_000),
  "max-vocab": int(5, LIMITS.vocabSize),
  minutes: num(0, 100_000, { note: "0 = no limit" }),
  patience: int(0, 100_000, "0 = never stop early"),
  validation: num(0, 1, { maxOpen: true }),
  test: num(0, 1, { maxOpen: true }),
  workers: int(1, 64),
  "length-penalty": num(0, 10),
  beam: int(1, LIMITS.beam),
  decay: num(0, 1, { minOpen: true, note: "1 = off" }),
  anneal: num(0, 1, { note: "0 = off" }),
};

/**
 * Recipes: sets of flags that a user's own flags override. `best` is the workbook's recipe for a
 * 20-minute run on the Tatoeba file on a 2-core CPU (see the README's quality table).
 */
export const RECIPES: Record<string, Omit<TrainFlags, "_">> = {
  best: {
    attention: "luong-general",
    hidden: 256,
    embedding: 128,
    batch: 32,
    lr: 0.003,
    "teacher-forcing": 1,
    dropout: 0.2,
    "label-smoothing": 0.1,
    "min-freq": 2,
    bucket: true,
    "keep-best": true,
    decay: 0.5,
    minutes: 20,
    anneal: 0.5,
    validation: 0.03,
    epochs: 100,
    beam: 4,
    "length-penalty": 0.6,
  },
};

/** `--help`: what each flag does and its default (the defaults are the library's, as the run uses them). */
export const TRAIN_HELP: CommandHelp<typeof TRAIN_FLAGS> = {
  usage: "npm run train -- [--attention KIND] [--data FILE] [--out DIR] [--recipe NAME] [flags]",
  about:
    "Trains a model, saves a checkpoint to --out, scores the test split and prints a final JSON line.\n" +
    "Every flag is checked against its range before anything is read or written.",
  rules: TRAIN_RULES,
  flags: {
    attention: {
      value: "KIND",
      text: "the attention of the decoder (none, none-cho: no attention, Sutskever's and Cho's decoders)",
      default: DEFAULT_MODEL.attention,
    },
    data: {
      value: "FILE",
      text: "the pairs file, English TAB German",
      default: `the built-in corpus (${path.relative(process.cwd(), DEFAULT_CORPUS)})`,
    },
    pairs: { text: "read only the first N pairs of the file", default: "every pair" },
    epochs: { text: "passes over the training split", default: DEFAULT_TRAINING.epochs },
    hidden: { text: "hidden size of the encoder and decoder", default: DEFAULT_MODEL.hiddenSize },
    embedding: { text: "word embedding size", default: DEFAULT_MODEL.embeddingSize },
    units: { text: "attention units (the additive scores' hidden size)", default: "--hidden" },
    window: {
      text: "local attention's half-width D: the window [p_t - D, p_t + D] (luong-local-m, luong-local-p)",
      default: DEFAULT_WINDOW,
    },
    "max-source": {
      text: "the longest source the location score can score (luong-location)",
      default: DEFAULT_MAX_SOURCE_LENGTH,
    },
    batch: { text: "sentence pairs per batch", default: DEFAULT_TRAINING.batchSize },
    seed: { text: "seed of the split, the initial weights and the batches", default: DEFAULT_TRAINING.seed },
    out: { value: "DIR", text: "the checkpoint directory", default: "checkpoints/KIND (KIND: the --attention)" },
    lr: { text: "Adam's learning rate", default: DEFAULT_TRAINING.learningRate },
    "teacher-forcing": {
      text: "probability of feeding the reference word to the decoder",
      default: DEFAULT_TRAINING.teacherForcing,
    },
    "teacher-forcing-mode": {
      value: "MODE",
      text: "decide teacher forcing once per batch or at every step",
      default: DEFAULT_TRAINING.teacherForcingMode,
    },
    clip: { text: "clip the global gradient norm to this", default: DEFAULT_TRAINING.clipNorm },
    cell: { value: "CELL", text: "the recurrent cell", default: DEFAULT_MODEL.cell },
    bidirectional: { text: "a bidirectional encoder", default: DEFAULT_MODEL.bidirectional },
    "input-feeding": {
      text: "feed the attentional vector to the next decoder step (Luong)",
      default: DEFAULT_MODEL.inputFeeding,
    },
    "output-layer": {
      value: "LAYER",
      text: "Luong: what the classifier reads (attentional: tanh([c; h]·Wc); tutorial: [h; c] as it is)",
      default: "attentional",
    },
    dropout: { text: "dropout on embeddings and outputs while training", default: DEFAULT_MODEL.dropout },
    "label-smoothing": { text: "label smoothing of the loss", default: DEFAULT_TRAINING.labelSmoothing },
    "max-tokens": { text: "drop pairs with more tokens than this on a side", default: "no limit" },
    "min-freq": { text: "words seen fewer times in training become _UNK", default: 1 },
    "max-vocab": { text: "keep at most N words per language (the most frequent)", default: "no limit" },
    minutes: { text: "stop after this many minutes of training", default: DEFAULT_TRAINING.minutes },
    patience: { text: "stop after N epochs without a better validation loss", default: DEFAULT_TRAINING.patience },
    resume: { text: "continue the model in --out (then --epochs is how many more)", default: false },
    validation: { text: "fraction of the English sentences held out for validation", default: 0.1 },
    test: { text: "fraction of the English sentences held out for the test scores", default: 0.1 },
    workers: { text: "threads computing each batch's gradients", default: DEFAULT_TRAINING.workers },
    recipe: {
      value: "NAME",
      text: `a set of flags that your own flags override: ${Object.keys(RECIPES).join(", ")}`,
      default: "none",
    },
    "length-penalty": { text: "beam search's length penalty for the test scores", default: 0.6 },
    bucket: { text: "batch sentences of similar length together (less padding)", default: DEFAULT_TRAINING.bucket },
    eval: { text: "score the test split after training", default: true },
    beam: { text: "beam width for the test scores (1 = greedy)", default: 1 },
    "keep-best": { text: "save only when the validation loss improved", default: DEFAULT_TRAINING.keepBest },
    decay: {
      text: "multiply the learning rate by this after an epoch without improvement",
      default: DEFAULT_TRAINING.decayOnPlateau,
    },
    anneal: { text: "lower the rate to 5% over this last fraction of --minutes", default: DEFAULT_TRAINING.anneal },
    overwrite: { text: "replace the trained model in --out with a new one", default: false },
  },
};

/** The training options a user can give on the command line, by flag name (the others: `DEFAULT_TRAINING`). */
const TRAINING_FLAGS: Record<string, keyof TrainOptions> = {
  epochs: "epochs",
  batch: "batchSize",
  lr: "learningRate",
  clip: "clipNorm",
  "teacher-forcing": "teacherForcing",
  "teacher-forcing-mode": "teacherForcingMode",
  "label-smoothing": "labelSmoothing",
  bucket: "bucket",
  seed: "seed",
  patience: "patience",
  minutes: "minutes",
  "keep-best": "keepBest",
  decay: "decayOnPlateau",
  anneal: "anneal",
  workers: "workers",
};

/** The settings the flags give, by the library's names (flags not given are left to the library's defaults). */
function settingsFrom<K extends string>(flags: TrainFlags, names: Record<string, K>): Partial<Record<K, never>> {
  const byName: Record<string, unknown> = flags;
  return Object.fromEntries(
    Object.entries(names)
      .filter(([flag]) => byName[flag] !== undefined)
      .map(([flag, key]) => [key, byName[flag]]),
  ) as Partial<Record<K, never>>;
}

/**
 * The model settings the flags give, with the default attention for a new model (a run that resumes takes
 * the checkpoint's), so that `--window 3` alone is refused as `--attention luong-local-m --window 3` is not.
 */
function modelSettings(flags: TrainFlags): Partial<Seq2SeqConfig> {
  const given = settingsFrom(flags, MODEL_FLAGS) as Partial<Seq2SeqConfig>;
  return flags.resume ? given : { attention: DEFAULT_MODEL.attention, ...given };
}

/** `--attention luong-dot with --bidirectional`: the flags of a rule's fields, with their values. */
function flagsOf(flags: TrainFlags, fields: readonly string[], names: Record<string, string>): string {
  const byName: Record<string, unknown> = flags;
  return fields
    .map((field) => Object.keys(names).find((flag) => names[flag] === field)!)
    .filter((flag) => byName[flag] !== undefined)
    .map((flag) => (byName[flag] === true ? `--${flag}` : `--${flag} ${String(byName[flag])}`))
    .join(" with ");
}

/** The flags with the recipe's filled in, every value checked against its range and with the others. */
function readFlags(argv: string[]): { flags: TrainFlags; recipeName?: string } {
  const given = parseArgs(argv, TRAIN_FLAGS, TRAIN_HELP);
  const recipeName = given.recipe;
  if (recipeName !== undefined && !RECIPES[recipeName])
    throw new UsageError(`unknown recipe "${recipeName}": use one of ${Object.keys(RECIPES).join(", ")}`);
  const flags: TrainFlags = { ...(recipeName ? RECIPES[recipeName] : {}), ...given };
  if (flags._.length) throw new UsageError(`unexpected argument ${JSON.stringify(flags._[0])}`);
  if (flags.attention !== undefined && !(CLI_KINDS as readonly string[]).includes(flags.attention)) {
    throw new UsageError(`unknown attention kind "${flags.attention}": use one of ${CLI_KINDS.join(", ")}`);
  }
  checkFlags(flags, TRAIN_RULES);
  const validation = flags.validation ?? DEFAULT_SPLIT.validation,
    test = flags.test ?? DEFAULT_SPLIT.test;
  if (validation + test >= 1)
    throw new UsageError(
      `--validation ${validation} and --test ${test} leave nothing to train on: their sum must be below 1`,
    );
  // The library's rules between options and between model settings, said in flags.
  for (const [rules, names] of [
    [brokenTrainingRules(settingsFrom(flags, TRAINING_FLAGS)), TRAINING_FLAGS],
    [brokenModelRules(modelSettings(flags)), MODEL_FLAGS],
  ] as Array<[Array<{ fields: readonly string[]; why: string }>, Record<string, string>]>) {
    const rule = rules[0];
    if (rule) throw new UsageError(`${flagsOf(flags, rule.fields, names)}: ${rule.why}`);
  }
  if (flags.resume && flags.overwrite) throw new UsageError("--resume and --overwrite contradict each other: use one");
  return { flags, recipeName };
}

/**
 * Checks --out before any work: a directory (or a path where one can be made) that is writable, and
 * one that does not hold a model this run would replace without being asked to.
 */
function checkOut(out: string, resume: boolean, overwrite: boolean): void {
  checkWritableDir("--out", out);
  if (resume) {
    if (!hasCheckpoint(out))
      throw new UsageError(
        `--resume: no checkpoint in --out ${out} to resume (train without --resume to start one there)`,
      );
    return;
  }
  if (hasCheckpoint(out) && !overwrite) {
    throw new UsageError(
      `--out ${out} already holds a trained model: add --resume to continue it, or --overwrite to replace it with a new one`,
    );
  }
  const foreign = fs.existsSync(out) ? fs.readdirSync(out).filter((f) => !isCheckpointEntry(f)) : [];
  if (foreign.length)
    throw new UsageError(
      `--out ${out} is a directory with other files (${foreign.slice(0, 3).join(", ")}); give a new or empty directory`,
    );
}

/**
 * Takes --out's lock for the rest of the process; on exit, the lock goes, and so does the directory
 * when this run made it and left nothing in it (a run refused after the lock leaves no trace).
 */
function lockOut(out: string): () => void {
  const created = !fs.existsSync(out);
  const release = acquireLock(out);
  process.on("exit", () => {
    release();
    if (created && fs.existsSync(out) && fs.readdirSync(out).length === 0) fs.rmdirSync(out);
  });
  return release;
}

/** The model flags the user (or the recipe) set, by flag name. */
function givenModelFlags(flags: TrainFlags): Record<string, unknown> {
  const byName: Record<string, unknown> = flags;
  return Object.fromEntries(
    Object.keys(MODEL_FLAGS)
      .filter((f) => byName[f] !== undefined)
      .map((f) => [f, byName[f]]),
  );
}

/** Loads the checkpoint to resume and refuses, naming each mismatch, when the flags or data differ. */
function loadForResume(out: string, flags: TrainFlags, data: PreparedData): LoadedCheckpoint {
  const restored = loadCheckpoint(out);
  const mismatches = resumeMismatches(restored, givenModelFlags(flags), {
    fingerprint: dataFingerprint(data),
    sourceVocab: data.sourceVocab,
    targetVocab: data.targetVocab,
  });
  if (mismatches.length) {
    restored.model.dispose();
    throw new UsageError(`--resume: ${out} does not match this run: ${mismatches.join("; ")}`);
  }
  return restored;
}

/** What prepareData reads, from the flags (recorded in the checkpoint, so a resume can check it). */
function dataOptionsOf(flags: TrainFlags): DataOptions {
  return {
    file: flags.data,
    pairs: flags.pairs,
    maxTokens: flags["max-tokens"],
    minFreq: flags["min-freq"],
    maxVocab: flags["max-vocab"],
    seed: flags.seed ?? DEFAULT_SPLIT.seed,
    validation: flags.validation,
    test: flags.test,
  };
}

/** The model to train: the checkpoint in --out on --resume (after checking it), else a new one from the flags. */
function modelFor(
  flags: TrainFlags,
  data: PreparedData,
  out: string,
  epochs: number,
): { translationModel: TranslationModel; restored?: LoadedCheckpoint } {
  if (!flags.resume) {
    const translationModel = createModel(data, {
      ...settingsFrom(flags, MODEL_FLAGS),
      ...(flags.seed === undefined ? {} : { seed: flags.seed }),
    });
    return { translationModel };
  }
  const restored = loadForResume(out, flags, data);
  const rate =
    flags.lr !== undefined
      ? `${flags.lr} (--lr)`
      : `${restored.learningRate ?? DEFAULT_TRAINING.learningRate} (the checkpoint's)`;
  process.stderr.write(`${resumeNotice(out, restored.training?.epoch ?? 0, epochs)}, learning rate ${rate}\n`);
  return { translationModel: restored, restored };
}

/** The trainer, its options from the flags, saving to --out. */
function trainerFor(
  translationModel: TranslationModel,
  data: PreparedData,
  flags: TrainFlags,
  out: string,
  epochs: number,
): Trainer {
  return new Trainer(translationModel, data, { ...settingsFrom(flags, TRAINING_FLAGS), epochs, checkpointDir: out });
}

/** Test-split scores of the checkpoint that was saved (the best one with --keep-best), for the final JSON line. */
function testScores(
  flags: TrainFlags,
  translationModel: TranslationModel,
  data: PreparedData,
  out: string,
): Record<string, unknown> {
  const best = flags["keep-best"] ? loadCheckpoint(out) : translationModel;
  const evalStart = Date.now();
  const ev = evaluatePairs(best, data.splits.test, { beam: flags.beam ?? 1, lengthPenalty: flags["length-penalty"] });
  if (best !== translationModel) best.model.dispose();
  return {
    beam: flags.beam ?? 1,
    testBleu: ev.bleu,
    testBleuLowercase: ev.bleuLowercase,
    testChrf: ev.chrf,
    testChrfLowercase: ev.chrfLowercase,
    testSentences: ev.sentences,
    evaluationSeconds: Number(((Date.now() - evalStart) / 1000).toFixed(1)),
  };
}

async function main(): Promise<void> {
  const { flags, recipeName } = readFlags(process.argv.slice(2));
  if (flags.data !== undefined) checkReadableFile("--data", flags.data);
  const out = flags.out ?? `checkpoints/${flags.attention ?? DEFAULT_MODEL.attention}`;
  checkOut(out, Boolean(flags.resume), Boolean(flags.overwrite));
  const dataOptions = dataOptionsOf(flags);
  const data = prepareData(dataOptions); // read and validated before anything is written
  // One writer per checkpoint directory: a second run on the same --out stops here, before training.
  const release = lockOut(out);
  const backend = await ready();
  const epochs = flags.epochs ?? DEFAULT_TRAINING.epochs;
  const { translationModel, restored } = modelFor(flags, data, out, epochs);
  const trainer = trainerFor(translationModel, data, flags, out, epochs);
  trainer.extraState = { data: dataOptions, dataFingerprint: dataFingerprint(data) };
  // The checkpoint's learning rate (decayed, perhaps) continues, unless --lr says otherwise.
  if (restored) {
    const rate = flags.lr === undefined ? restored.learningRate : undefined;
    await trainer.restore(restored.training, restored.optimizerWeights, rate);
  }
  const bar = progressBar();
  trainer.onBatch = bar.onBatch;
  trainer.onEpoch = bar.onEpoch;
  const result = await trainer.train(); // Ctrl-C stops after the current batch and still saves
  // Stopped before a single batch: a new model is saved so --out holds one; a resumed one is left as it was.
  if (result.epochs.length === 0 && !restored) await trainer.save(out);
  const last = result.epochs[result.epochs.length - 1];
  const summary: Record<string, unknown> = {
    attention: translationModel.model.config.attention,
    backend: backendReport()?.choice ?? backend.choice,
    data: data.file,
    pairs: data.counts,
    epochs: trainer.epoch,
    stoppedBy: result.stoppedBy,
    trainLoss: last?.trainLoss,
    validationLoss: last?.validationLoss,
    lossPerEpoch: result.epochs.map((e) => Number(e.trainLoss.toFixed(4))),
    seconds: Number(result.seconds.toFixed(1)),
    out,
  };
  if (flags.eval !== false && data.splits.test.length > 0) {
    Object.assign(
      summary,
      { recipe: recipeName, bestValidationLoss: result.bestValidationLoss },
      testScores(flags, translationModel, data, out),
    );
  }
  trainer.dispose();
  release();
  console.log(JSON.stringify(summary));
}

// Run as a command; imported (by the tests), it only exports its flags, ranges and help.
if (require.main === module) main().catch(fail);
