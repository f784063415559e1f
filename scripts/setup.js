#!/usr/bin/env node
// `npm start`: installs the npm packages, builds the library, finds JupyterLab 4 (or creates the
// project-local environment .venv with JupyterLab 4 and plotly, using pip), registers this checkout's
// tslab as the Jupyter kernel "attention-workbook" for the current user, and opens the workbook.
// `node scripts/setup.js` without --open does everything but open Jupyter. Other arguments go to Jupyter.
// `npm run setup -- --gpu` also installs the optional GPU backend, @tensorflow/tfjs-node-gpu (see installGpu).
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawn } = require("node:child_process");
const {
  root,
  log,
  run,
  quiet,
  ensureNodeModules,
  build,
  findJupyterPython,
  ensureLabPython,
  registerKernel,
  NO_JUPYTER,
} = require("./lib");

/** JupyterLab 4 (found or created); else an existing classic Notebook; else undefined. */
function chooseJupyter() {
  const lab = ensureLabPython();
  if (lab) return { python: lab, app: "jupyterlab" };
  const classic = findJupyterPython(["notebook"]);
  if (classic) {
    log("no JupyterLab 4 and no Python to create one with: opening the classic Notebook instead");
    return { python: classic, app: "notebook" };
  }
  return undefined;
}

/** The GPU backend's package: CUDA 11.2 and cuDNN 8.1, libtensorflow 2.9.1, no kernels for Hopper GPUs. */
const GPU_PACKAGE = "@tensorflow/tfjs-node-gpu@4.22.0";

/**
 * Installs the GPU backend on request (its install script downloads libtensorflow, so npm must be allowed to
 * run it), without writing it into package.json: `npm ci` removes it again. The library chooses it only
 * where a CUDA device is visible (src/backend/gpu.ts).
 */
function installGpu() {
  const gpus = fs.existsSync("/proc/driver/nvidia/gpus") ? fs.readdirSync("/proc/driver/nvidia/gpus").length : 0;
  if (gpus === 0)
    log("no NVIDIA GPU is visible here: installing the GPU backend anyway, but the workbook will not choose it");
  log(`installing ${GPU_PACKAGE} (needs CUDA 11.2 and cuDNN 8.1; it has no kernels for Hopper GPUs such as the H100)`);
  run(
    "npm",
    ["install", "--no-save", "--no-audit", "--no-fund", `--allow-scripts=@tensorflow/tfjs-node-gpu`, GPU_PACKAGE],
    {
      cwd: root,
    },
  );
}

function main() {
  const open = process.argv.includes("--open");
  ensureNodeModules();
  if (process.argv.includes("--gpu")) installGpu();
  build();
  const jupyter = chooseJupyter();
  if (!jupyter) {
    process.stderr.write(`${NO_JUPYTER}\n`);
    process.exit(1);
  }
  registerKernel(jupyter.python);
  if (!open) {
    log("set up; run `npm start` to open the workbook");
    return;
  }
  const args = [
    "-m",
    jupyter.app,
    `--notebook-dir=${path.join(root, "notebooks")}`,
    ...process.argv.slice(2).filter((a) => a !== "--open" && a !== "--gpu"),
  ];
  // Jupyter refuses to run as root unless told; containers and workshop VMs often are root.
  if (process.getuid && process.getuid() === 0) args.push("--allow-root");
  const version = quiet(jupyter.python, ["-c", `import ${jupyter.app} as a; print(a.__version__)`]).out;
  log(
    `opening the workbook in ${jupyter.app === "jupyterlab" ? "JupyterLab" : "the classic Notebook"} ${version}: ${jupyter.python} ${args.join(" ")}`,
  );
  const child = spawn(jupyter.python, args, { cwd: path.join(root, "notebooks"), stdio: "inherit" });
  const stop = (sig) => child.kill(sig);
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  child.on("exit", (code) => process.exit(code ?? 0));
}

try {
  main();
} catch (e) {
  process.stderr.write(`setup failed: ${e.message}\n`);
  process.exit(1);
}
