/** Shared helpers for the tests: backends, random inputs, closeness and leak checks. */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { tf, Random } from "attention-workbook";
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
