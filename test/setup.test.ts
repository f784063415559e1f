/**
 * The README's first command (`npm start`, scripts/setup.js): on a machine with Python 3 but no
 * JupyterLab it creates the project-local environment with JupyterLab 4 and plotly (here in a temporary
 * folder, WORKBOOK_VENV), registers this checkout's tslab as the kernel "attention-workbook" for the
 * current user (a temporary JUPYTER_DATA_DIR) without touching other kernels, says so, and opens
 * JupyterLab 4 on the notebooks.
 */
import { describe, it, before, after } from "node:test";
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "./browser-helpers";

const root = path.resolve(__dirname, "..");
const setup = path.join(root, "scripts/setup.js");

describe("set-up (npm start)", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "workbook-setup-"));
    env = {
      ...process.env,
      WORKBOOK_VENV: path.join(dir, "venv"),
      JUPYTER_DATA_DIR: path.join(dir, "jupyter-data"),
      PIP_RETRIES: process.env.PIP_RETRIES ?? "0",
    };
    delete env.JUPYTER_PYTHON;
    delete env.WORKBOOK_LAB_PYTHON;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("a JUPYTER_PYTHON without JupyterLab gets one message saying what to install, and a non-zero exit", () => {
    const r = spawnSync(process.execPath, [setup, "--open"], {
      cwd: root,
      encoding: "utf8",
      env: { ...env, JUPYTER_PYTHON: "/nonexistent/python3" },
    });
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      /setup failed: JUPYTER_PYTHON=\/nonexistent\/python3 has no JupyterLab 4 with plotly: .*pip install 'jupyterlab>=4,<5' 'plotly>=6'/,
    );
  });

  it("with Python 3 but no JupyterLab, creates the project-local environment and registers the workbook's kernel", () => {
    const r = spawnSync(process.execPath, [setup], { cwd: root, encoding: "utf8", env, timeout: 15 * 60 * 1000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /no JupyterLab 4 found: creating a project-local Python environment in .*venv/);
    assert.match(r.stderr, /installing jupyterlab>=4,<5 and plotly>=6 into it with pip/);
    const venvPython = path.join(dir, "venv", "bin", "python");
    const versions = spawnSync(
      venvPython,
      ["-c", "import jupyterlab, plotly; print(jupyterlab.__version__, plotly.__version__)"],
      { encoding: "utf8" },
    );
    assert.equal(versions.status, 0, versions.stderr);
    assert.match(versions.stdout, /^4\.\d+\.\S+ [6-9]\./);
    // No news prompt in the environment the workbook made.
    const overrides = JSON.parse(
      fs.readFileSync(path.join(dir, "venv", "share", "jupyter", "lab", "settings", "overrides.json"), "utf8"),
    );
    assert.equal(overrides["@jupyterlab/apputils-extension:notification"].fetchNews, "false");

    const kernelDir = path.join(dir, "jupyter-data", "kernels", "attention-workbook");
    assert.match(
      r.stderr,
      new RegExp(
        `registered the Jupyter kernel "attention-workbook" \\(TypeScript \\(attention workbook\\)\\) for the current user in ${kernelDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`,
      ),
    );
    const spec = JSON.parse(fs.readFileSync(path.join(kernelDir, "kernel.json"), "utf8"));
    assert.equal(spec.argv[0], path.join(root, "node_modules/.bin/tslab"), "the kernel runs this checkout's tslab");
    assert.equal(spec.display_name, "TypeScript (attention workbook)");
    assert.deepEqual(
      fs.readdirSync(path.join(dir, "jupyter-data", "kernels")),
      ["attention-workbook"],
      "no tslab or jslab kernel written",
    );
    for (const nb of fs.readdirSync(path.join(root, "notebooks")).filter((f) => f.endsWith(".ipynb"))) {
      const meta = JSON.parse(fs.readFileSync(path.join(root, "notebooks", nb), "utf8")).metadata.kernelspec;
      assert.equal(meta.name, "attention-workbook", `${nb}: kernelspec ${meta.name}`);
    }
    assert.ok(
      fs.existsSync(path.join(root, "dist/index.js")) && fs.existsSync(path.join(root, "notebooks/_static/plotly.js")),
    );
  });

  it("--open starts JupyterLab 4 on the notebooks and says so", async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [setup, "--open", "--no-browser", `--port=${port}`, "--ServerApp.token=", "--ServerApp.password="],
      { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let log = "";
    child.stdout?.on("data", (d) => (log += d));
    child.stderr?.on("data", (d) => (log += d));
    try {
      let lab: Response | undefined;
      for (let i = 0; i < 240 && !lab?.ok; i++) {
        await new Promise((r) => setTimeout(r, 500));
        lab = await fetch(`http://127.0.0.1:${port}/lab/tree/04-train-bahdanau.ipynb`).catch(() => undefined);
      }
      assert.ok(lab?.ok, `JupyterLab did not answer:\n${log}`);
      assert.match(await lab.text(), /JupyterLab/);
      assert.match(log, /opening the workbook in JupyterLab 4\.\d+/);
      // JupyterLab itself reads the setting that keeps the news prompt away.
      // (The server applies overrides.json to the plugin's schema: its defaults are what a participant gets.)
      const news = (await (
        await fetch(`http://127.0.0.1:${port}/lab/api/settings/@jupyterlab/apputils-extension:notification`)
      ).json()) as { schema: { properties: { fetchNews: { default: string } } } };
      assert.equal(news.schema.properties.fetchNews.default, "false", "the news prompt is off");
      const contents = (await (await fetch(`http://127.0.0.1:${port}/api/contents`)).json()) as {
        content: Array<{ name: string }>;
      };
      assert.ok(
        contents.content.some((f) => f.name === "04-train-bahdanau.ipynb"),
        "serves notebooks/",
      );
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  });
});
