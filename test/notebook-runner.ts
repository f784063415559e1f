/** Runs a notebook through the tslab kernel with scripts/run_notebook.py (used by several tests). */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");

/** The Python that has the given Jupyter modules (npm test installs them on Debian). */
export function jupyterPython(modules: string[] = ["nbclient"]): string {
  const probe = modules.map((m) => `import ${m}`).join("; ");
  for (const py of [process.env.JUPYTER_PYTHON, "python3", "/usr/bin/python3"].filter(Boolean) as string[]) {
    if (spawnSync(py, ["-c", probe]).status === 0) return py;
  }
  throw new Error(`no Python with ${modules.join(", ")}: the notebook tests need Jupyter (npm test installs it on Debian)`);
}

export function runNotebook(file: string, out: string, twice: boolean) {
  const r = spawnSync(jupyterPython(), [path.join(root, "scripts/run_notebook.py"), file, out, ...(twice ? ["--twice"] : [])], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, WORKBOOK_FAST: "1" },
    timeout: 20 * 60 * 1000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

