#!/usr/bin/env node
// Builds the optional native kernels (native/kernels.cc: OpenBLAS matrix products on every core and the
// fused training kernels) with node-gyp. Run by `npm install`; never fails the install: without a C++
// compiler or OpenBLAS (Debian: apt-get install g++ make libopenblas-dev) the library runs tfjs's own
// wasm kernels and says so. `--required` (used by `npm test`) exits non-zero when it cannot build.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const root = path.resolve(__dirname, "..");
const dir = path.join(root, "native");
const addon = path.join(dir, "build", "Release", "workbook_kernels.node");
const required = process.argv.includes("--required");

function upToDate() {
  if (!fs.existsSync(addon)) return false;
  const built = fs.statSync(addon).mtimeMs;
  return ["kernels.cc", "binding.gyp"].every((f) => fs.statSync(path.join(dir, f)).mtimeMs <= built);
}

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(
      path.dirname(process.execPath),
      "..",
      "lib",
      "node_modules",
      "npm",
      "node_modules",
      "node-gyp",
      "bin",
      "node-gyp.js",
    ),
  ];
  try {
    candidates.push(require.resolve("node-gyp/bin/node-gyp.js"));
  } catch {
    // node-gyp is not installed beside this package: the next candidate may be
  }
  return candidates.find((c) => c && fs.existsSync(c));
}

function main() {
  if (process.env.WORKBOOK_NATIVE === "0") {
    console.log("native kernels: not built (WORKBOOK_NATIVE=0)");
    return 0;
  }
  if (upToDate()) {
    console.log(`native kernels: up to date (${path.relative(root, addon)})`);
    return 0;
  }
  const gyp = nodeGyp();
  if (!gyp) return fail("node-gyp not found (it comes with npm)");
  const args = [gyp, "rebuild"];
  // Node's own headers, when installed with it (Debian's nodejs), spare node-gyp a download.
  const prefix = path.resolve(path.dirname(process.execPath), "..");
  if (fs.existsSync(path.join(prefix, "include", "node", "node_api.h"))) args.push(`--nodedir=${prefix}`);
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8" });
  if (r.status !== 0 || !fs.existsSync(addon)) {
    const log = path.join(dir, "build-error.log");
    fs.writeFileSync(log, `${r.stdout ?? ""}\n${r.stderr ?? ""}`);
    const reason = /cblas\.h|lopenblas/.test(r.stderr ?? "")
      ? "OpenBLAS is missing (Debian: apt-get install libopenblas-dev)"
      : /not found|No such file/.test(r.stderr ?? "") && /g\+\+|make|c\+\+/.test(r.stderr ?? "")
        ? "no C++ compiler (Debian: apt-get install g++ make)"
        : `node-gyp failed, see ${path.relative(root, log)}`;
    return fail(reason);
  }
  console.log(`native kernels: built ${path.relative(root, addon)} (OpenBLAS, fused training kernels)`);
  return 0;
}

function fail(reason) {
  console.log(`native kernels: not built: ${reason}; training runs on tfjs's wasm kernels (slower)`);
  return required ? 1 : 0;
}

process.exit(main());
