/**
 * The native kernels without OpenBLAS: the addon's own matrix product (native/kernels.cc, `portable`).
 *
 * - A copy of native/ is built here with WORKBOOK_BLAS=portable (scripts/build-native.js --dir, so the
 *   checkout's addon is left alone): it must build, link no OpenBLAS, say which product it has, and be "up
 *   to date" on a second run. This needs a C++ compiler (g++); without one the test fails and says so.
 * - Its matrix product equals a plain-loop reference (float64) to 1e-4 relative on random shapes of 1..300
 *   (past the kernel's register block, tile and depth), every transpose, alpha and beta (beta 0 never reads
 *   C: a NaN there stays out), batches with a broadcast operand; the same for the checkout's addon switched
 *   to its portable product at run time, and for OpenBLAS where the addon has it.
 * - The portable product gives the very same bits on 1 and 2 threads (each element is summed in one order).
 * - The fused kernels that reuse a packed operand over the steps (LSTM forward and backward, the
 *   free-running decoder pass) and the classifier equal the OpenBLAS build's where it is present, and the
 *   LSTM forward a plain-loop reference everywhere.
 * - WORKBOOK_BLAS=portable at run time: `describeBackend()` and `matrixProduct()` report the portable product.
 */
import { describe, it, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Random } from "attention-workbook";
import type { NativeKernels } from "attention-workbook/dist/backend/native";
import { randomValues, tmpDir } from "./helpers";

const ROOT = path.resolve(__dirname, "..");
const MAIN_ADDON = path.join(ROOT, "native", "build", "Release", "workbook_kernels.node");

/** The checkout's addon (whatever `npm run build:native` built: OpenBLAS where installed). */
function mainAddon(): NativeKernels {
  assert.ok(
    fs.existsSync(MAIN_ADDON),
    `the native addon is not built (${MAIN_ADDON}): run \`npm run build:native\` (needs g++)`,
  );
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a .node file found at run time
  return require(MAIN_ADDON) as NativeKernels;
}

/** Builds a copy of native/ with WORKBOOK_BLAS=portable in a temporary folder; returns the build's output and addon. */
function buildPortableCopy(): { dir: string; stdout: string; addon: string } {
  const dir = path.join(tmpDir("wb-portable-"), "native");
  fs.mkdirSync(dir);
  for (const f of ["kernels.cc", "binding.gyp"]) fs.copyFileSync(path.join(ROOT, "native", f), path.join(dir, f));
  const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "build-native.js"), "--required", "--dir", dir], {
    encoding: "utf8",
    env: { ...process.env, WORKBOOK_BLAS: "portable", WORKBOOK_NATIVE: "" },
  });
  const log = path.join(dir, "build-error.log");
  const details = fs.existsSync(log) ? fs.readFileSync(log, "utf8").slice(-3000) : "";
  assert.equal(
    r.status,
    0,
    `the portable build failed (it needs a C++ compiler: Debian apt-get install g++ make):\n${r.stdout}${r.stderr}${details}`,
  );
  return { dir, stdout: r.stdout, addon: path.join(dir, "build", "Release", "workbook_kernels.node") };
}

interface Product {
  tA: boolean;
  tB: boolean;
  M: number;
  N: number;
  K: number;
  alpha: number;
  beta: number;
  batch: number;
  /** A (or B) the same for every batch entry (stride 0). */
  broadcastA: boolean;
}

interface Operands {
  A: Float32Array;
  B: Float32Array;
  C: Float32Array;
  sA: number;
  sB: number;
}

function operands(p: Product, rng: Random): Operands {
  const sA = p.broadcastA ? 0 : p.M * p.K;
  const sB = p.K * p.N;
  const A = randomValues(rng, Math.max(1, sA * (p.batch - 1) + p.M * p.K));
  const B = randomValues(rng, sB * p.batch);
  // beta = 0: C must not be read (BLAS's rule; tfjs's fresh outputs hold whatever was there before).
  const C = p.beta === 0 ? new Float32Array(p.M * p.N * p.batch).fill(NaN) : randomValues(rng, p.M * p.N * p.batch);
  return { A, B, C, sA, sB };
}

/** alpha · op(A) · op(B) + beta · C in float64, with plain loops. */
function reference(p: Product, o: Operands): Float64Array {
  const out = new Float64Array(p.M * p.N * p.batch);
  for (let b = 0; b < p.batch; b++) {
    const a0 = b * o.sA,
      b0 = b * o.sB,
      c0 = b * p.M * p.N;
    for (let i = 0; i < p.M; i++)
      for (let j = 0; j < p.N; j++) {
        let acc = 0;
        for (let k = 0; k < p.K; k++) {
          const a = o.A[a0 + (p.tA ? k * p.M + i : i * p.K + k)];
          const bv = o.B[b0 + (p.tB ? j * p.K + k : k * p.N + j)];
          acc += a * bv;
        }
        const c = p.beta === 0 ? 0 : p.beta * o.C[c0 + i * p.N + j];
        out[c0 + i * p.N + j] = p.alpha * acc + c;
      }
  }
  return out;
}

