/**
 * One set-up script for every route into the workbook: .ci/run, the Dockerfile, the dev container and Binder
 * all run scripts/install.sh, so the steps the containers take are the ones CI tests. (No Docker engine runs
 * where these tests run: the image is not built here.)
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { root } from "./workspace";

const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");

describe("one set-up script for CI and the containers", () => {
  it("CI, the Dockerfile, the dev container and Binder each run scripts/install.sh", () => {
    assert.match(read(".ci/run"), /^bash scripts\/install\.sh$/m);
    assert.match(read("Dockerfile"), /^RUN bash scripts\/install\.sh --minimal/m);
    assert.match(read("Dockerfile"), /^FROM node:22-/m);
    const devcontainer = JSON.parse(read(".devcontainer/devcontainer.json"));
    assert.equal(devcontainer.postCreateCommand, "bash scripts/install.sh --minimal");
    assert.match(devcontainer.image, /^node:22-/);
    assert.match(read("binder/postBuild"), /^bash scripts\/install\.sh --no-apt$/m);
    assert.ok(fs.statSync(path.join(root, "binder/postBuild")).mode & 0o100, "binder/postBuild is executable");
    assert.deepEqual(read("binder/apt.txt").split("\n").filter(Boolean), ["g++", "make", "libopenblas-dev"]);
    for (const file of ["environment.yml", "binder/environment.yml"]) {
      assert.match(read(file), /nodejs=22/, `${file}: Node 22`);
      assert.match(read(file), /plotly>=6/, `${file}: plotly 6 or newer`);
    }
    for (const pkg of ["cxx-compiler", "make", "openblas"])
      assert.match(read("environment.yml"), new RegExp(`^  - ${pkg}\\b`, "m"), `environment.yml: ${pkg}`);
  });

  it("the set-up script answers --help, and refuses an unknown argument with one line", () => {
    const help = spawnSync("bash", [path.join(root, "scripts/install.sh"), "--help"], { encoding: "utf8" });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^The workbook's one set-up script/);
    assert.match(help.stdout, /usage: bash scripts\/install\.sh \[--minimal\] \[--no-apt\] \[--help\]/);
    const bad = spawnSync("bash", [path.join(root, "scripts/install.sh"), "--fast"], { encoding: "utf8" });
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr, "error: unknown argument --fast (use --minimal, --no-apt or --help)\n");
    assert.equal(bad.stdout, "");
  });

  it("npm 11 runs no dependency's install script without a decision in allowScripts", () => {
    const pkg = JSON.parse(read("package.json"));
    assert.deepEqual(Object.keys(pkg.allowScripts ?? {}).sort(), ["core-js", "esbuild", "zeromq"]);
    assert.ok(
      Object.values(pkg.allowScripts).every((allowed) => allowed === false),
      "no install script runs",
    );
    assert.equal(pkg.engines.node, ">=22");
  });
});
