/**
 * The curated public API: the package root exports what the notebooks and the README teach; the rest is a
 * subpath export named after its folder (package.json "exports"). The README's table is the root, name for
 * name.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");
const LAYERS = [
  "util",
  "backend",
  "data",
  "nn",
  "attention",
  "models",
  "train",
  "decode",
  "metrics",
  "plots",
  "notebook",
];
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the package as a user's require sees it
const load = (specifier: string): Record<string, unknown> => require(specifier);

function notebookSources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return notebookSources(full);
    return entry.name.endsWith(".ipynb") ? [fs.readFileSync(full, "utf8")] : [];
  });
}

/** The README's public API table: layer -> the root names its row lists. */
function readmeTable(): Map<string, string[]> {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("### The public API"), readme.indexOf("## Layout"));
  const rows = new Map<string, string[]>();
  for (const match of section.matchAll(/^\| (\w+) \| `attention-workbook\/(\w+)` \| (.*) \|$/gm)) {
    assert.equal(match[1], match[2], `README row ${match[1]}: the subpath is named after the layer`);
    rows.set(
      match[1],
      [...match[3].matchAll(/`(\w+)`/g)].map((m) => m[1]),
    );
  }
  return rows;
}

describe("public API", () => {
  const wb = load("attention-workbook");
  const rootNames = Object.keys(wb).filter((name) => name !== "tf");

  it("the README's table lists exactly the root's names, each from the subpath of its layer", () => {
    const table = readmeTable();
    assert.deepEqual([...table.keys()], LAYERS);
    assert.deepEqual([...table.values()].flat().sort(), [...rootNames].sort());
    for (const [layer, names] of table) {
      const subpath = load(`attention-workbook/${layer}`);
      for (const name of names) assert.equal(subpath[name], wb[name], `${name} is attention-workbook/${layer}'s`);
    }
  });

  it("every name a notebook calls as wb.<name> is in the root", () => {
    const used = new Set(
      notebookSources(path.join(root, "notebooks")).flatMap((text) =>
        [...text.matchAll(/\bwb\.(\w+)/g)].map((m) => m[1]),
      ),
    );
    // Type names (wb.TranslationModel in an annotation) are in the root's declarations.
    const declarations = fs.readFileSync(path.join(root, "dist/index.d.ts"), "utf8");
    for (const name of used)
      assert.ok(
        name in wb || name === "tf" || new RegExp(`\\b${name}\\b`).test(declarations),
        `notebooks call wb.${name}, which the root lacks`,
      );
  });

  it("plumbing stays out of the root and is reachable from its subpath", () => {
    const plumbing: Array<[string, string]> = [
      ["crc32", "data"],
      ["zipRead", "data"],
      ["NOUNS", "data"],
      ["CHROMIUM_ARGS", "plots"],
      ["CHECKPOINT_FORMAT", "train"],
      ["registerWasmKernels", "backend"],
    ];
    for (const [name, layer] of plumbing) {
      assert.ok(!(name in wb), `${name} is not in the root`);
      assert.equal(
        typeof load(`attention-workbook/${layer}`)[name] !== "undefined",
        true,
        `${name} in attention-workbook/${layer}`,
      );
    }
  });

  it("the root is the smaller part of the library", () => {
    const all = new Set(LAYERS.flatMap((layer) => Object.keys(load(`attention-workbook/${layer}`))));
    assert.ok(rootNames.length * 2 < all.size, `root ${rootNames.length} names of ${all.size}`);
  });
});
