/**
 * Executes every notebook in notebooks/ top to bottom through the real tslab kernel (Jupyter's
 * nbclient), twice in the same kernel session as users rerun cells, in fast mode (WORKBOOK_FAST=1).
 * Any error output fails the test. The executed notebooks are kept in artifacts/notebooks/.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runNotebook } from "./notebook-runner";

const root = path.resolve(__dirname, "..");
const notebooks = [
  ...fs.readdirSync(path.join(root, "notebooks")).filter((f) => f.endsWith(".ipynb")).sort(),
  ...fs.readdirSync(path.join(root, "notebooks/solutions")).filter((f) => f.endsWith(".ipynb")).sort().map((f) => `solutions/${f}`),
];

/** All text a notebook printed (streams and text/plain), cell by cell. */
function printed(file: string): string {
  const nb = JSON.parse(fs.readFileSync(file, "utf8"));
  return nb.cells
    .flatMap((c: { outputs?: Array<{ text?: string | string[]; data?: Record<string, string | string[]> }> }) => c.outputs ?? [])
    .map((o: { text?: string | string[]; data?: Record<string, string | string[]> }) => [o.text, o.data?.["text/plain"]].flat().filter(Boolean).join(""))
    .join("\n");
}
const outDir = path.join(root, "artifacts", "notebooks");

describe("notebooks run through the tslab kernel", () => {
  it("finds the notebooks", () => {
    assert.ok(notebooks.includes("00-setup.ipynb"), `notebooks/: ${notebooks.join(", ")}`);
  });

  for (const name of notebooks) {
    it(`${name} runs twice in one kernel session with no error output`, () => {
      const out = path.join(outDir, name);
      const r = runNotebook(path.join(root, "notebooks", name), out, true);
      assert.equal(r.status, 0, `${name} failed:\n${r.output}`);
      const executed = JSON.parse(fs.readFileSync(out, "utf8"));
      const outputs = executed.cells.flatMap((c: { outputs?: unknown[] }) => c.outputs ?? []);
      assert.ok(outputs.length > 0, `${name}: no outputs at all`);
    });
  }

  it("the workshop's checks fail politely on the blank exercises and pass on the solutions", () => {
    const blank = printed(path.join(outDir, "07-workshop.ipynb"));
    const solved = printed(path.join(outDir, "solutions/07-workshop-solutions.ipynb"));
    assert.equal((blank.match(/^FAIL {2}exercise \d/gm) ?? []).length, 10, "5 exercises, run twice");
    assert.equal((solved.match(/^PASS {2}exercise \d/gm) ?? []).length, 10);
    assert.doesNotMatch(solved, /^FAIL/m);
  });

  it("the training notebooks continue training when the training cell is rerun", () => {
    for (const name of ["04-train-bahdanau.ipynb", "05-train-luong.ipynb"]) {
      const text = printed(path.join(outDir, name));
      const totals = [...text.matchAll(/\((\d+) in all\)/g)].map((m) => Number(m[1]));
      assert.equal(totals.length, 2, `${name}: two training runs`);
      assert.ok(totals[1] > totals[0], `${name}: epochs in all ${totals.join(" then ")}`);
    }
  });

  it("fails when a cell throws (a broken copy of 00-setup)", () => {
    const nb = JSON.parse(fs.readFileSync(path.join(root, "notebooks/00-setup.ipynb"), "utf8"));
    nb.cells.splice(2, 0, { cell_type: "code", id: "broken", metadata: {}, execution_count: null, outputs: [], source: ['throw new Error("this cell is broken on purpose");'] });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-broken-"));
    const file = path.join(root, "notebooks", `.broken-${path.basename(dir)}.ipynb`);
    fs.writeFileSync(file, JSON.stringify(nb));
    try {
      const r = runNotebook(file, path.join(dir, "out.ipynb"), false);
      assert.notEqual(r.status, 0, "the runner passed a notebook with a failing cell");
      assert.match(r.output, /this cell is broken on purpose/);
    } finally {
      fs.rmSync(file, { force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails on a TypeScript compile error", () => {
    const nb = JSON.parse(fs.readFileSync(path.join(root, "notebooks/00-setup.ipynb"), "utf8"));
    nb.cells.splice(2, 0, { cell_type: "code", id: "typo", metadata: {}, execution_count: null, outputs: [], source: ["const n: number = \"not a number\";"] });
    const file = path.join(root, "notebooks", `.typo-${process.pid}.ipynb`);
    fs.writeFileSync(file, JSON.stringify(nb));
    try {
      const r = runNotebook(file, path.join(os.tmpdir(), `typo-${process.pid}.ipynb`), false);
      assert.notEqual(r.status, 0, "the runner passed a notebook with a type error");
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
