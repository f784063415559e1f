#!/usr/bin/env node
// `npm start`: installs the npm packages, builds the library, finds JupyterLab 4 (or creates the
// project-local environment .venv with JupyterLab 4 and plotly, using pip), registers this checkout's
// tslab as the Jupyter kernel "attention-workbook" for the current user, and opens the workbook.
// `node scripts/setup.js` without --open does everything but open Jupyter. Other arguments go to Jupyter.
"use strict";
const path = require("node:path");
const { spawn } = require("node:child_process");
const {
  root,
  log,
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

function main() {
  const open = process.argv.includes("--open");
  ensureNodeModules();
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
    ...process.argv.slice(2).filter((a) => a !== "--open"),
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
