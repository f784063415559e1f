#!/usr/bin/env node
// `npm test`: every test of the workbook. Installs what a fresh Debian machine lacks (the classic Notebook
// with nbclient and nbconvert, Chromium for the browser tests, PyTorch for the benchmark's reference,
// python3-venv) when it can (root with apt-get), and creates the project-local environment .venv with
// JupyterLab 4 and plotly as `npm start` does; otherwise it stops and says what to install. It never skips
// a test because a tool is missing.
//
// The tests never touch what the user owns: Jupyter's data, config, runtime and JupyterLab's settings and
// workspaces go to a temporary folder (the kernel is registered there), notebooks run from copies, and a
// fingerprint of the checkout and the user's Jupyter folders taken before the tests must equal the one after.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { ensureBenchTorch } = require("./bench-setup");
const {
  root,
  log,
  run,
  quiet,
  ensureNodeModules,
  build,
  findJupyterPython,
  findBasePython,
  ensureLabPython,
  registerKernel,
  isolatedJupyterEnv,
} = require("./lib");
const { snapshotUserFiles, compareSnapshots } = require("./user-files");
const { lint } = require("./lint");

const DEBIAN_PACKAGES = [
  "jupyter-notebook",
  "python3-nbclient",
  "jupyter-nbconvert",
  "python3-ipykernel",
  "chromium",
  "python3-venv",
  "libjs-mathjax",
  "g++",
  "make",
  "libopenblas-dev",
];

function missingTools() {
  const missing = [];
  if (!findJupyterPython(["nbclient", "nbformat", "nbconvert", "notebook"]))
    missing.push("Jupyter with nbclient, nbconvert and the Notebook");
  if (!fs.existsSync("/usr/bin/chromium")) missing.push("Chromium (/usr/bin/chromium)");
  if (!fs.existsSync("/usr/share/javascript/mathjax/MathJax.js")) missing.push("MathJax (for the offline export test)");
  if (!findJupyterPython(["plotly"], { lab: true }) && !findBasePython())
    missing.push("a Python 3 with venv and pip (for JupyterLab 4)");
  if (
    !fs.existsSync("/usr/include/x86_64-linux-gnu/cblas.h") &&
    !fs.existsSync("/usr/include/cblas.h") &&
    !quiet("sh", ["-c", "echo '#include <cblas.h>' | g++ -E -x c++ - >/dev/null"]).ok
  )
    missing.push("OpenBLAS headers (for the native kernels)");
  if (!quiet("g++", ["--version"]).ok) missing.push("a C++ compiler (for the native kernels)");
  return missing;
}

function ensureSystemTools() {
  let missing = missingTools();
  if (missing.length === 0) return;
  const canApt = process.getuid && process.getuid() === 0 && quiet("apt-get", ["--version"]).ok;
  if (!canApt) {
    throw new Error(
      `missing: ${missing.join("; ")}.\nInstall them (Debian/Ubuntu: sudo apt-get install ${DEBIAN_PACKAGES.join(" ")}) and run npm test again.`,
    );
  }
  log(`installing Debian packages for the notebook and browser tests (missing: ${missing.join("; ")})`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  run("apt-get", ["update", "-q"], { env });
  run("apt-get", ["install", "-y", "-q", ...DEBIAN_PACKAGES], { env });
  missing = missingTools();
  if (missing.length) throw new Error(`still missing after apt-get: ${missing.join("; ")}`);
}

/**
 * The tests that need no browser, no Jupyter server of their own and no PyTorch: `--unit` runs these (the
 * unit, CLI and notebook tests), as .ci/run does under each supported Node version.
 */
const NEEDS_MORE = ["browser.test.js", "jupyterlab.test.js", "setup.test.js", "bench.test.js"];

function testFiles(args) {
  if (!args.includes("--unit")) return args.length ? args : [path.join(root, "dist-test")];
  const dir = path.join(root, "dist-test");
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".test.js") && !NEEDS_MORE.includes(f))
    .sort()
    .map((f) => path.join(dir, f));
}

function main() {
  const args = process.argv.slice(2);
  log(`node ${process.version}${args.includes("--unit") ? ": the unit and notebook tests" : ""}`);
  // pip reaches PyPI or a local mirror; where an index cannot be reached at all (an offline machine with
  // a wheel mirror), pip's retries with back-off would add minutes per package.
  process.env.PIP_RETRIES ??= "0";
  ensureNodeModules();
  lint();
  ensureSystemTools();
  const labPython = ensureLabPython();
  if (!labPython) throw new Error("no JupyterLab 4 and no Python 3 with venv and pip to create .venv with it");
  build();
  // The native kernels are tested too: build them now if `npm install` could not (OpenBLAS came later).
  run(process.execPath, [path.join(root, "scripts/build-native.js"), "--required"]);
  // The benchmark's test compares against PyTorch 2.x from pip, in .venv-bench (made here, before the
  // snapshot of the user's files, if it is not there yet).
  if (!process.env.TORCH_PYTHON && !args.includes("--unit")) ensureBenchTorch();
  const before = snapshotUserFiles(root);
  const jupyter = isolatedJupyterEnv();
  Object.assign(process.env, jupyter.env, { WORKBOOK_LAB_PYTHON: labPython });
  registerKernel(labPython);
  run(path.join(root, "node_modules/.bin/tsc"), ["-p", "tsconfig.test.json"]);
  fs.rmSync(path.join(root, "artifacts"), { recursive: true, force: true });
  const files = testFiles(args);
  let failure;
  try {
    run(process.execPath, ["--test", "--test-concurrency=1", ...files], {
      env: { ...process.env, WORKBOOK_FAST: process.env.WORKBOOK_FAST ?? "1" },
    });
  } catch (e) {
    failure = e;
  }
  fs.rmSync(jupyter.dir, { recursive: true, force: true });
  const changes = compareSnapshots(before, snapshotUserFiles(root));
  if (changes.length) {
    throw new Error(
      `the tests changed what the user owns (${changes.length}):\n  ${changes.slice(0, 20).join("\n  ")}`,
    );
  }
  log(
    `user files unchanged: ${before.size} files of the checkout and the user's Jupyter folders compared before and after`,
  );
  if (failure) throw failure;
}

try {
  main();
} catch (e) {
  process.stderr.write(`npm test failed: ${e.message}\n`);
  process.exit(1);
}
