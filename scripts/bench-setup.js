#!/usr/bin/env node
// `node scripts/bench-setup.js`: the PyTorch that `npm run bench` compares against. Creates the project-local
// Python environment .venv-bench (git ignores it) with `python3 -m venv` and installs PyTorch 2.x into it with
// pip: the CPU wheel, from PyTorch's CPU index (`pip install torch --index-url https://download.pytorch.org/whl/cpu`,
// as pytorch.org says; pip's configured extra indexes and find-links still apply). `npm run bench` runs this
// itself when it finds no PyTorch 2.x.
// Debian's python3-torch (1.13) is about 5x slower than what `pip install torch` gives a user, so it is never
// the reference; `npm run bench -- --debian-torch` adds it as a second, labelled row.
//
// Environment: BENCH_VENV (another folder for the environment), TORCH_INDEX_URL (the index for the CPU wheel;
// empty for pip's own configuration, e.g. a company mirror), PIP_RETRIES (0 unless set: where an index cannot
// be reached, pip's retries with back-off would add minutes).
//
// Exit status 0 with the environment's Python and torch version on the last line of stdout; 1 with one line
// on stderr saying why no PyTorch 2.x could be installed.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { root, log, run, findBasePython } = require("./lib");

const BENCH_VENV = process.env.BENCH_VENV ? path.resolve(process.env.BENCH_VENV) : path.join(root, ".venv-bench");
const BENCH_PYTHON =
  process.platform === "win32"
    ? path.join(BENCH_VENV, "Scripts", "python.exe")
    : path.join(BENCH_VENV, "bin", "python");
const TORCH_REQUIREMENT = "torch>=2";
const TORCH_INDEX_URL = process.env.TORCH_INDEX_URL ?? "https://download.pytorch.org/whl/cpu";

/** torch.__version__ of a Python, or undefined when it cannot import torch. */
function torchVersion(python) {
  // stdout only: importing torch may warn on stderr (e.g. about NumPy).
  const r = spawnSync(python, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
  return !r.error && r.status === 0 ? r.stdout.trim().split("\n").pop().trim() : undefined;
}

/** The major version of a version string such as "2.5.1+cpu" (NaN when there is none). */
function torchMajor(version) {
  return Number.parseInt(String(version ?? ""), 10);
}

/** Creates (or completes) .venv-bench with PyTorch 2.x; returns { python, version }. Throws with the reason otherwise. */
function ensureBenchTorch() {
  const present = fs.existsSync(BENCH_PYTHON) ? torchVersion(BENCH_PYTHON) : undefined;
  if (present && torchMajor(present) >= 2) return { python: BENCH_PYTHON, version: present };
  const where = BENCH_VENV.startsWith(root + path.sep) ? path.relative(root, BENCH_VENV) : BENCH_VENV;
  if (!fs.existsSync(BENCH_PYTHON)) {
    const base = findBasePython();
    if (!base)
      throw new Error(`no Python 3.9+ with venv and pip to create ${where} (Debian: apt-get install python3-venv)`);
    log(
      `no PyTorch 2.x found: creating ${where} with ${base} -m venv and installing torch with pip (CPU wheel, a few minutes the first time)`,
    );
    run(base, ["-m", "venv", BENCH_VENV]);
  } else {
    log(`installing torch into ${where} with pip (CPU wheel${present ? `; it has torch ${present}` : ""})`);
  }
  const args = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--upgrade", TORCH_REQUIREMENT];
  if (TORCH_INDEX_URL) args.push("--index-url", TORCH_INDEX_URL);
  run(BENCH_PYTHON, args, { env: { ...process.env, PIP_RETRIES: process.env.PIP_RETRIES ?? "0" } });
  const version = torchVersion(BENCH_PYTHON);
  if (!version) throw new Error(`pip installed torch into ${where} but its Python cannot import it`);
  if (!(torchMajor(version) >= 2))
    throw new Error(`pip installed torch ${version} into ${where}; the benchmark needs torch 2.x`);
  return { python: BENCH_PYTHON, version };
}

module.exports = {
  BENCH_VENV,
  BENCH_PYTHON,
  TORCH_REQUIREMENT,
  TORCH_INDEX_URL,
  torchVersion,
  torchMajor,
  ensureBenchTorch,
};

if (require.main === module) {
  try {
    const { python, version } = ensureBenchTorch();
    log(`PyTorch ${version} in ${python}`);
    console.log(`${python} torch ${version}`);
  } catch (e) {
    process.stderr.write(`bench-setup: ${e.message.split("\n")[0]}\n`);
    process.exit(1);
  }
}
