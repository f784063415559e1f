/**
 * The optional native addon (native/kernels.cc, built by `npm install` with node-gyp and OpenBLAS): matrix
 * products on every core and the fused training kernels, working in place on the wasm backend's memory.
 * When it was not built (no compiler, no OpenBLAS) or `WORKBOOK_NATIVE=0`, nothing changes: the library
 * runs tfjs's own wasm kernels.
 */
import * as os from "node:os";
import * as path from "node:path";

/** The addon's functions (see native/kernels.cc for each one's arguments and shapes). */
export interface NativeKernels {
  gemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: Float32Array,
    B: Float32Array,
    beta: number,
    C: Float32Array,
    batch: number,
    strideA: number,
    strideB: number,
    strideC: number,
  ): void;
  lstmForward(
    T: number,
    B: number,
    H: number,
    x: Float32Array,
    h0: Float32Array,
    c0: Float32Array,
    Wh: Float32Array,
    mask: Float32Array | null,
    out: Float32Array,
    hT: Float32Array,
    cT: Float32Array,
    gates: Float32Array,
    hs: Float32Array,
    cs: Float32Array,
  ): void;
  lstmBackward(
    T: number,
    B: number,
    H: number,
    Wh: Float32Array,
    mask: Float32Array | null,
    gates: Float32Array,
    hs: Float32Array,
    cs: Float32Array,
    dOut: Float32Array | null,
    dhT: Float32Array | null,
    dcT: Float32Array | null,
    dX: Float32Array,
    dh0: Float32Array,
    dc0: Float32Array,
    dWh: Float32Array,
    scratch: Float32Array,
  ): void;
  additiveForward(
    B: number,
    T: number,
    S: number,
    U: number,
    keys: Float32Array,
    queries: Float32Array,
    v: Float32Array,
    scores: Float32Array,
    tanh: Float32Array,
  ): void;
  additiveBackward(
    B: number,
    T: number,
    S: number,
    U: number,
    dScores: Float32Array,
    tanh: Float32Array,
    v: Float32Array,
    dKeys: Float32Array,
    dQueries: Float32Array,
    dv: Float32Array,
  ): void;
  softmaxCrossEntropy(
    N: number,
    V: number,
    logits: Float32Array,
    labels: Int32Array,
    labelSmoothing: number,
    perToken: Float32Array,
    probs: Float32Array,
  ): void;
  softmaxCrossEntropyBackward(
    N: number,
    V: number,
    probs: Float32Array,
    labels: Int32Array,
    labelSmoothing: number,
    dPerToken: Float32Array,
    dLogits: Float32Array,
  ): void;
  classifierCrossEntropy(
    N: number,
    F: number,
    V: number,
    X: Float32Array,
    W: Float32Array,
    b: Float32Array,
    labels: Int32Array,
    labelSmoothing: number,
    perToken: Float32Array,
    probs: Float32Array,
  ): void;
  classifierCrossEntropyBackward(
    N: number,
    F: number,
    V: number,
    X: Float32Array,
    W: Float32Array,
    probs: Float32Array,
    labels: Int32Array,
    labelSmoothing: number,
    dPerToken: Float32Array,
    dX: Float32Array,
    dW: Float32Array,
    db: Float32Array,
    scratch: Float32Array,
  ): void;
  adam(
    n: number,
    value: Float32Array,
    m: Float32Array,
    v: Float32Array,
    grad: Float32Array,
    scale: number,
    lr: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    oneMinusAccBeta1: number,
    oneMinusAccBeta2: number,
    outValue: Float32Array,
    outM: Float32Array,
    outV: Float32Array,
  ): void;
  sumOfSquares(x: Float32Array, n: number): number;
  luongGreedy(
    B: number,
    T: number,
    S: number,
    E: number,
    H: number,
    Hk: number,
    U: number,
    V: number,
    kind: number,
    embeddings: Float32Array,
    Wx: Float32Array,
    b: Float32Array,
    Wh: Float32Array,
    h0: Float32Array,
    c0: Float32Array,
    keys: Float32Array,
    keysProjected: Float32Array | null,
    WaQuery: Float32Array | null,
    v: Float32Array | null,
    Wa: Float32Array | null,
    maskBias: Float32Array,
    Wc: Float32Array,
    classifierW: Float32Array,
    classifierB: Float32Array,
    inputs: Int32Array,
    force: Int32Array,
    chosen: Int32Array,
  ): void;
  sumRows(rows: number, cols: number, x: Float32Array, out: Float32Array): void;
  tanh(n: number, x: Float32Array, out: Float32Array): void;
  setThreads(n: number): void;
  getThreads(): number;
}

/** Where `npm install` builds the addon. */
export const NATIVE_ADDON = path.resolve(__dirname, "../../native/build/Release/workbook_kernels.node");

let loaded: { kernels?: NativeKernels; reason: string } | undefined;

/** The addon, or undefined with the reason in `nativeStatus()`. Loaded once. */
export function nativeKernels(): NativeKernels | undefined {
  if (!loaded) {
    const threads = defaultThreads(); // a bad WORKBOOK_THREADS is an error, not a reason to fall back
    if (process.env.WORKBOOK_NATIVE === "0") {
      loaded = { reason: "switched off by WORKBOOK_NATIVE=0" };
    } else {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the native addon is a .node file found at run time
        const kernels = require(NATIVE_ADDON) as NativeKernels;
        kernels.setThreads(threads);
        loaded = {
          kernels,
          reason: `native kernels from ${path.relative(process.cwd(), NATIVE_ADDON) || NATIVE_ADDON}`,
        };
      } catch (e) {
        const msg = (e instanceof Error ? e.message : String(e)).split("\n")[0];
        loaded = {
          reason: `native kernels not built (${msg}); run \`npm run build:native\` (needs g++ and libopenblas-dev)`,
        };
      }
    }
  }
  return loaded.kernels;
}

/** Why the addon is or is not in use. */
export function nativeStatus(): string {
  nativeKernels();
  return loaded!.reason;
}

/** Threads for the native kernels: `WORKBOOK_THREADS`, else every core. */
export function defaultThreads(): number {
  const env = process.env.WORKBOOK_THREADS;
  if (env !== undefined && env !== "") {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new Error(`WORKBOOK_THREADS=${env}: must be a positive integer`);
    return n;
  }
  return os.cpus().length;
}

/** Sets the native kernels' thread count (matrix products and fused kernels); returns it. */
export function setThreads(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setThreads: thread count must be a positive integer, got ${n}`);
  const k = nativeKernels();
  if (!k) throw new Error(`setThreads: ${nativeStatus()}`);
  k.setThreads(n);
  return k.getThreads();
}

/** The native kernels' thread count (1 when the addon is not in use: wasm runs on one thread). */
export function threadCount(): number {
  return nativeKernels()?.getThreads() ?? 1;
}
