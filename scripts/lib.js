// Helpers shared by setup.js and test-all.js. Plain Node (no dependencies): they run before `npm install`.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
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
  // plotly.js beside the notebooks, by the library's one copy routine (the kernel-side figures find it there).
  require(path.join(root, "dist/plots/display.js")).writePlotlyAsset(path.join(root, "notebooks"));
}

/** The project-local Python environment that `npm start` creates when no JupyterLab 4 is found (git ignores it). */
const VENV = process.env.WORKBOOK_VENV ? path.resolve(process.env.WORKBOOK_VENV) : path.join(root, ".venv");
const VENV_PYTHON =
  process.platform === "win32" ? path.join(VENV, "Scripts", "python.exe") : path.join(VENV, "bin", "python");
/** What goes into it: JupyterLab 4 and the `plotly` package (JupyterLab's Plotly renderer). */
const LAB_PACKAGES = ["jupyterlab>=4,<5", "plotly>=6"];

/**
 * JupyterLab settings the workbook's own environment starts with (its share/jupyter/lab/settings/overrides.json):
 * no "Would you like to get notified about official Jupyter news?" prompt for every participant.
 */
const LAB_OVERRIDES = {
  "@jupyterlab/apputils-extension:notification": { fetchNews: "false", checkForUpdates: false },
};

