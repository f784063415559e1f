/**
 * The library's folders only import downwards (scripts/layers.js):
 * util <- backend, data <- nn <- attention <- models <- train, decode <- metrics, plots, notebook <- cli.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { root } from "./workspace";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain CommonJS script, shared with the command line
const { upwardImports, LAYERS } = require(path.join(root, "scripts/layers.js")) as {
  upwardImports(src: string): string[];
  LAYERS: string[][];
};

describe("layers", () => {
  it("every import in src/ points down a layer (or stays in its folder)", () => {
    assert.deepEqual(upwardImports(path.join(root, "src")), []);
  });

  it("names an upward and a sideways import in a fixture tree, and passes the downward ones", () => {
    const problems = upwardImports(path.join(root, "test/fixtures/layers/src"));
    assert.deepEqual(problems.sort(), [
      `data${path.sep}pairs.ts: imports "../backend/select" (backend, beside data)`,
      `util${path.sep}format.ts: imports "../models/model" (models, above util)`,
    ]);
  });

  it("the command exits 1 on the fixture with one line per problem, and 0 on src/", () => {
    const bad = spawnSync(
      process.execPath,
      [path.join(root, "scripts/layers.js"), path.join(root, "test/fixtures/layers/src")],
      { encoding: "utf8" },
    );
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr.trim().split("\n").length, 2, bad.stderr);
    const good = spawnSync(process.execPath, [path.join(root, "scripts/layers.js")], { encoding: "utf8" });
    assert.equal(good.status, 0, good.stderr);
    assert.match(good.stdout, /every import points down/);
  });

  it("the README's Architecture section draws these layers", () => {
    const picture = LAYERS.map((names) => names.join(", ")).join(" <- ");
    assert.ok(
      fs.readFileSync(path.join(root, "README.md"), "utf8").includes(picture),
      `README.md does not show: ${picture}`,
    );
  });
});
