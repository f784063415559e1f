/**
 * Backend choice: the library runs on the fastest TensorFlow.js backend that loads here.
 *
 * Order: `tensorflow` from @tensorflow/tfjs-node-gpu (CUDA; only where a CUDA device is visible, ./gpu),
 * `tensorflow` from @tensorflow/tfjs-node
 * (native CPU), `wasm` (with the training kernels of ./wasm-kernels), then `cpu` (pure JavaScript).
 * `TFJS_BACKEND=<name>` forces one of `tfjs-node-gpu`, `tfjs-node`, `wasm`, `cpu`.
 */
import * as tf from "@tensorflow/tfjs";
import { registerWasmKernels, wasmPatches } from "./wasm-kernels";
import { describeFusedKernels, fusedKernelsActive, registerFusedKernels } from "./fused";
import { blasRequest, defaultThreads, describeMatrixProduct, nativeKernels } from "./native";
import { cudaDevices } from "./gpu";

export { matrixProduct, describeMatrixProduct } from "./native";
export type { MatrixProduct } from "./native";

export type BackendChoice = "tfjs-node-gpu" | "tfjs-node" | "wasm" | "cpu";
export const BACKEND_ORDER: readonly BackendChoice[] = ["tfjs-node-gpu", "tfjs-node", "wasm", "cpu"];

export interface BackendAttempt {
  choice: BackendChoice;
  ok: boolean;
  /** Why it was skipped (when ok is false) or what was loaded. */
  reason: string;
}

export interface BackendReport {
  /** The choice that is active, e.g. "wasm". */
  choice: BackendChoice;
  /** tfjs's own name for the active backend: "tensorflow", "wasm" or "cpu". */
  tfBackend: string;
  /** Set when TFJS_BACKEND (or the `force` option) picked the backend. */
  forcedBy?: string;
  attempts: BackendAttempt[];
  wasmKernels?: typeof wasmPatches;
  /** wasm: whether the native fused kernels are in use (and why not). */
  fusedKernels?: string;
  /** wasm with the native addon: its matrix product (OpenBLAS or the portable one) and why. */
  matrixProducts?: string;
}

let report: BackendReport | undefined;
let pending: Promise<BackendReport> | undefined;

function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split("\n")[0];
}

