/** Runs a notebook through the tslab kernel with scripts/run_notebook.py (used by several tests). */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");

/**
 * The Python that has the given Jupyter modules: the JupyterLab 4 environment that npm test prepares
 * (WORKBOOK_LAB_PYTHON, usually .venv), else JUPYTER_PYTHON, python3 or Debian's (the classic Notebook).
 */
export function jupyterPython(modules: string[] = ["nbclient"]): string {
  const probe = modules.map((m) => `import ${m}`).join("; ");
  const candidates = [
    process.env.WORKBOOK_LAB_PYTHON,
    path.join(root, ".venv/bin/python"),
    process.env.JUPYTER_PYTHON,
    "python3",
    "/usr/bin/python3",
  ];
  for (const py of candidates.filter(Boolean) as string[]) {
    if (spawnSync(py, ["-c", probe]).status === 0) return py;
  }
  throw new Error(
    `no Python with ${modules.join(", ")}: the notebook tests need Jupyter (npm test installs it on Debian)`,
  );
}

export function runNotebook(file: string, out: string, twice: boolean) {
  const r = spawnSync(
    jupyterPython(),
    [path.join(root, "scripts/run_notebook.py"), file, out, ...(twice ? ["--twice"] : [])],
    {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, WORKBOOK_FAST: "1" },
      timeout: 20 * 60 * 1000,
    },
  );
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}
