/**
 * The optional native addon (native/kernels.cc, built by `npm install` with node-gyp): matrix products on
 * every core (OpenBLAS where it was installed, else the addon's own portable product) and the fused training
 * kernels, working in place on the wasm backend's memory. When it was not built (no compiler) or
 * `WORKBOOK_NATIVE=0`, nothing changes: the library runs tfjs's own wasm kernels. `WORKBOOK_BLAS=portable`
 * makes an addon built with OpenBLAS use its portable product (for comparisons).
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
  /** The matrix product in use (absent from addons built before the portable product). */
  blas?(): MatrixProduct;
  /** The products this build has: ["openblas", "portable"] or ["portable"]. */
  blasAvailable?(): MatrixProduct[];
  /** Picks one of blasAvailable(); throws for another. Returns the product in use. */
  setBlas?(name: MatrixProduct): MatrixProduct;
  /** OpenBLAS's configuration, or the portable product's vector width and register block. */
  blasInfo?(): string;
}

/** The native kernels' matrix product: OpenBLAS, or the addon's own portable sgemm. */
export type MatrixProduct = "openblas" | "portable";

/** Where `npm install` builds the addon. */
export const NATIVE_ADDON = path.resolve(__dirname, "../../native/build/Release/workbook_kernels.node");

let loaded: { kernels?: NativeKernels; reason: string; blasNote?: string } | undefined;

/** The addon, or undefined with the reason in `nativeStatus()`. Loaded once. */
export function nativeKernels(): NativeKernels | undefined {
  if (!loaded) {
    const threads = defaultThreads(); // a bad WORKBOOK_THREADS is an error, not a reason to fall back
    const blas = blasRequest(); // so is a bad WORKBOOK_BLAS
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
          blasNote: pickMatrixProduct(kernels, blas),
        };
      } catch (e) {
        const msg = (e instanceof Error ? e.message : String(e)).split("\n")[0];
        loaded = {
          reason: `native kernels not built (${msg}); run \`npm run build:native\` (needs g++; OpenBLAS optional)`,
        };
      }
    }
  }
  return loaded.kernels;
}

/** `WORKBOOK_BLAS` at run time: `portable`, `openblas`, or (unset, `auto`) the best the addon has. */
export function blasRequest(): MatrixProduct | "auto" {
  const env = (process.env.WORKBOOK_BLAS ?? "").trim().toLowerCase();
  if (env === "" || env === "auto") return "auto";
  if (env === "openblas" || env === "portable") return env;
  throw new Error(`WORKBOOK_BLAS=${process.env.WORKBOOK_BLAS}: must be openblas, portable or auto`);
}

/** Makes the addon use the product asked for where it has it; says why the product in use was chosen. */
function pickMatrixProduct(kernels: NativeKernels, asked: MatrixProduct | "auto"): string {
  const available = kernels.blasAvailable?.() ?? ["openblas"]; // older addons: OpenBLAS only
  if (asked !== "auto" && available.includes(asked)) kernels.setBlas?.(asked);
  if (asked === "openblas" && !available.includes("openblas"))
    return "WORKBOOK_BLAS=openblas, but this build has no OpenBLAS: `npm run build:native` where it is installed";
  if (asked === "portable" && available.includes("openblas"))
    return "WORKBOOK_BLAS=portable; the addon also has OpenBLAS";
  return available.includes("openblas") ? "" : "built without OpenBLAS";
}

/** The native kernels' matrix product, or undefined without the addon. */
export function matrixProduct(): MatrixProduct | undefined {
  const k = nativeKernels();
  return k ? (k.blas?.() ?? "openblas") : undefined;
}

/**
 * One line on the native matrix products, e.g. `matrix products: OpenBLAS 0.3.21 ... Haswell` or
 * `matrix products: portable sgemm (AVX-512, 8x32 register blocks; built without OpenBLAS)`.
 */
export function describeMatrixProduct(): string {
  const k = nativeKernels();
  if (!k) return `matrix products: tfjs's wasm kernels (${nativeStatus()})`;
  const info = k.blasInfo?.() ?? "OpenBLAS";
  const note = loaded!.blasNote ? `; ${loaded!.blasNote}` : "";
  return matrixProduct() === "openblas"
    ? `matrix products: ${info}`
    : `matrix products: portable sgemm (${info}${note})`;
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