/** Registers `tensorflow` from a native package; throws with the reason it cannot. */
function loadNative(pkg: string): void {
  // danfojs-node's install maps @tensorflow/tfjs-node to plain tfjs (see package.json overrides); loading
  // that stand-in would only register a second copy of tfjs's ops, so it is recognised and skipped.
  let manifest: { name?: string; version?: string } | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional package's manifest, read only when installed
    manifest = require(`${pkg}/package.json`);
  } catch {
    throw new Error(`${pkg} is not installed`);
  }
  if (manifest?.name !== pkg) {
    throw new Error(
      `${pkg} is a stand-in for ${manifest?.name}@${manifest?.version} (npm overrides for danfojs-node), not the native binding`,
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional backend package, loaded only when installed
  require(pkg);
  // danfojs-node's install maps @tensorflow/tfjs-node to plain tfjs (see package.json overrides):
  // a require that succeeds is not enough, the native backend must have registered itself.
  if (!tf.findBackendFactory("tensorflow")) {
    throw new Error(`${pkg} loaded but registered no native 'tensorflow' backend (it is a stand-in)`);
  }
}

async function tryChoice(choice: BackendChoice): Promise<string> {
  switch (choice) {
    case "tfjs-node-gpu":
    case "tfjs-node": {
      const pkg = choice === "tfjs-node-gpu" ? "@tensorflow/tfjs-node-gpu" : "@tensorflow/tfjs-node";
      const gpus = choice === "tfjs-node-gpu" ? cudaDevices() : undefined;
      if (gpus && !gpus.visible) throw new Error(`${gpus.reason}: the GPU backend is not chosen`);
      loadNative(pkg);
      if (!(await tf.setBackend("tensorflow"))) throw new Error(`tf.setBackend('tensorflow') failed`);
      return `native TensorFlow from ${pkg}`;
    }
    case "wasm": {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- registers the wasm backend only when it is chosen
      require("@tensorflow/tfjs-backend-wasm");
      registerWasmKernels();
      registerFusedKernels();
      if (!(await tf.setBackend("wasm"))) throw new Error(`tf.setBackend('wasm') failed`);
      const products = nativeKernels() ? `; ${describeMatrixProduct()}` : "";
      return `WebAssembly (SIMD) with the workbook's UnsortedSegmentSum and BatchMatMul kernels; ${describeFusedKernels()}${products}`;
    }
    case "cpu": {
      if (!(await tf.setBackend("cpu"))) throw new Error(`tf.setBackend('cpu') failed`);
      return "pure JavaScript (slowest)";
    }
  }
}

function parseChoice(value: string, source: string): BackendChoice {
  const v = value.trim().toLowerCase();
  const alias: Record<string, BackendChoice> = { gpu: "tfjs-node-gpu", node: "tfjs-node", tensorflow: "tfjs-node" };
  const choice = (alias[v] ?? v) as BackendChoice;
  if (!BACKEND_ORDER.includes(choice)) {
    throw new Error(`${source}=${value}: unknown backend; use one of ${BACKEND_ORDER.join(", ")}`);
  }
  return choice;
}

/**
 * Picks and activates the backend once (later calls return the same report).
 * `force` (or the environment variable TFJS_BACKEND) selects one backend; a forced backend that
 * cannot load is an error, not a silent fallback.
 */
export function initBackend(options: { force?: string } = {}): Promise<BackendReport> {
  if (report && !options.force) return Promise.resolve(report);
  if (pending && !options.force) return pending;
  const forcedValue = options.force ?? process.env.TFJS_BACKEND;
  const forcedBy = options.force ? "initBackend({force})" : forcedValue ? "TFJS_BACKEND" : undefined;
  const run = async (): Promise<BackendReport> => {
    defaultThreads(); // WORKBOOK_THREADS is checked first: a bad value stops here with its own message
    blasRequest(); // and WORKBOOK_BLAS
    const attempts: BackendAttempt[] = [];
    const candidates = forcedValue ? [parseChoice(forcedValue, forcedBy!)] : BACKEND_ORDER;
    for (const choice of candidates) {
      try {
        const what = await tryChoice(choice);
        attempts.push({ choice, ok: true, reason: what });
        await tf.ready();
        report = {
          choice,
          tfBackend: tf.getBackend(),
          forcedBy,
          attempts,
          wasmKernels: choice === "wasm" ? { ...wasmPatches } : undefined,
          fusedKernels: choice === "wasm" ? describeFusedKernels() : undefined,
          matrixProducts: choice === "wasm" && nativeKernels() ? describeMatrixProduct() : undefined,
        };
        return report;
      } catch (e) {
        attempts.push({ choice, ok: false, reason: errorText(e) });
      }
    }
    const lines = attempts.map((a) => `  ${a.choice}: ${a.reason}`).join("\n");
    throw new Error(`No TensorFlow.js backend could be started:\n${lines}`);
  };
  pending = run().finally(() => (pending = undefined));
  return pending;
}

/** Waits until the library's backend is ready; every training or decoding entry point calls it. */
export async function ready(): Promise<BackendReport> {
  return initBackend();
}

/** The active backend and why faster ones were skipped; undefined before `ready()`. */
export function backendReport(): BackendReport | undefined {
  return report;
}

/** One line per attempt, for notebooks and CLI logs. */
export function describeBackend(r: BackendReport | undefined = report): string {
  if (!r) return "backend not initialised yet: await ready()";
  const head = `active backend: ${r.choice} (tf.getBackend() = '${r.tfBackend}')${r.forcedBy ? `, forced by ${r.forcedBy}` : ""}`;
  const skipped = r.attempts.filter((a) => !a.ok).map((a) => `  skipped ${a.choice}: ${a.reason}`);
  const lines = [r.fusedKernels, r.matrixProducts].filter((x): x is string => !!x).map((x) => `  ${x}`);
  // What a model built now runs (it picks once, when built: models/fast.ts; `describeKernels` part by part).
  const models = fusedKernelsActive()
    ? "  models built now run the notebooks' formulas as native kernels: LSTM, additive score, loss, guesses, Adam (src/models/fast.ts)"
    : "  models built now run the notebooks' formulas as tfjs ops";
  return [head, ...lines, models, ...skipped].join("\n");
}
