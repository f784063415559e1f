#!/usr/bin/env node
/**
 * `node scripts/layers.js [SRC]`: checks that the library's folders only import downwards. The layers,
 * bottom first (a folder may import from its own folder and from lower layers, never from its layer's
 * other folders or from above):
 *
 *   util  <-  backend, data  <-  nn  <-  attention  <-  models  <-  train, decode  <-  metrics, plots, notebook  <-  cli  <-  index.ts
 *
 * Every relative `import ... from`, `export ... from`, `import("...")` and `require("...")` counts, type-only
 * imports too. Prints one line per upward import and exits 1 when there is any.
 */
const fs = require("node:fs");
const path = require("node:path");

const LAYERS = [
  ["util"],
  ["backend", "data"],
  ["nn"],
  ["attention"],
  ["models"],
  ["train", "decode"],
  ["metrics", "plots", "notebook"],
  ["cli"],
  ["index.ts"],
];

/** The layer number of a top-level entry of src/ (a folder, or a file such as index.ts), or undefined. */
function layerOf(entry) {
  const i = LAYERS.findIndex((names) => names.includes(entry));
  return i < 0 ? undefined : i;
}

function sourceFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.(ts|js)$/.test(e.name) && !e.name.endsWith(".d.ts") ? [full] : [];
  });
}

/** The relative module paths a source file names. */
function importsOf(text) {
  const found = [];
  const patterns = [
    /\b(?:import|export)\s[^;]*?\sfrom\s*["'](\.[^"']*)["']/g,
    /\b(?:import|require)\s*\(\s*["'](\.[^"']*)["']\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of text.matchAll(pattern)) found.push(m[1]);
  return found;
}

/** Every upward (or sideways) import under `src`, as lines `file: imports "spec" (target above or beside source)`. */
function upwardImports(src) {
  const problems = [];
  for (const file of sourceFiles(src)) {
    const entry = path.relative(src, file).split(path.sep)[0];
    const from = layerOf(entry);
    if (from === undefined) {
      problems.push(`${path.relative(src, file)}: src/${entry} is in no layer; add it to LAYERS in scripts/layers.js`);
      continue;
    }
    for (const spec of importsOf(fs.readFileSync(file, "utf8"))) {
      const target = path.relative(src, path.resolve(path.dirname(file), spec)).split(path.sep)[0];
      if (target === entry || target.startsWith("..")) continue;
      const to = layerOf(target) ?? layerOf(`${target}.ts`);
      if (to === undefined || to >= from) {
        problems.push(
          `${path.relative(src, file)}: imports "${spec}" (${target}, ${to === undefined ? "in no layer" : to === from ? "beside" : "above"} ${entry})`,
        );
      }
    }
  }
  return problems;
}

if (require.main === module) {
  const src = path.resolve(process.argv[2] ?? path.join(__dirname, "..", "src"));
  const problems = upwardImports(src);
  for (const p of problems) process.stderr.write(`layers: ${p}\n`);
  if (problems.length) process.exit(1);
  process.stdout.write(
    `layers: ${sourceFiles(src).length} files, every import points down (${LAYERS.map((l) => l.join(", ")).join(" <- ")})\n`,
  );
}

module.exports = { LAYERS, upwardImports };
