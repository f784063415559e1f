/**
 * The PyTorch a user would install (2.x from pip) found or set up, and the reference run on the benchmark's
 * batches (bench/torch_reference.py).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { ROOT } from "./config";

/** The project-local environment of scripts/bench-setup.js (BENCH_VENV moves it, as there). */
const BENCH_VENV = process.env.BENCH_VENV ? path.resolve(process.env.BENCH_VENV) : path.join(ROOT, ".venv-bench");
const BENCH_PYTHON =
  process.platform === "win32"
    ? path.join(BENCH_VENV, "Scripts", "python.exe")
    : path.join(BENCH_VENV, "bin", "python");
/** A path as the user reads it: relative inside the checkout, absolute elsewhere. */
const shown = (p: string) => (p.startsWith(ROOT + path.sep) ? path.relative(ROOT, p) : p);

export interface TorchPython {
  python: string;
  version: string;
  /** How it was found, e.g. "TORCH_PYTHON" or ".venv-bench". */
  source: string;
}

/** torch.__version__ of a Python (stdout only: importing torch may warn on stderr), or undefined. */
export function torchVersionOf(python: string): string | undefined {
  const r = spawnSync(python, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
  return !r.error && r.status === 0 ? r.stdout.trim().split("\n").pop()!.trim() : undefined;
}

const major = (version: string) => Number.parseInt(version, 10);

/** $TORCH_PYTHON, taken as the user's choice (no other is tried): found, or the reason it cannot serve. */
function torchFromEnvironment(python: string): { found?: TorchPython; reason?: string } {
  const version = torchVersionOf(python);
  if (!version) return { reason: `TORCH_PYTHON=${python} cannot import torch` };
  if (!(major(version) >= 2))
    return {
      reason: `TORCH_PYTHON=${python} has torch ${version}; the reference is PyTorch 2.x (unset TORCH_PYTHON to use .venv-bench, see scripts/bench-setup.js)`,
    };
  return { found: { python, version, source: "TORCH_PYTHON" } };
}

/** A PyTorch 2.x already installed: .venv-bench, else a `python3` on PATH (a conda environment, say). */
function installedTorch2(): TorchPython | undefined {
  const candidates: Array<[string, string]> = [
    [BENCH_PYTHON, shown(BENCH_VENV)],
    ["python3", "python3 on PATH"],
  ];
  for (const [python, source] of candidates) {
    if (python === BENCH_PYTHON && !fs.existsSync(python)) continue;
    const version = torchVersionOf(python);
    if (version && major(version) >= 2) return { python, version, source };
  }
  return undefined;
}

/** Creates .venv-bench with scripts/bench-setup.js (pip): the PyTorch it installed, or why it could not. */
function setUpTorch2(): { found?: TorchPython; reason?: string } {
  const script = path.join(ROOT, "scripts", "bench-setup.js");
  if (!fs.existsSync(script)) return { reason: `no PyTorch 2.x found, and no ${script} to install one` };
  process.stderr.write(
    `bench: no PyTorch 2.x found: creating ${shown(BENCH_VENV)} with python3 -m venv and installing torch with pip (node scripts/bench-setup.js)\n`,
  );
  // Its pip output goes to stderr (stdout's last line is the benchmark's JSON); its last stderr line is the reason it failed.
  const run = spawnSync(process.execPath, [script], {
    cwd: ROOT,
    stdio: ["ignore", 2, "pipe"],
    encoding: "utf8",
    env: { ...process.env, PIP_RETRIES: process.env.PIP_RETRIES ?? "0" },
  });
  if (run.stderr) process.stderr.write(run.stderr);
  const version = fs.existsSync(BENCH_PYTHON) ? torchVersionOf(BENCH_PYTHON) : undefined;
  if (run.status === 0 && version && major(version) >= 2)
    return { found: { python: BENCH_PYTHON, version, source: `${shown(BENCH_VENV)} (just created)` } };
  const why =
    (run.stderr ?? "")
      .trim()
      .split("\n")
      .filter((line) => line.startsWith("bench-setup: "))
      .pop()
      ?.slice("bench-setup: ".length) ??
    run.error?.message ??
    `exit status ${run.status}`;
  return { reason: `no PyTorch 2.x: node scripts/bench-setup.js could not install one (${why})` };
}

/**
 * PyTorch 2.x: $TORCH_PYTHON, else one already installed, else .venv-bench created by scripts/bench-setup.js
 * when `setup` allows. Without one, `reason` says why in one line.
 */
export function findTorch2(setup: boolean): { found?: TorchPython; reason?: string } {
  if (process.env.TORCH_PYTHON) return torchFromEnvironment(process.env.TORCH_PYTHON);
  const installed = installedTorch2();
  if (installed) return { found: installed };
  if (!setup)
    return {
      reason:
        "no PyTorch 2.x found (TORCH_PYTHON, .venv-bench, python3) and --no-setup given: run node scripts/bench-setup.js",
    };
  return setUpTorch2();
}

/** Debian's python3-torch (1.13, about 5x slower than pip's): never the reference, only a labelled extra row. */
export const DEBIAN_PYTHON = "/usr/bin/python3";

export interface TorchResult {
  framework: string;
  version: string;
  python: string;
  threads: number;
  targetTokensPerSecond: number;
  secondsPerEpoch: number;
  finalLoss: number;
  peakRssMB: number;
  [key: string]: unknown;
}

/** Runs bench/torch_reference.py with `python` on the batches written to `file`. */
export function runTorchReference(python: string, file: string, epochs: number, threads: number): TorchResult {
  const script = path.join(ROOT, "bench", "torch_reference.py");
  const run = spawnSync(python, [script, "--batches", file, "--epochs", String(epochs), "--threads", String(threads)], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  if (run.status !== 0)
    throw new Error(
      `the PyTorch reference (${python}) failed: ${(run.stderr || run.error?.message || "").trim().split("\n").pop()}`,
    );
  const out = JSON.parse(run.stdout.trim().split("\n").pop()!);
  delete out.epochs;
  return out;
}