/** Writes LAB_OVERRIDES into the environment at `prefix` (merged with what is there); returns the file. */
function writeLabOverrides(prefix) {
  const file = path.join(prefix, "share", "jupyter", "lab", "settings", "overrides.json");
  let current = {};
  try {
    current = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    // none yet, or not JSON: written anew
  }
  const merged = { ...current };
  for (const [plugin, values] of Object.entries(LAB_OVERRIDES)) merged[plugin] = { ...current[plugin], ...values };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(merged, null, 2)}\n`);
  return file;
}

/**
 * The Python that runs Jupyter: $JUPYTER_PYTHON when set, else the project's .venv, `python3`/`python` on
 * PATH (a conda env), then Debian's /usr/bin/python3. It must import jupyter_client; `needs` lists further
 * modules. With `app`, it must also have JupyterLab or the classic Notebook; with `lab`, JupyterLab 4.
 */
function findJupyterPython(needs = [], options = {}) {
  const candidates = process.env.JUPYTER_PYTHON
    ? [process.env.JUPYTER_PYTHON]
    : [VENV_PYTHON, "python3", "python", "/usr/bin/python3"];
  let probe = ["jupyter_client", ...needs].map((m) => `import ${m}`).join("; ");
  if (options.app) probe += "; import importlib.util as u; assert u.find_spec('jupyterlab') or u.find_spec('notebook')";
  if (options.lab) probe += "; import jupyterlab; assert int(jupyterlab.__version__.split('.')[0]) >= 4";
  for (const py of candidates) {
    if (quiet(py, ["-c", probe]).ok) return py;
  }
  return undefined;
}

/** A Python 3 that can create a virtual environment with pip (venv and ensurepip), or undefined. */
function findBasePython() {
  for (const py of ["python3", "python", "/usr/bin/python3"]) {
    if (quiet(py, ["-c", "import sys, venv, ensurepip; assert sys.version_info >= (3, 9)"]).ok) return py;
  }
  return undefined;
}

/**
 * Creates (or completes) the project-local environment with JupyterLab 4 and plotly, using pip, and
 * returns its Python. Says what it does: it downloads packages and takes a few minutes the first time.
 */
function createLabEnv(basePython) {
  if (!fs.existsSync(VENV_PYTHON)) {
    log(
      `no JupyterLab 4 found: creating a project-local Python environment in ${path.relative(root, VENV) || VENV} (with ${basePython})`,
    );
    run(basePython, ["-m", "venv", VENV]);
  }
  log(`installing ${LAB_PACKAGES.join(" and ")} into it with pip (the first time takes a few minutes)`);
  run(VENV_PYTHON, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", ...LAB_PACKAGES]);
  writeLabOverrides(VENV);
  return VENV_PYTHON;
}

/** A Python with JupyterLab 4 and plotly: one found, else the project-local environment, created when needed. */
function ensureLabPython() {
  const found = findJupyterPython(["plotly"], { lab: true });
  if (found === VENV_PYTHON) writeLabOverrides(VENV);
  if (found) return found;
  if (process.env.JUPYTER_PYTHON) {
    throw new Error(
      `JUPYTER_PYTHON=${process.env.JUPYTER_PYTHON} has no JupyterLab 4 with plotly: ${process.env.JUPYTER_PYTHON} -m pip install ${LAB_PACKAGES.map((p) => `'${p}'`).join(" ")}`,
    );
  }
  const base = findBasePython();
  if (!base) return undefined;
  return createLabEnv(base);
}

const NO_JUPYTER = [
  "No Jupyter found (a Python with jupyter_client and JupyterLab or the Notebook), and no Python 3 with venv and",
  "pip to create the workbook's own environment. Get one, then run the same command again:",
  "  conda env create -f environment.yml && conda activate attention-workbook   (JupyterLab 4, Node 22, plotly, a compiler and OpenBLAS)",
  "  or: python3 -m pip install jupyterlab plotly",
  "  or, on Debian/Ubuntu: sudo apt-get install python3-venv   (npm start then creates .venv itself)",
  "  or: sudo apt-get install jupyter-notebook python3-nbclient jupyter-nbconvert   (the classic Notebook)",
].join("\n");

/** The Jupyter kernel this workbook registers: its own name, so other tslab installations are left alone. */
const KERNEL_NAME = "attention-workbook";
const KERNEL_DISPLAY_NAME = "TypeScript (attention workbook)";

/**
 * Registers this checkout's tslab as the kernel `attention-workbook` for the current user (Jupyter's
 * user data directory, or $JUPYTER_DATA_DIR) and returns where the kernel spec went. The notebooks'
 * metadata names this kernel. The system-wide `tslab` and `jslab` kernels are not touched.
 */
function registerKernel(python) {
  const tslab = path.join(root, "node_modules", ".bin", process.platform === "win32" ? "tslab.cmd" : "tslab");
  const spec = fs.mkdtempSync(path.join(os.tmpdir(), "workbook-kernel-"));
  try {
    const kernel = {
      argv: [tslab, "kernel", "--config-path", "{connection_file}"],
      display_name: KERNEL_DISPLAY_NAME,
      language: "typescript",
    };
    fs.writeFileSync(path.join(spec, "kernel.json"), `${JSON.stringify(kernel, null, 1)}\n`);
    const install =
      "import sys; from jupyter_client.kernelspec import KernelSpecManager as K; print(K().install_kernel_spec(sys.argv[1], kernel_name=sys.argv[2], user=True))";
    const r = spawnSync(python, ["-c", install, spec, KERNEL_NAME], { cwd: root, encoding: "utf8" });
    if (r.status !== 0)
      throw new Error(`registering the Jupyter kernel failed: ${(r.stderr || r.error?.message || "").trim()}`);
    const where = r.stdout.trim();
    log(
      `registered the Jupyter kernel "${KERNEL_NAME}" (${KERNEL_DISPLAY_NAME}) for the current user in ${where}: it runs ${tslab}`,
    );
    return where;
  } finally {
    fs.rmSync(spec, { recursive: true, force: true });
  }
}

/** Temporary Jupyter folders (for the tests and the timings), so the user's kernels, settings and workspaces stay as they are. */
function isolatedJupyterEnv(prefix = "workbook-test-jupyter-") {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const env = {
    JUPYTER_DATA_DIR: path.join(dir, "data"),
    JUPYTER_CONFIG_DIR: path.join(dir, "config"),
    JUPYTER_RUNTIME_DIR: path.join(dir, "runtime"),
    JUPYTERLAB_SETTINGS_DIR: path.join(dir, "lab-settings"),
    JUPYTERLAB_WORKSPACES_DIR: path.join(dir, "lab-workspaces"),
    IPYTHONDIR: path.join(dir, "ipython"),
  };
  for (const d of Object.values(env)) fs.mkdirSync(d, { recursive: true });
  return { dir, env };
}

/**
 * A copy of notebooks/ in a new temporary folder, next to a link to this checkout's node_modules (the
 * notebooks import the library by name) and with plotly.js in notebooks/_static; the notebooks'
 * "../checkpoints/..." then land in that folder. For the tests and the timings, so nothing a participant
 * owns is touched. Needs the built library (dist/).
 */
function copyNotebooks(prefix, { solutions = true } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const notebooks = path.join(dir, "notebooks");
  const skip = solutions ? /[\\/](_static|\.ipynb_checkpoints)$/ : /[\\/](_static|\.ipynb_checkpoints|solutions)$/;
  fs.cpSync(path.join(root, "notebooks"), notebooks, { recursive: true, filter: (source) => !skip.test(source) });
  fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
  require(path.join(root, "dist/plots/display.js")).writePlotlyAsset(notebooks);
  return { dir, notebooks };
}

module.exports = {
  isolatedJupyterEnv,
  copyNotebooks,
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
  NO_JUPYTER,
  KERNEL_NAME,
  KERNEL_DISPLAY_NAME,
  VENV,
  VENV_PYTHON,
  LAB_PACKAGES,
  LAB_OVERRIDES,
  writeLabOverrides,
};
