#!/usr/bin/env node
// `npm test`: every test of the workbook. Installs what a fresh Debian machine lacks (Jupyter with
// nbclient for the notebook tests, Chromium for the browser tests, PyTorch for the benchmark's reference) when it can (root with apt-get);
// otherwise it stops and says what to install. It never skips a test because a tool is missing.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { root, log, run, quiet, ensureNodeModules, build, findJupyterPython, registerKernel } = require("./lib");

const DEBIAN_PACKAGES = ["jupyter-notebook", "python3-nbclient", "jupyter-nbconvert", "python3-ipykernel", "chromium", "python3-torch"];

function missingTools() {
  const missing = [];
  if (!findJupyterPython(["nbclient", "nbformat", "nbconvert", "notebook"])) missing.push("Jupyter with nbclient, nbconvert and the Notebook");
  if (!fs.existsSync("/usr/bin/chromium")) missing.push("Chromium (/usr/bin/chromium)");
  if (!["/usr/bin/python3", "python3"].some((py) => quiet(py, ["-c", "import torch"]).ok)) missing.push("PyTorch (for the benchmark's reference)");
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

function main() {
  const only = process.argv.slice(2);
  ensureNodeModules();
  ensureSystemTools();
  build();
  registerKernel(findJupyterPython(["nbclient"]));
  run(path.join(root, "node_modules/.bin/tsc"), ["-p", "tsconfig.test.json"]);
  fs.rmSync(path.join(root, "artifacts"), { recursive: true, force: true });
  const files = only.length ? only : [path.join(root, "dist-test")];
  run(process.execPath, ["--test", "--test-concurrency=1", ...files], {
    env: { ...process.env, WORKBOOK_FAST: process.env.WORKBOOK_FAST ?? "1" },
  });
}

try {
  main();
} catch (e) {
  process.stderr.write(`npm test failed: ${e.message}\n`);
  process.exit(1);
}