function run(addon: NativeKernels, p: Product, o: Operands): Float32Array {
  const C = Float32Array.from(o.C);
  addon.gemm(p.tA, p.tB, p.M, p.N, p.K, p.alpha, o.A, o.B, p.beta, C, p.batch, o.sA, o.sB, p.M * p.N);
  return C;
}

function assertNear(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol = 1e-4): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= tol * Math.max(1, Math.abs(want[i]))))
      assert.fail(
        `${what}: element ${i} is ${got[i]}, expected ${want[i]} (relative error ${d / Math.max(1, Math.abs(want[i]))})`,
      );
  }
}

const label = (p: Product) =>
  `${p.tA ? "T" : "N"}${p.tB ? "T" : "N"} M${p.M} N${p.N} K${p.K} alpha ${p.alpha} beta ${p.beta}` +
  (p.batch > 1 ? ` batch ${p.batch}${p.broadcastA ? " (A broadcast)" : ""}` : "");

/** Random products of 1..300 (odd sizes, past every block edge), every transpose, and the model's own shapes. */
function products(): Product[] {
  const rng = new Random(7);
  const sizes = [1, 2, 3, 5, 7, 8, 9, 15, 17, 31, 33, 47, 63, 65, 100, 127, 129, 200, 255, 257, 300];
  const one = (tA: boolean, tB: boolean, M: number, N: number, K: number): Product => ({
    tA,
    tB,
    M,
    N,
    K,
    alpha: rng.pick([1, 1, -0.5, 2]),
    beta: rng.pick([0, 0, 1, 0.25]),
    batch: 1,
    broadcastA: false,
  });
  const list: Product[] = [];
  for (let i = 0; i < 40; i++)
    list.push(one(rng.int(2) === 1, rng.int(2) === 1, rng.pick(sizes), rng.pick(sizes), rng.pick(sizes)));
  for (const [tA, tB] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ]) {
    list.push(one(tA, tB, 300, 300, 300), one(tA, tB, 1, 300, 257), one(tA, tB, 129, 1, 300), one(tA, tB, 17, 33, 1));
  }
  // The benchmark model's products: the LSTM step and its gradients, a classifier slice.
  list.push(one(false, false, 64, 1024, 256), one(false, true, 64, 256, 1024), one(true, false, 256, 1024, 130));
  list.push({ ...one(false, true, 9, 10, 33), batch: 7 }, { ...one(false, false, 10, 256, 10), batch: 64 });
  list.push(
    { ...one(true, false, 65, 40, 70), batch: 3, broadcastA: true },
    { ...one(false, false, 3, 5, 0), beta: 0 },
  );
  return list;
}

