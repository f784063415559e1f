#!/usr/bin/env node
// Builds the optional native kernels (native/kernels.cc: matrix products on every core and the fused
// training kernels) with node-gyp. Run by `npm install`; never fails the install: without a C++ compiler
// (Debian: apt-get install g++ make) the library runs tfjs's own wasm kernels and says so.
//
// The matrix products: OpenBLAS where it is installed (Debian: apt-get install libopenblas-dev; a test
// program that includes <cblas.h> and links -lopenblas decides), else the addon's own portable product, so
// a C++ compiler is all it needs. WORKBOOK_BLAS=portable builds the portable product even where OpenBLAS is
// present (for comparisons), WORKBOOK_BLAS=openblas fails without OpenBLAS; unset or `auto`: the best found.
// The choice is recorded next to the addon (workbook_kernels.blas): a different one rebuilds it.
//
// `--required` (used by `npm test`) exits non-zero when it cannot build. `--dir DIR` builds the sources in
// DIR (a copy of native/) instead of native/, into DIR/build/Release (the tests build a portable copy).
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const root = path.resolve(__dirname, "..");
const required = process.argv.includes("--required");
const dir = sourceDir();
const addon = path.join(dir, "build", "Release", "workbook_kernels.node");
const record = path.join(dir, "build", "Release", "workbook_kernels.blas");
const SOURCES = ["kernels.cc", "binding.gyp"];

function sourceDir() {
  const i = process.argv.findIndex((a) => a === "--dir" || a.startsWith("--dir="));
  if (i < 0) return path.join(root, "native");
  const value = process.argv[i].startsWith("--dir=") ? process.argv[i].slice(6) : process.argv[i + 1];
  if (!value) throw new Error("--dir needs a folder");
  return path.resolve(value);
}

const shown = (p) => path.relative(root, p) || p;
const LABEL = { openblas: "OpenBLAS", portable: "portable matrix product" };

/** Built, from the current sources, with the same matrix product. */
function upToDate(blas) {
  if (!fs.existsSync(addon) || !fs.existsSync(record)) return false;
  if (fs.readFileSync(record, "utf8").trim() !== blas) return false;
  const built = fs.statSync(addon).mtimeMs;
  return SOURCES.every((f) => fs.statSync(path.join(dir, f)).mtimeMs <= built);
}

/** Whether a C++ program can include <cblas.h>, link -lopenblas and run; else why not. */
function probeOpenBLAS() {
  const cxx = process.env.CXX || "c++";
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wb-openblas-"));
  try {
    const src = path.join(tmp, "probe.cc");
    const exe = path.join(tmp, "probe");
    fs.writeFileSync(
      src,
      "#include <cblas.h>\nint main() {\n  float a = 2, b = 3, c = 0;\n  openblas_set_num_threads(1);\n" +
        "  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, 1, 1, 1.0f, &a, 1, &b, 1, 0.0f, &c, 1);\n" +
        "  return c == 6 ? 0 : 1;\n}\n",
    );
    const { cxx: cxxFlags, ld } = condaFlags();
    const cc = spawnSync(cxx, [...cxxFlags, src, "-o", exe, ...ld, "-lopenblas"], { encoding: "utf8" });
    if (cc.error) return { found: false, why: `no C++ compiler (${cxx}) to look for it` };
    if (cc.status !== 0) return { found: false, why: "no OpenBLAS found" };
    const run = spawnSync(exe, [], { encoding: "utf8" });
    return run.status === 0 ? { found: true } : { found: false, why: "OpenBLAS links but does not run" };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The matrix product to build: { blas, why } or { error }. */
function chooseBlas() {
  const asked = (process.env.WORKBOOK_BLAS ?? "").trim().toLowerCase();
  if (asked === "portable") return { blas: "portable", why: "WORKBOOK_BLAS=portable" };
  if (asked !== "" && asked !== "auto" && asked !== "openblas")
    return { error: `WORKBOOK_BLAS=${process.env.WORKBOOK_BLAS}: use openblas, portable or auto` };
  const probe = probeOpenBLAS();
  if (probe.found) return { blas: "openblas" };
  if (asked === "openblas")
    return { error: `WORKBOOK_BLAS=openblas but ${probe.why} (Debian: apt-get install libopenblas-dev)` };
  return { blas: "portable", why: probe.why };
}

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(
      path.dirname(process.execPath),
      "..",
      "lib",
      "node_modules",
      "npm",
      "node_modules",
      "node-gyp",
      "bin",
      "node-gyp.js",
    ),
  ];
  try {
    candidates.push(require.resolve("node-gyp/bin/node-gyp.js"));
  } catch {
    // node-gyp is not installed beside this package: the next candidate may be
  }
  return candidates.find((c) => c && fs.existsSync(c));
}

