/**
 * Checkpoints: a directory with the model config, both vocabularies and the weights (JSON + binary),
 * written with plain Node `fs` (no tfjs-node) and atomically:
 *
 *   DIR/LATEST            the name of the current version, e.g. "v000004"
 *   DIR/v000004/config.json, source-vocab.json, target-vocab.json, weights.bin[, optimizer.bin]
 *
 * A save writes a new version directory completely, then replaces LATEST by a rename (atomic), then
 * removes older versions. A crash at any point leaves LATEST naming a complete version. A save holds the
 * directory's lock (see ./lock): a second process writing the same directory is refused, not interleaved.
 *
 * Loading validates before it allocates: the config's sizes within LIMITS, every weight's offset and
 * length inside weights.bin, the model's size against the bytes there, and finite values; an error names
 * the file and the field. Adam's state is read and checked, but becomes tensors only when asked for.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Seq2Seq, Seq2SeqConfig } from "../models/seq2seq";
import { checkModelConfig } from "../models/config";
import { checkValue, num } from "../util/validate";
import { withLock, LOCK_FILE } from "./lock";
import {
  checkTensorEntries,
  NamedTensor,
  NamedValues,
  packTensors,
  readValues,
  TensorEntry,
  toTensors,
} from "./tensor-codec";

import { Vocabulary } from "../data/vocab";
import { Truecaser } from "../data/truecase";
import type { TranslationModel } from "../models/translation-model";

export type { NamedTensor } from "./tensor-codec";
export { checkTensorEntries } from "./tensor-codec";

export const CHECKPOINT_FORMAT = "attention-workbook/checkpoint@1";

export interface TrainingState {
  epoch: number;
  step: number;
  history: Array<Record<string, number>>;
  bestValidationLoss?: number;
  [key: string]: unknown;
}

interface CheckpointConfig {
  format: string;
  createdAt: string;
  model: Seq2SeqConfig;
  tokenize: { lowercase?: boolean };
  weights: TensorEntry[];
  optimizer?: { learningRate: number; weights: TensorEntry[] };
  training?: TrainingState;
}

export interface SaveOptions {
  training?: TrainingState;
  optimizer?: tf.AdamOptimizer;
  learningRate?: number;
  /** For tests: called after the new version is written and before LATEST switches to it. */
  beforeCommit?: () => void;
}

export interface LoadedCheckpoint extends TranslationModel {
  dir: string;
  version: string;
  training?: TrainingState;
  /**
   * Adam's state in the order of `optimizer.getWeights()`, when it was saved. The tensors are made on
   * first access (a checkpoint loaded to translate allocates none); `Trainer.restore` copies and then
   * disposes them.
   */
  optimizerWeights?: NamedTensor[];
  learningRate?: number;
}