describe("the portable matrix product (native kernels without OpenBLAS)", () => {
  let copy: NativeKernels;
  let main: NativeKernels;
  let built: { dir: string; stdout: string; addon: string };
  const hasOpenBLAS = () => (main.blasAvailable?.() ?? ["openblas"]).includes("openblas");

  before(() => {
    main = mainAddon();
    built = buildPortableCopy();
    assert.match(
      built.stdout,
      /native kernels: built .*workbook_kernels\.node \(portable matrix product, WORKBOOK_BLAS=portable; fused training kernels\)/,
    );
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the copy built above
    copy = require(built.addon) as NativeKernels;
  });

  after(() => {
    if (built) fs.rmSync(path.dirname(built.dir), { recursive: true, force: true });
  });

  it("builds without OpenBLAS, says so, and is up to date on a second run", () => {
    assert.equal(copy.blas?.(), "portable");
    assert.deepEqual(copy.blasAvailable?.(), ["portable"]);
    assert.match(copy.blasInfo?.() ?? "", /\d+x\d+ register blocks/);
    assert.throws(() => copy.setBlas?.("openblas"), /no OpenBLAS/);
    assert.throws(() => copy.setBlas?.("mkl" as "openblas"), /unknown matrix product/);
    const again = spawnSync(process.execPath, [path.join(ROOT, "scripts", "build-native.js"), "--dir", built.dir], {
      encoding: "utf8",
      env: { ...process.env, WORKBOOK_BLAS: "portable" },
    });
    assert.match(again.stdout, /native kernels: up to date \(.*workbook_kernels\.node, portable matrix product\)/);
    if (process.platform === "linux") {
      const ldd = spawnSync("ldd", [built.addon], { encoding: "utf8" });
      assert.equal(ldd.status, 0, `ldd failed: ${ldd.stderr}`);
      assert.doesNotMatch(ldd.stdout, /openblas|libblas/i, "the portable build links no BLAS");
    }
  });

  it("equals a plain-loop reference on random shapes of 1..300, every transpose, alpha, beta and batch", () => {
    const rng = new Random(11);
    copy.setThreads(2);
    for (const p of products()) {
      const o = operands(p, rng);
      const want = reference(p, o);
      assertNear(run(copy, p, o), want, `portable build, ${label(p)}`);
    }
  });

  it("the checkout's addon: its portable product at run time, and OpenBLAS where it has it, equal the reference", (t) => {
    const rng = new Random(12);
    const kinds = hasOpenBLAS() ? (["portable", "openblas"] as const) : (["portable"] as const);
    if (!hasOpenBLAS()) t.diagnostic("this addon was built without OpenBLAS: the portable product only");
    try {
      for (const p of products()) {
        const o = operands(p, rng);
        const want = reference(p, o);
        for (const kind of kinds) {
          assert.equal(main.setBlas?.(kind), kind);
          assertNear(run(main, p, o), want, `checkout's addon (${kind}), ${label(p)}`);
        }
      }
    } finally {
      main.setBlas?.(hasOpenBLAS() ? "openblas" : "portable");
    }
  });

  it("gives the same bits on 1 and 2 threads", () => {
    const rng = new Random(13);
    for (const p of [products()[40], { ...products()[41], M: 640, N: 300, K: 700 }]) {
      const o = operands(p, rng);
      copy.setThreads(1);
      assert.equal(copy.getThreads(), 1);
      const one = run(copy, p, o);
      copy.setThreads(2);
      const two = run(copy, p, o);
      assert.deepEqual(Array.from(two), Array.from(one), label(p));
    }
  });

  it("the fused kernels: LSTM forward equals a plain-loop reference; all equal the OpenBLAS build's where present", (t) => {
    const small = { T: 4, B: 5, H: 37 };
    const ref = lstmReference(small, new Random(21));
    copy.setThreads(2);
    const got = runFused(copy, new Random(21), small);
    assertNear(got.lstmOut, ref.out, "lstmForward out (portable build)");
    assertNear(got.lstmHT, ref.hT, "lstmForward hT (portable build)");
    assertNear(got.lstmCT, ref.cT, "lstmForward cT (portable build)");
    if (!hasOpenBLAS()) {
      t.diagnostic("this addon was built without OpenBLAS: the fused kernels are checked against the reference only");
      return;
    }
    for (const shape of [small, { T: 6, B: 64, H: 256 }]) {
      main.setBlas?.("openblas");
      const want = runFused(main, new Random(22), shape);
      const have = runFused(copy, new Random(22), shape);
      for (const [name, values] of Object.entries(want))
        if (name === "chosen")
          assert.deepEqual(Array.from(have.chosen), Array.from(values), `luongGreedy ${JSON.stringify(shape)}`);
        else assertNear(have[name as keyof typeof have], values, `${name} ${JSON.stringify(shape)}`);
    }
  });

  it("WORKBOOK_BLAS=portable at run time: describeBackend() and matrixProduct() say the portable product", () => {
    const script =
      'const wb = require("attention-workbook"); const be = require("attention-workbook/backend");' +
      "wb.ready().then((r) => console.log(JSON.stringify({ text: wb.describeBackend(r), product: be.matrixProduct() })));";
    const child = (blas: string | undefined) => {
      const env: NodeJS.ProcessEnv = { ...process.env, TFJS_BACKEND: "wasm", WORKBOOK_NATIVE: "" };
      if (blas === undefined) delete env.WORKBOOK_BLAS;
      else env.WORKBOOK_BLAS = blas;
      return spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", env });
    };
    const portable = child("portable");
    assert.equal(portable.status, 0, portable.stderr);
    const p = JSON.parse(portable.stdout.trim().split("\n").pop()!);
    assert.equal(p.product, "portable");
    assert.match(
      p.text,
      /\n {2}matrix products: portable sgemm \(.*register blocks; (WORKBOOK_BLAS=portable|built without)/,
    );
    const auto = child(undefined);
    assert.equal(auto.status, 0, auto.stderr);
    const a = JSON.parse(auto.stdout.trim().split("\n").pop()!);
    assert.equal(a.product, hasOpenBLAS() ? "openblas" : "portable");
    assert.match(a.text, hasOpenBLAS() ? /\n {2}matrix products: OpenBLAS/ : /matrix products: portable sgemm/);
    const bad = child("fastest");
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /WORKBOOK_BLAS=fastest: must be openblas, portable or auto/);
  });
});

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The LSTM over a sequence with plain loops (no mask): out [B,T,H], hT, cT, from the same inputs as runFused. */
function lstmReference(s: { T: number; B: number; H: number }, rng: Random) {
  const { T, B, H } = s;
  const G = 4 * H;
  const x = randomValues(rng, B * T * G),
    h0 = randomValues(rng, B * H),
    c0 = randomValues(rng, B * H),
    Wh = randomValues(rng, H * G, 0.2);
  const h = Float64Array.from(h0),
    c = Float64Array.from(c0),
    out = new Float64Array(B * T * H);
  for (let t = 0; t < T; t++) {
    const hPrev = Float64Array.from(h);
    for (let b = 0; b < B; b++) {
      const g = new Float64Array(G);
      for (let j = 0; j < G; j++) {
        let acc = x[(b * T + t) * G + j];
        for (let k = 0; k < H; k++) acc += hPrev[b * H + k] * Wh[k * G + j];
        g[j] = acc;
      }
      for (let j = 0; j < H; j++) {
        const i = sigmoid(g[j]),
          f = sigmoid(g[H + j]),
          gg = Math.tanh(g[2 * H + j]),
          o = sigmoid(g[3 * H + j]);
        c[b * H + j] = f * c[b * H + j] + i * gg;
        h[b * H + j] = o * Math.tanh(c[b * H + j]);
        out[(b * T + t) * H + j] = h[b * H + j];
      }
    }
  }
  return { out, hT: h, cT: c };
}

