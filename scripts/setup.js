#!/usr/bin/env node
// `npm start`: installs the npm packages, builds the library, registers this checkout's tslab kernel
// with Jupyter, and opens the workbook (JupyterLab on notebooks/, or the classic Notebook).
// `node scripts/setup.js` without --open does everything but open Jupyter.
"use strict";
const path = require("node:path");
const { spawn } = require("node:child_process");
const { root, log, quiet, ensureNodeModules, build, findJupyterPython, registerKernel, NO_JUPYTER } = require("./lib");

function main() {
  const open = process.argv.includes("--open");
  ensureNodeModules();
  build();
  const python = findJupyterPython([], { app: true });
  if (!python) {
    process.stderr.write(`${NO_JUPYTER}\n`);
    process.exit(1);
  }
  registerKernel(python);
  if (!open) {
    log("set up; run `npm start` to open the workbook");
    return;
  }
  const hasLab = quiet(python, ["-c", "import jupyterlab"]).ok;
  const hasNotebook = quiet(python, ["-c", "import notebook"]).ok;
  if (!hasLab && !hasNotebook) {
    process.stderr.write(`${NO_JUPYTER}\n`);
    process.exit(1);
  }
  const app = hasLab ? "jupyterlab" : "notebook";
  const args = ["-m", app, `--notebook-dir=${path.join(root, "notebooks")}`, ...process.argv.slice(2).filter((a) => a !== "--open")];
  // Jupyter refuses to run as root unless told; containers and workshop VMs often are root.
  if (process.getuid && process.getuid() === 0) args.push("--allow-root");
  log(`opening the workbook: ${python} ${args.join(" ")}`);
  const child = spawn(python, args, { cwd: path.join(root, "notebooks"), stdio: "inherit" });
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