function writeFileSynced(file: string, data: string | Uint8Array): void {
  const fd = fs.openSync(file, "w");
  try {
    fs.writeSync(fd, data as Uint8Array);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function versions(dir: string): string[] {
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => /^v\d{6}$/.test(f))
        .sort()
    : [];
}

/** True for the names a checkpoint directory holds (versions, LATEST, the lock and their temporary files). */
export function isCheckpointEntry(name: string): boolean {
  return (
    /^v\d{6}$/.test(name) || /^LATEST(\.tmp-\d+)?$/.test(name) || name === LOCK_FILE || name.startsWith(`${LOCK_FILE}.`)
  );
}

/**
 * Saves a model, its vocabularies and (optionally) the training and optimizer state, holding the
 * directory's lock (a `LockedError` when another live process holds it).
 */
export function saveCheckpoint(
  dir: string,
  translationModel: TranslationModel,
  options: SaveOptions = {},
): Promise<string> {
  return withLock(dir, () => writeVersion(dir, translationModel, options));
}

/** Writes a new version, switches LATEST to it, and removes the others (the caller holds the lock). */
async function writeVersion(dir: string, translationModel: TranslationModel, options: SaveOptions): Promise<string> {
  const existing = versions(dir);
  const last = existing.length ? Number(existing[existing.length - 1].slice(1)) : 0;
  const version = `v${String(last + 1).padStart(6, "0")}`;
  const target = path.join(dir, version);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target);
  const weights = packTensors(
    Object.entries(translationModel.model.namedVariables()).map(([name, tensor]) => ({ name, tensor })),
  );
  const config: CheckpointConfig = {
    format: CHECKPOINT_FORMAT,
    createdAt: new Date().toISOString(),
    model: translationModel.model.config,
    tokenize: translationModel.tokenizeOptions,
    weights: weights.entries,
    training: options.training,
  };
  writeFileSynced(path.join(target, "weights.bin"), weights.bytes);
  if (options.optimizer) {
    const named = await options.optimizer.getWeights();
    const packed = packTensors(named.map((n) => ({ name: n.name, tensor: n.tensor })));
    // getWeights() makes a fresh scalar for the step count; the rest are the optimizer's own variables.
    tf.dispose(named.filter((n) => !(n.tensor instanceof tf.Variable)).map((n) => n.tensor));
    writeFileSynced(path.join(target, "optimizer.bin"), packed.bytes);
    config.optimizer = { learningRate: options.learningRate ?? 0, weights: packed.entries };
  }
  writeFileSynced(path.join(target, "source-vocab.json"), JSON.stringify(translationModel.sourceVocab.toJSON()));
  writeFileSynced(path.join(target, "target-vocab.json"), JSON.stringify(translationModel.targetVocab.toJSON()));
  if (translationModel.truecaser)
    writeFileSynced(path.join(target, "truecaser.json"), JSON.stringify(translationModel.truecaser.toJSON()));
  writeFileSynced(path.join(target, "config.json"), JSON.stringify(config, null, 1));
  options.beforeCommit?.();
  const tmp = path.join(dir, `LATEST.tmp-${process.pid}`);
  writeFileSynced(tmp, `${version}\n`);
  fs.renameSync(tmp, path.join(dir, "LATEST"));
  for (const old of versions(dir))
    if (old !== version) fs.rmSync(path.join(dir, old), { recursive: true, force: true });
  for (const f of fs.readdirSync(dir)) if (/^LATEST\.tmp-\d+$/.test(f)) fs.rmSync(path.join(dir, f), { force: true });
  return path.join(dir, version);
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new Error(`checkpoint: missing ${what} (${file})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`checkpoint: ${file} is not valid JSON (${(e as Error).message})`);
  }
}

/** True when `dir` holds a checkpoint. */
export function hasCheckpoint(dir: string): boolean {
  return fs.existsSync(path.join(dir, "LATEST"));
}

/**
 * The fewest weights a model of this config can have (embeddings, the classifier, two recurrent
 * matrices): a config that needs more than weights.bin holds is refused before the model is built.
 */
export function minimumWeights(c: Seq2SeqConfig): number {
  const gates = c.cell === "gru" ? 3 : 4;
  return (
    (c.sourceVocabSize + c.targetVocabSize) * c.embeddingSize +
    c.targetVocabSize * c.hiddenSize +
    2 * gates * c.hiddenSize * c.hiddenSize
  );
}

/** Reads a file of a version, naming it when it is missing. */
function readBytes(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch {
    throw new Error(`checkpoint: missing ${what} (${file})`);
  }
}

/** Throws when `dir` is not a checkpoint directory at all (before reading any of it). */
export function checkCheckpointExists(dir: string): void {
  if (!fs.existsSync(dir)) throw new Error(`no checkpoint at ${dir}: the directory does not exist`);
  if (!fs.existsSync(path.join(dir, "LATEST")))
    throw new Error(`no checkpoint at ${dir}: no LATEST file (was it saved by this workbook?)`);
}

/** Loads a checkpoint; a missing or corrupt one gets an error that says what is wrong and where. */
export function loadCheckpoint(dir: string): LoadedCheckpoint {
  checkCheckpointExists(dir);
  // A run may be saving meanwhile: when the version being read is replaced (LATEST moved on and the old
  // one was removed), read the new one.
  for (let attempt = 1; ; attempt++) {
    const version = latestVersion(dir);
    try {
      return loadVersion(dir, version);
    } catch (e) {
      if (attempt >= 5 || latestVersion(dir) === version) throw e;
    }
  }
}

/** The version LATEST names ("" when it is gone). */
export function latestVersion(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, "LATEST"), "utf8").trim();
  } catch {
    return "";
  }
}

/** Loads one version of a checkpoint, validating everything before the model is built. */
function loadVersion(dir: string, version: string): LoadedCheckpoint {
  const vdir = path.join(dir, version);
  if (!/^v\d{6}$/.test(version) || !fs.existsSync(vdir))
    throw new Error(`checkpoint ${dir}: LATEST names "${version}", which is not there`);
  const { config, modelConfig } = readConfig(vdir);
  const { sourceVocab, targetVocab } = readVocabularies(vdir, modelConfig);
  const weightsFile = path.join(vdir, "weights.bin");
  const values = readWeights(vdir, config, modelConfig);
  const optimizerValues = readOptimizer(config, vdir);
  const truecaseFile = path.join(vdir, "truecaser.json");
  const truecaser = fs.existsSync(truecaseFile)
    ? Truecaser.fromJSON(readJson(truecaseFile, "truecaser.json"), truecaseFile)
    : undefined;
  const loaded: LoadedCheckpoint = {
    dir,
    version,
    model: buildModel(modelConfig, values, weightsFile),
    sourceVocab,
    targetVocab,
    tokenizeOptions: config.tokenize,
    truecaser,
    training: config.training,
    learningRate: config.optimizer?.learningRate,
  };
  if (optimizerValues) defineLazyOptimizer(loaded, optimizerValues);
  return loaded;
}

/** A version's config.json, its format and its model section checked. */
function readConfig(vdir: string): { config: CheckpointConfig; modelConfig: Seq2SeqConfig } {
  const configFile = path.join(vdir, "config.json");
  const config = readJson(configFile, "config.json") as CheckpointConfig;
  if (!config || config.format !== CHECKPOINT_FORMAT)
    throw new Error(`checkpoint ${configFile}: format "${config?.format}", expected "${CHECKPOINT_FORMAT}"`);
  return { config, modelConfig: checkModelConfig(config.model, { where: `checkpoint ${configFile}`, strict: true }) };
}

/** Both vocabularies of a version, each of the size the model says. */
function readVocabularies(
  vdir: string,
  modelConfig: Seq2SeqConfig,
): { sourceVocab: Vocabulary; targetVocab: Vocabulary } {
  const read = (name: string) => Vocabulary.fromJSON(readJson(path.join(vdir, name), name), `${vdir}/${name}`);
  const sourceVocab = read("source-vocab.json");
  const targetVocab = read("target-vocab.json");
  if (sourceVocab.size !== modelConfig.sourceVocabSize || targetVocab.size !== modelConfig.targetVocabSize) {
    throw new Error(
      `checkpoint ${vdir}: vocabulary sizes ${sourceVocab.size}/${targetVocab.size} do not match the model's ${modelConfig.sourceVocabSize}/${modelConfig.targetVocabSize}`,
    );
  }
  return { sourceVocab, targetVocab };
}

