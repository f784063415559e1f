// What a participant owns, as a fingerprint: every file of the checkout except what the tools rebuild
// (node_modules, dist, dist-test, artifacts, .venv, .git, notebooks/_static), plus their Jupyter kernel
// registrations and settings. `npm test` takes one before and after the tests: they must be equal.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const REBUILT = new Set(["node_modules", "dist", "dist-test", "artifacts", ".venv", ".venv-bench", ".git", "_static"]);

function walk(dir, out) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!REBUILT.has(e.name)) walk(full, out);
    } else if (e.isFile()) {
      out.set(full, crypto.createHash("sha256").update(fs.readFileSync(full)).digest("hex"));
    } else if (e.isSymbolicLink()) {
      out.set(full, `link:${fs.readlinkSync(full)}`);
    }
  }
}

/** The user's own Jupyter folders (kernels, settings), where they are on this platform. */
function userJupyterDirs() {
  const home = os.homedir();
  return [
    path.join(home, ".local", "share", "jupyter", "kernels"),
    path.join(home, ".jupyter"),
    path.join(home, "Library", "Jupyter", "kernels"),
  ];
}

/** A map from file path to content hash for `root` (the checkout) and the user's Jupyter folders. */
function snapshotUserFiles(root, extraDirs = userJupyterDirs()) {
  const files = new Map();
  walk(root, files);
  for (const d of extraDirs) walk(d, files);
  return files;
}

/** Lines naming each file added, removed or changed between two snapshots (empty when equal). */
function compareSnapshots(before, after) {
  const changes = [];
  for (const [file, hash] of before) {
    if (!after.has(file)) changes.push(`removed: ${file}`);
    else if (after.get(file) !== hash) changes.push(`changed: ${file}`);
  }
  for (const file of after.keys()) if (!before.has(file)) changes.push(`added: ${file}`);
  return changes;
}

module.exports = { snapshotUserFiles, compareSnapshots, userJupyterDirs };
