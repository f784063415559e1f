/** Shared helpers for the tests: backends, random inputs, closeness and leak checks. */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import {
  tf,
  Random,
  Seq2Seq,
  batchTensors,
  loadCheckpoint,
  loadPairs,
  translateAll,
  corpusBleu,
} from "attention-workbook";
import type { Batch, Seq2SeqConfig, TranslationModel, Translation } from "attention-workbook";
import { registerWasmKernels, registerFusedKernels } from "attention-workbook/backend";

let wasmLoaded = false;

/** Activates `name` ("cpu" or "wasm", the latter with the workbook's kernels). */
export async function useBackend(name: "cpu" | "wasm"): Promise<void> {
  if (name === "wasm" && !wasmLoaded) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- registers the wasm backend only for the tests that use it
    require("@tensorflow/tfjs-backend-wasm");
    registerWasmKernels();
    registerFusedKernels();
    wasmLoaded = true;
  }
  const ok = await tf.setBackend(name);
  assert.ok(ok, `could not activate backend ${name}`);
  await tf.ready();
  assert.equal(tf.getBackend(), name);
}

export const BACKENDS: Array<"cpu" | "wasm"> = ["cpu", "wasm"];

export function randomValues(rng: Random, n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-scale, scale);
  return out;
}

export function randomTensor(rng: Random, shape: number[], scale = 1): tf.Tensor {
  return tf.tensor(
    randomValues(
      rng,
      shape.reduce((a, b) => a * b, 1),
      scale,
    ),
    shape,
  );
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= tol * Math.max(1, Math.abs(expected[i])))) {
      assert.fail(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (|diff| ${d} > ${tol})`);
    }
  }
}

/** Runs `fn` and asserts that it leaves no tensor behind. */
export async function assertNoLeak<T>(what: string, fn: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  const after = tf.memory().numTensors;
  assert.equal(after, before, `${what}: numTensors ${before} -> ${after}`);
  return out;
}

/** A new temporary folder. */
export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** What a CLI run left: its exit status, output, and its last stdout line parsed as JSON ({} if it is not). */
export interface CliRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  json: Record<string, unknown>;
}

/**
 * Runs `dist/cli/<script>` with the backend left to its choice, in `cwd` (by default the checkout);
 * `timeoutMs` kills it.
 */
export function cli(script: string, args: string[], timeoutMs?: number, cwd?: string): CliRun {
  const root = path.resolve(__dirname, "..");
  const r = spawnSync(process.execPath, [path.join(root, "dist/cli", script), ...args], {
    cwd: cwd ?? root,
    encoding: "utf8",
    timeout: timeoutMs,
    env: { ...process.env, TFJS_BACKEND: "" },
  });
  let json = {};
  try {
    json = JSON.parse(r.stdout.trim().split("\n").pop() ?? "");
  } catch {
    /* not JSON */
  }
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, json };
}

/** The loss of one training batch and the gradient of every weight, as plain numbers: a model built on the current backend. */
export function lossAndGradients(
  config: Seq2SeqConfig,
  batch: Batch,
  options: Parameters<Seq2Seq["loss"]>[1],
): number[] {
  return tf.tidy(() => {
    const model = new Seq2Seq(config);
    const { value, grads } = tf.variableGrads(
      () => model.loss(batchTensors(batch), options),
      model.trainableVariables(),
    );
    const out = [
      value.dataSync()[0],
      ...Object.values(model.namedVariables()).flatMap((v) => Array.from(grads[v.name].dataSync())),
    ];
    model.dispose();
    return out;
  });
}

/** The first 20 pairs of the built-in corpus, written to a new temporary file: the data of the overfitting checks. */
export function twentyPairsFile(prefix: string): string {
  const root = path.resolve(__dirname, "..");
  const file = path.join(tmpDir(prefix), "pairs20.tsv");
  const lines = fs.readFileSync(path.join(root, "data/default-corpus.tsv"), "utf8").split("\n").slice(0, 20);
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

/** What `overfitTwentyPairs` left: the CLI run, the model loaded on wasm, and its translations of the 20 pairs. */
export interface Overfit {
  run: CliRun;
  translationModel: TranslationModel;
  pairs: Array<{ english: string; german: string }>;
  translations: Translation[];
  /** Corpus BLEU of the translations against the 20 references. */
  bleu: number;
}

/**
 * The command line's overfitting check: trains on the 20 pairs of `file` with `flags` (no held-out split, 80
 * epochs of one batch of 20, hidden 64, embedding 32, learning rate 0.01), loads the checkpoint on wasm and
 * translates the 20 English sentences back. The caller disposes `translationModel`.
 */
export async function overfitTwentyPairs(file: string, flags: string[]): Promise<Overfit> {
  const out = tmpDir("wb-overfit-");
  const run = cli("train.js", [
    ...flags,
    ...["--data", file, "--validation", "0", "--test", "0", "--epochs", "80", "--batch", "20"],
    ...["--hidden", "64", "--embedding", "32", "--lr", "0.01", "--out", out, "--no-eval"],
  ]);
  assert.equal(run.status, 0, run.stderr);
  await useBackend("wasm");
  const translationModel = loadCheckpoint(out);
  const { pairs } = loadPairs(file);
  const translations = translateAll(
    translationModel,
    pairs.map((p) => p.english),
  );
  const bleu = corpusBleu(
    translations.map((t) => t.text),
    pairs.map((p) => [p.german]),
  ).score;
  return { run, translationModel, pairs, translations, bleu };
}
