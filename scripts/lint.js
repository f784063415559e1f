#!/usr/bin/env node
/**
 * `npm run lint`: ESLint, Prettier's check and the layer check (scripts/layers.js), in that order; the first
 * problem stops it. `npm run format` (`--write`): Prettier rewrites the files instead of checking them.
 * `npm test` runs the check first (scripts/test-all.js).
 */
const path = require("node:path");
const { root, run, log } = require("./lib");

/** What Prettier formats (its ignore file, .prettierignore, leaves out generated and data folders). */
const FORMATTED = ["src", "test", "scripts", "eslint.config.mjs"];
const bin = (pkg, file) => path.join(root, "node_modules", pkg, file);

function lint() {
  run(process.execPath, [bin("eslint", "bin/eslint.js"), "."]);
  run(process.execPath, [bin("prettier", "bin/prettier.cjs"), "--check", ...FORMATTED]);
  run(process.execPath, [path.join(root, "scripts/layers.js")]);
  log("lint: ESLint, Prettier and the layer check are clean");
}

function format() {
  run(process.execPath, [bin("prettier", "bin/prettier.cjs"), "--write", ...FORMATTED]);
}

if (require.main === module) {
  try {
    if (process.argv.includes("--write")) format();
    else lint();
  } catch (e) {
    process.stderr.write(`error: ${e.message.split("\n")[0]}\n`);
    process.exit(1);
  }
}

module.exports = { lint };