/** The weights' values, after checking weights.bin's entries against its size and the model's minimum. */
function readWeights(vdir: string, config: CheckpointConfig, modelConfig: Seq2SeqConfig): NamedValues[] {
  const configFile = path.join(vdir, "config.json");
  const weightsFile = path.join(vdir, "weights.bin");
  const bytes = readBytes(weightsFile, "weights.bin");
  const entries = checkTensorEntries(config.weights, bytes.length, `checkpoint ${configFile}`, "weights");
  const held = entries.reduce((n, e) => n + e.length, 0);
  if (minimumWeights(modelConfig) > held) {
    throw new Error(
      `checkpoint ${configFile}: model (hiddenSize ${modelConfig.hiddenSize}, embeddingSize ${modelConfig.embeddingSize}) needs at least ${minimumWeights(modelConfig)} weights, weights.bin holds ${held}`,
    );
  }
  return readValues(entries, bytes, weightsFile);
}

/** A model of `modelConfig` holding `values` (disposed again, with the model, if they do not fit it). */
function buildModel(modelConfig: Seq2SeqConfig, values: NamedValues[], weightsFile: string): Seq2Seq {
  const model = new Seq2Seq(modelConfig);
  const tensors = toTensors(values);
  try {
    model.loadValues(Object.fromEntries(tensors.map((t) => [t.name, t.tensor])), weightsFile);
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    tf.dispose(tensors.map((t) => t.tensor));
  }
  return model;
}

/** Adam's saved state, checked like the weights (undefined when none was saved). */
function readOptimizer(config: CheckpointConfig, vdir: string): NamedValues[] | undefined {
  if (!config.optimizer) return undefined;
  const file = path.join(vdir, "optimizer.bin");
  if (!fs.existsSync(file)) return undefined;
  const bytes = fs.readFileSync(file);
  const entries = checkTensorEntries(
    config.optimizer.weights,
    bytes.length,
    `checkpoint ${path.join(vdir, "config.json")}`,
    "optimizer.weights",
  );
  checkValue(
    `checkpoint ${path.join(vdir, "config.json")}`,
    "optimizer.learningRate",
    config.optimizer.learningRate,
    num(0, 1e6),
  );
  return readValues(entries, bytes, file);
}

/** `optimizerWeights` becomes tensors on first access, once. */
function defineLazyOptimizer(loaded: LoadedCheckpoint, values: NamedValues[]): void {
  let tensors: NamedTensor[] | undefined;
  Object.defineProperty(loaded, "optimizerWeights", {
    enumerable: true,
    get: () => (tensors ??= toTensors(values)),
  });
}

/**
 * Adam's saved state must fit this model: the step count, then (once a step was taken) a first and a
 * second moment for every trainable variable, in order and of its shape (else a checkpoint of another
 * model).
 */
export function checkOptimizerState(vars: tf.Variable[], weights: NamedTensor[]): void {
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
