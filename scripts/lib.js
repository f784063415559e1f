// Helpers shared by setup.js and test-all.js. Plain Node (no dependencies): they run before `npm install`.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");

function log(msg) {
  process.stderr.write(`[workbook] ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  log(`$ ${[cmd, ...args].join(" ")}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited with ${r.status}`);
}

function quiet(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8" });
  return { ok: !r.error && r.status === 0, out: `${r.stdout || ""}${r.stderr || ""}`.trim() };
}

function mtime(p) {
  try {
    return fs.statSync(path.join(root, p)).mtimeMs;
  } catch {
    return -1;
  }
}

/** Installs the npm dependencies when node_modules is missing or older than the lock file. */
function ensureNodeModules() {
  const installed = mtime("node_modules/.package-lock.json");
  const lock = mtime("package-lock.json");
  if (installed >= 0 && installed >= lock && fs.existsSync(path.join(root, "node_modules/@tensorflow/tfjs"))) return;
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  // `npm ci` reproduces package-lock.json exactly; the optional tfjs-node-gpu fails to install where
  // libtensorflow cannot be downloaded, and npm then leaves it out.
  run(npm, [lock >= 0 ? "ci" : "install", "--no-audit", "--no-fund"]);
}

/** Builds dist/ and puts plotly.js where the notebooks' figures load it (notebooks/_static/). */
function build() {
  const tsc = path.join(root, "node_modules/.bin/tsc");
  run(tsc, ["-p", "tsconfig.json"]);
  const source = path.join(root, "node_modules/plotly.js-dist/plotly.js");
  const target = path.join(root, "notebooks/_static/plotly.js");
  if (!fs.existsSync(target) || fs.statSync(target).size !== fs.statSync(source).size) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(source, target);
  }
}

/**
 * The Python that runs Jupyter: $JUPYTER_PYTHON when set, else `python3`/`python` on PATH (a conda env),
 * then Debian's /usr/bin/python3. It must import jupyter_client; `needs` lists further modules.
 */
function findJupyterPython(needs = [], options = {}) {
  // JUPYTER_PYTHON names the one Python to use; otherwise the first of these that has Jupyter.
  const candidates = process.env.JUPYTER_PYTHON ? [process.env.JUPYTER_PYTHON] : ["python3", "python", "/usr/bin/python3"];
  let probe = ["jupyter_client", ...needs].map((m) => `import ${m}`).join("; ");
  // With `app`, the Python must also have JupyterLab or the classic Notebook to open.
  if (options.app) probe += "; import importlib.util as u; assert u.find_spec('jupyterlab') or u.find_spec('notebook')";
  for (const py of candidates) {
    if (quiet(py, ["-c", probe]).ok) return py;
  }
  return undefined;
}

const NO_JUPYTER = [
  "No Jupyter found (a Python with jupyter_client and JupyterLab or the Notebook).",
  "Get one, then run the same command again:",
  "  conda env create -f environment.yml && conda activate attention-workbook   (JupyterLab 4, Node 20, plotly)",
  "  or: python3 -m pip install jupyterlab plotly",
  "  or, on Debian/Ubuntu: sudo apt-get install jupyter-notebook python3-nbclient jupyter-nbconvert",
].join("\n");

/** Registers this checkout's tslab (not a global one) as the `tslab` Jupyter kernel. */
function registerKernel(python) {
  const tslab = path.join(root, "node_modules/.bin/tslab");
  run(tslab, ["install", `--python=${python}`, `--binary=${tslab}`]);
}

module.exports = { root, log, run, quiet, ensureNodeModules, build, findJupyterPython, registerKernel, NO_JUPYTER };