/** Runs the fused kernels that use the matrix product on one set of random inputs; returns their outputs. */
function runFused(k: NativeKernels, rng: Random, s: { T: number; B: number; H: number }) {
  const { T, B, H } = s;
  const G = 4 * H;
  const x = randomValues(rng, B * T * G),
    h0 = randomValues(rng, B * H),
    c0 = randomValues(rng, B * H),
    Wh = randomValues(rng, H * G, 0.2);
  const f32 = (n: number) => new Float32Array(n);
  const lstmOut = f32(B * T * H),
    lstmHT = f32(B * H),
    lstmCT = f32(B * H),
    gates = f32(T * B * G),
    hs = f32((T + 1) * B * H),
    cs = f32((T + 1) * B * H);
  k.lstmForward(T, B, H, x, h0, c0, Wh, null, lstmOut, lstmHT, lstmCT, gates, hs, cs);
  const dOut = randomValues(rng, B * T * H),
    dX = f32(B * T * G),
    dh0 = f32(B * H),
    dc0 = f32(B * H),
    dWh = f32(H * G);
  k.lstmBackward(T, B, H, Wh, null, gates, hs, cs, dOut, null, null, dX, dh0, dc0, dWh, f32(T * B * G));
  return { lstmOut, lstmHT, lstmCT, dX, dh0, dc0, dWh, ...classifier(k, rng, B * 3 + 1, H), ...greedy(k, rng, s) };
}

function classifier(k: NativeKernels, rng: Random, N: number, F: number) {
  const V = 2 * F + 3;
  const X = randomValues(rng, N * F),
    W = randomValues(rng, F * V, 0.3),
    b = randomValues(rng, V),
    labels = Int32Array.from({ length: N }, () => rng.int(V));
  const perToken = new Float32Array(N),
    probs = new Float32Array(N * V);
  k.classifierCrossEntropy(N, F, V, X, W, b, labels, 0.1, perToken, probs);
  const dX = new Float32Array(N * F),
    dW = new Float32Array(F * V),
    db = new Float32Array(V);
  const dy = randomValues(rng, N);
  k.classifierCrossEntropyBackward(N, F, V, X, W, probs, labels, 0.1, dy, dX, dW, db, new Float32Array(N * V));
  return { perToken, probs, classifierDX: dX, classifierDW: dW, classifierDb: db };
}

/** The free-running pass of a Luong decoder with the concat score: the words it picks. */
function greedy(k: NativeKernels, rng: Random, s: { T: number; B: number; H: number }) {
  const { T, B, H } = s;
  const [S, E, U, V, Hk] = [7, 24, 19, 53, H];
  const G = 4 * H;
  const r = (n: number, scale = 0.3) => randomValues(rng, n, scale);
  const inputs = Int32Array.from({ length: B * T }, () => rng.int(V));
  const force = Int32Array.from({ length: T - 1 }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const chosen = new Int32Array(B * T);
  k.luongGreedy(
    B,
    T,
    S,
    E,
    H,
    Hk,
    U,
    V,
    2,
    r(V * E),
    r(E * G),
    r(G),
    r(H * G),
    r(B * H),
    r(B * H),
    r(B * S * Hk),
    r(B * S * U),
    r(H * U),
    r(U),
    null,
    new Float32Array(B * S),
    r((Hk + H) * H),
    r(H * V, 1),
    r(V),
    inputs,
    force,
    chosen,
  );
  return { chosen };
}
