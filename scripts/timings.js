#!/usr/bin/env node
/**
 * `npm run timings [-- --only 04,08] [--data FILE] [--out DIR]`: executes every notebook top to bottom in **full mode**
 * (no WORKBOOK_FAST) through the real tslab kernel, as a participant would run them in order, and writes
 *
 *   docs/timings.json, docs/timings.md   seconds per notebook, with the machine (cores, CPU, memory)
 *   docs/reference/NN-....html           each executed notebook rendered to HTML: the reference run a
 *                                        participant compares with (git-ignored; regenerate it here)
 *
 * The notebooks run from a temporary copy with their own checkpoints/ and an isolated Jupyter folder, so
 * nothing in the checkout or the user's Jupyter set-up changes. `--data FILE` is passed to the notebooks
 * that read DATA_FILE from the environment (10: the seed experiment on the Tatoeba file). `--out DIR` writes
 * the tables and the HTML there instead of docs/ (the test uses a temporary folder).
 */
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawnSync } = require("node:child_process");
const {
  root,
  log,
  ensureNodeModules,
  build,
  ensureLabPython,
  registerKernel,
  isolatedJupyterEnv,
  copyNotebooks,
} = require("./lib");

function parse(argv) {
  const out = { only: undefined, data: undefined, out: path.join(root, "docs") };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--only") out.only = (argv[++i] ?? "").split(",").filter(Boolean);
    else if (a === "--data") out.data = argv[++i];
    else if (a === "--out") out.out = path.resolve(argv[++i] ?? "");
    else throw new Error(`unknown argument ${JSON.stringify(a)}: use --only 04,08, --data FILE or --out DIR`);
  }
  if (out.only && out.only.length === 0) throw new Error("--only needs notebook numbers, e.g. --only 04,08");
  if (out.data !== undefined && !fs.existsSync(out.data)) throw new Error(`--data ${out.data}: no such file`);
  return out;
}

/** The machine, in the words of the table. */
function machine() {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.arch()}`,
  };
}

function main() {
  const args = parse(process.argv.slice(2));
  ensureNodeModules();
  build();
  const python = ensureLabPython();
  if (!python) throw new Error("no JupyterLab 4 and no Python 3 with venv and pip to create .venv with it");
  const jupyter = isolatedJupyterEnv("workbook-timings-jupyter-");
  Object.assign(process.env, jupyter.env);
  registerKernel(python);
  const ws = copyNotebooks("workbook-timings-", { solutions: false });
  const names = fs
    .readdirSync(ws.notebooks)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .filter((f) => !args.only || args.only.some((n) => f.startsWith(n)));
  const executed = path.join(ws.dir, "executed");
  fs.mkdirSync(executed);
  const env = { ...process.env };
  delete env.WORKBOOK_FAST;
  if (args.data) env.DATA_FILE = path.resolve(args.data);
  const rows = [];
  try {
    for (const name of names) {
      log(`running ${name} in full mode ...`);
      const out = path.join(executed, name);
      const start = process.hrtime.bigint();
      const r = spawnSync(
        python,
        [path.join(root, "scripts/run_notebook.py"), path.join(ws.notebooks, name), out, "--timeout", "3600"],
        { cwd: root, env, encoding: "utf8" },
      );
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const ok = r.status === 0;
      rows.push({ notebook: name, seconds: Number(seconds.toFixed(1)), ok });
      log(
        `${name}: ${seconds.toFixed(0)} s${ok ? "" : `, FAILED:\n${(r.stdout + r.stderr).trim().split("\n").slice(-8).join("\n")}`}`,
      );
    }
    const reference = path.join(args.out, "reference");
    fs.mkdirSync(reference, { recursive: true });
    const html = spawnSync(
      python,
      [
        "-m",
        "nbconvert",
        "--to",
        "html",
        "--output-dir",
        reference,
        ...rows.map((r) => path.join(executed, r.notebook)),
      ],
      { cwd: root, encoding: "utf8" },
    );
    if (html.status !== 0) throw new Error(`nbconvert failed: ${html.stderr.trim().split("\n").slice(-3).join(" ")}`);
  } finally {
    fs.rmSync(ws.dir, { recursive: true, force: true });
    fs.rmSync(jupyter.dir, { recursive: true, force: true });
  }
  const result = {
    measured: new Date().toISOString(),
    machine: machine(),
    data: args.data ? path.basename(args.data) : null,
    notebooks: rows,
  };
  const docs = args.out;
  const previous =
    fs.existsSync(path.join(docs, "timings.json")) && args.only
      ? JSON.parse(fs.readFileSync(path.join(docs, "timings.json"), "utf8"))
      : undefined;
  if (previous)
    result.notebooks = [
      ...previous.notebooks.filter((p) => !rows.some((r) => r.notebook === p.notebook)),
      ...rows,
    ].sort((a, b) => a.notebook.localeCompare(b.notebook));
  fs.writeFileSync(path.join(docs, "timings.json"), `${JSON.stringify(result, null, 1)}\n`);
  fs.writeFileSync(path.join(docs, "timings.md"), timingsMarkdown(result));
  log(`wrote timings.json, timings.md and reference/ in ${docs} (${rows.length} notebooks)`);
  if (rows.some((r) => !r.ok)) process.exitCode = 1;
}

function timingsMarkdown(r) {
  const m = r.machine;
  const total = r.notebooks.reduce((a, n) => a + n.seconds, 0);
  return [
    "# Notebook timings, full mode",
    "",
    `Written by \`npm run timings\` on ${r.measured.slice(0, 10)}: every notebook executed top to bottom in full mode through the tslab kernel, in order, on ${m.cores} cores (${m.cpu}, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node})${r.data ? `, with DATA_FILE = ${r.data}` : ", without the Tatoeba file"}.`,
    "",
    "| notebook | seconds | minutes | result |",
    "|---|---|---|---|",
    ...r.notebooks.map(
      (n) =>
        `| \`${n.notebook}\` | ${n.seconds.toFixed(0)} | ${(n.seconds / 60).toFixed(1)} | ${n.ok ? "ran" : "FAILED"} |`,
    ),
    `| all | ${total.toFixed(0)} | ${(total / 60).toFixed(1)} | |`,
    "",
  ].join("\n");
}

try {
  main();
} catch (e) {
  process.stderr.write(`error: ${e.message.split("\n")[0]}\n`);
  process.exit(1);
}
