/**
 * Checkpoints: a directory with the model config, both vocabularies and the weights (JSON + binary),
 * written with plain Node `fs` (no tfjs-node) and atomically:
 *
 *   DIR/LATEST            the name of the current version, e.g. "v000004"
 *   DIR/v000004/config.json, source-vocab.json, target-vocab.json, weights.bin[, optimizer.bin]
 *
 * A save writes a new version directory completely, then replaces LATEST by a rename (atomic), then
 * removes older versions. A crash at any point leaves LATEST naming a complete version.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";

/** A named tensor, as `optimizer.getWeights()` returns them. */
export type NamedTensor = { name: string; tensor: tf.Tensor };
import { Seq2Seq, Seq2SeqConfig } from "../models/seq2seq";
import { Vocabulary } from "../data/vocab";
import { Truecaser } from "../data/truecase";
import type { TranslationModel } from "../decode/translate";

export const CHECKPOINT_FORMAT = "attention-workbook/checkpoint@1";

interface TensorEntry { name: string; shape: number[]; offset: number; length: number }

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
  /** Adam's state in the order of `optimizer.getWeights()`, when it was saved. */
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

function packTensors(named: Array<{ name: string; tensor: tf.Tensor }>): { entries: TensorEntry[]; bytes: Buffer } {
  const entries: TensorEntry[] = [];
  const parts: Buffer[] = [];
  let offset = 0;
  for (const { name, tensor } of named) {
    const values = tensor.dataSync() as Float32Array;
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    entries.push({ name, shape: tensor.shape, offset, length: data.length });
    parts.push(Buffer.from(buf));
    offset += data.byteLength;
  }
  return { entries, bytes: Buffer.concat(parts) };
}

function unpackTensors(entries: TensorEntry[], bytes: Buffer, where: string): Array<{ name: string; tensor: tf.Tensor }> {
  const total = entries.reduce((n, e) => n + e.length * 4, 0);
  if (bytes.length !== total) throw new Error(`${where}: ${bytes.length} bytes, expected ${total} (a corrupt or truncated file)`);
  return entries.map((e) => {
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (size !== e.length) throw new Error(`${where}: ${e.name} has shape [${e.shape}] but ${e.length} values`);
    const values = new Float32Array(e.length);
    Buffer.from(values.buffer).set(bytes.subarray(e.offset, e.offset + e.length * 4));
    return { name: e.name, tensor: tf.tensor(values, e.shape, "float32") };
  });
}

function versions(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^v\d{6}$/.test(f)).sort() : [];
}

/** Saves a model, its vocabularies and (optionally) the training and optimizer state. */
export async function saveCheckpoint(dir: string, tm: TranslationModel, options: SaveOptions = {}): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const existing = versions(dir);
  const last = existing.length ? Number(existing[existing.length - 1].slice(1)) : 0;
  const version = `v${String(last + 1).padStart(6, "0")}`;
  const target = path.join(dir, version);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target);
  const weights = packTensors(Object.entries(tm.model.namedVariables()).map(([name, tensor]) => ({ name, tensor })));
  const config: CheckpointConfig = {
    format: CHECKPOINT_FORMAT,
    createdAt: new Date().toISOString(),
    model: tm.model.config,
    tokenize: tm.tokenizeOptions,
    weights: weights.entries,
    training: options.training,
  };
  writeFileSynced(path.join(target, "weights.bin"), weights.bytes);
  if (options.optimizer) {
    const named = await options.optimizer.getWeights();
    const packed = packTensors(named.map((n) => ({ name: n.name, tensor: n.tensor })));
    writeFileSynced(path.join(target, "optimizer.bin"), packed.bytes);
    config.optimizer = { learningRate: options.learningRate ?? 0, weights: packed.entries };
  }
  writeFileSynced(path.join(target, "source-vocab.json"), JSON.stringify(tm.sourceVocab.toJSON()));
  writeFileSynced(path.join(target, "target-vocab.json"), JSON.stringify(tm.targetVocab.toJSON()));
  if (tm.truecaser) writeFileSynced(path.join(target, "truecaser.json"), JSON.stringify(tm.truecaser.toJSON()));
  writeFileSynced(path.join(target, "config.json"), JSON.stringify(config, null, 1));
  options.beforeCommit?.();
  const tmp = path.join(dir, `LATEST.tmp-${process.pid}`);
  writeFileSynced(tmp, `${version}\n`);
  fs.renameSync(tmp, path.join(dir, "LATEST"));
  for (const old of versions(dir)) if (old !== version) fs.rmSync(path.join(dir, old), { recursive: true, force: true });
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

/** Loads a checkpoint; a missing or corrupt one gets an error that says what is wrong and where. */
export function loadCheckpoint(dir: string): LoadedCheckpoint {
  if (!fs.existsSync(dir)) throw new Error(`no checkpoint at ${dir}: the directory does not exist`);
  const latest = path.join(dir, "LATEST");
  if (!fs.existsSync(latest)) throw new Error(`no checkpoint at ${dir}: no LATEST file (was it saved by this workbook?)`);
  const version = fs.readFileSync(latest, "utf8").trim();
  const vdir = path.join(dir, version);
  if (!/^v\d{6}$/.test(version) || !fs.existsSync(vdir)) throw new Error(`checkpoint ${dir}: LATEST names "${version}", which is not there`);
  const config = readJson(path.join(vdir, "config.json"), "config.json") as CheckpointConfig;
  if (config.format !== CHECKPOINT_FORMAT) throw new Error(`checkpoint ${vdir}/config.json: format "${config.format}", expected "${CHECKPOINT_FORMAT}"`);
  const sourceVocab = Vocabulary.fromJSON(readJson(path.join(vdir, "source-vocab.json"), "source-vocab.json"), `${vdir}/source-vocab.json`);
  const targetVocab = Vocabulary.fromJSON(readJson(path.join(vdir, "target-vocab.json"), "target-vocab.json"), `${vdir}/target-vocab.json`);
  if (sourceVocab.size !== config.model.sourceVocabSize || targetVocab.size !== config.model.targetVocabSize) {
    throw new Error(`checkpoint ${vdir}: vocabulary sizes ${sourceVocab.size}/${targetVocab.size} do not match the model's ${config.model.sourceVocabSize}/${config.model.targetVocabSize}`);
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path.join(vdir, "weights.bin"));
  } catch {
    throw new Error(`checkpoint ${vdir}: missing weights.bin`);
  }
  const tensors = unpackTensors(config.weights, bytes, `${vdir}/weights.bin`);
  const model = new Seq2Seq(config.model);
  try {
    model.loadValues(Object.fromEntries(tensors.map((t) => [t.name, t.tensor])), `${vdir}/weights.bin`);
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    tf.dispose(tensors.map((t) => t.tensor));
  }
  let optimizerWeights: NamedTensor[] | undefined;
  if (config.optimizer) {
    const file = path.join(vdir, "optimizer.bin");
    if (fs.existsSync(file)) optimizerWeights = unpackTensors(config.optimizer.weights, fs.readFileSync(file), file);
  }
  const truecaseFile = path.join(vdir, "truecaser.json");
  const truecaser = fs.existsSync(truecaseFile) ? Truecaser.fromJSON(readJson(truecaseFile, "truecaser.json"), truecaseFile) : undefined;
  return { dir, version, model, sourceVocab, targetVocab, tokenizeOptions: config.tokenize, truecaser, training: config.training, optimizerWeights, learningRate: config.optimizer?.learningRate };
}
