/** The README's first command: set-up, kernel registration, and the message when there is no Jupyter. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");

describe("set-up (npm start)", () => {
  it("without Jupyter, says in one message how to get one and exits non-zero", () => {
    const r = spawnSync(process.execPath, [path.join(root, "scripts/setup.js"), "--open"], {
      cwd: root, encoding: "utf8", env: { ...process.env, JUPYTER_PYTHON: "/nonexistent/python3" },
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /No Jupyter found[\s\S]*conda env create -f environment\.yml[\s\S]*pip install jupyterlab[\s\S]*apt-get install jupyter-notebook/);
  });

  it("builds dist/, registers this checkout's tslab as the tslab kernel, and puts plotly.js beside the notebooks", () => {
    const r = spawnSync(process.execPath, [path.join(root, "scripts/setup.js")], { cwd: root, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(root, "dist/index.js")) && fs.existsSync(path.join(root, "dist/index.d.ts")));
    assert.ok(fs.existsSync(path.join(root, "notebooks/_static/plotly.js")));
    const py = spawnSync("/usr/bin/python3", ["-c", "from jupyter_client.kernelspec import KernelSpecManager as K; import json; print(json.dumps(K().get_kernel_spec('tslab').argv))"], { encoding: "utf8" });
    assert.equal(py.status, 0, py.stderr);
    const argv = JSON.parse(py.stdout);
    assert.equal(argv[0], path.join(root, "node_modules/.bin/tslab"), "the kernel runs this checkout's tslab");
  });
});