/**
 * In a conda environment (environment.yml: cxx-compiler, make, openblas) the headers and libraries are under
 * $CONDA_PREFIX: the compiler flags that find them, and an rpath so that the addon finds libopenblas at run time.
 */
function condaFlags() {
  const prefix = process.env.CONDA_PREFIX;
  if (!prefix || !fs.existsSync(path.join(prefix, "include"))) return { cxx: [], ld: [] };
  const lib = path.join(prefix, "lib");
  return { cxx: [`-I${path.join(prefix, "include")}`], ld: [`-L${lib}`, `-Wl,-rpath,${lib}`] };
}

/** The environment for node-gyp: the conda flags added to CXXFLAGS and LDFLAGS (which make passes on). */
function buildEnv() {
  const { cxx, ld } = condaFlags();
  const join = (...parts) => parts.filter(Boolean).join(" ");
  return { ...process.env, CXXFLAGS: join(process.env.CXXFLAGS, ...cxx), LDFLAGS: join(process.env.LDFLAGS, ...ld) };
}

/** node-gyp rebuild with the matrix product `blas`; undefined when it built, else the reason. */
function build(gyp, blas) {
  const args = [gyp, "rebuild", `--workbook-blas=${blas}`];
  // Node's own headers, when installed with it (Debian's nodejs), spare node-gyp a download.
  const prefix = path.resolve(path.dirname(process.execPath), "..");
  if (fs.existsSync(path.join(prefix, "include", "node", "node_api.h"))) args.push(`--nodedir=${prefix}`);
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8", env: buildEnv() });
  if (r.status === 0 && fs.existsSync(addon)) {
    fs.writeFileSync(record, `${blas}\n`);
    return undefined;
  }
  const log = path.join(dir, "build-error.log");
  fs.writeFileSync(log, `${r.stdout ?? ""}\n${r.stderr ?? ""}`);
  return /cblas\.h|lopenblas/.test(r.stderr ?? "")
    ? "OpenBLAS is missing (Debian: apt-get install libopenblas-dev)"
    : /not found|No such file/.test(r.stderr ?? "") && /g\+\+|make|c\+\+/.test(r.stderr ?? "")
      ? "no C++ compiler (Debian: apt-get install g++ make)"
      : `node-gyp failed, see ${shown(log)}`;
}

function main() {
  if (process.env.WORKBOOK_NATIVE === "0") {
    console.log("native kernels: not built (WORKBOOK_NATIVE=0)");
    return 0;
  }
  const choice = chooseBlas();
  if (choice.error) return fail(choice.error);
  let { blas, why } = choice;
  if (upToDate(blas)) {
    console.log(`native kernels: up to date (${shown(addon)}, ${LABEL[blas]})`);
    return 0;
  }
  const gyp = nodeGyp();
  if (!gyp) return fail("node-gyp not found (it comes with npm)");
  let error = build(gyp, blas);
  if (error && blas === "openblas" && process.env.WORKBOOK_BLAS?.trim().toLowerCase() !== "openblas") {
    // OpenBLAS was found but the addon would not build with it: the portable product needs no library.
    [blas, why] = ["portable", `the OpenBLAS build failed: ${error}`];
    error = build(gyp, blas);
  }
  if (error) return fail(error);
  const what = blas === "openblas" ? "OpenBLAS," : `portable matrix product, ${why};`;
  console.log(`native kernels: built ${shown(addon)} (${what} fused training kernels)`);
  return 0;
}

function fail(reason) {
  console.log(`native kernels: not built: ${reason}; training runs on tfjs's wasm kernels (slower)`);
  return required ? 1 : 0;
}

process.exit(main());
