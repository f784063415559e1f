/**
 * Part 1 of notebooks 01 and 02 draws every numbered step from the cell's own tensors: the part runs through
 * the tslab kernel as written and with one input number changed (as a participant would change it), and every
 * step's picture must show other numbers. Runs on copies in a temporary folder.
 */
import { describe, it, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { runNotebook } from "./notebook-runner";
import { makeWorkspace, Workspace } from "./workspace";

type Cell = { cell_type: string; source: string | string[]; outputs?: Array<{ data?: Record<string, unknown> }> };
const text = (c: Cell) => (Array.isArray(c.source) ? c.source.join("") : c.source);

/** The notebook's cells before its part 2, with `changes` applied to the code. */
function partOne(file: string, changes: Array<[string, string]>): { cells: Cell[] } & Record<string, unknown> {
  const nb = JSON.parse(fs.readFileSync(file, "utf8"));
  const end = nb.cells.findIndex((c: Cell) => c.cell_type === "markdown" && text(c).includes("## Part 2"));
  nb.cells = nb.cells.slice(0, end);
  for (const [from, to] of changes) {
    const cell = nb.cells.find((c: Cell) => c.cell_type === "code" && text(c).includes(from));
    assert.ok(cell, `${file}: no cell with ${from}`);
    cell.source = text(cell).replace(from, to);
  }
  return nb;
}

/** The step numbers of part 1 whose "### Step N" section has code. */
function stepsWithCode(nb: { cells: Cell[] }): number[] {
  const steps: number[] = [];
  let current: number | undefined;
  for (const c of nb.cells) {
    const heading = /^### Step (\d+):/.exec(text(c));
    if (c.cell_type === "markdown" && text(c).startsWith("#")) current = heading ? Number(heading[1]) : undefined;
    if (c.cell_type === "code" && current !== undefined && !steps.includes(current)) steps.push(current);
  }
  return steps;
}

/** Runs a notebook and returns, for each figure titled "Step N...", the numbers it draws (texts and data). */
function stepPictures(ws: Workspace, name: string, nb: object): Map<string, string> {
  const file = path.join(ws.notebooks, name);
  fs.writeFileSync(file, JSON.stringify(nb));
  const out = path.join(ws.dir, `executed-${name}`);
  const r = runNotebook(file, out, false);
  assert.equal(r.status, 0, r.output);
  const executed = JSON.parse(fs.readFileSync(out, "utf8")) as { cells: Cell[] };
  const pictures = new Map<string, string>();
  for (const o of executed.cells.flatMap((c) => c.outputs ?? [])) {
    const fig = o.data?.["application/vnd.plotly.v1+json"] as
      { data: unknown[]; layout: { title?: { text?: string }; annotations?: Array<{ text?: string }> } } | undefined;
    const title = fig?.layout.title?.text ?? "";
    const drawn = [...(fig?.layout.annotations ?? []).map((a) => a.text), JSON.stringify(fig?.data)];
    if (/^Step \d/.test(title)) pictures.set(title, drawn.join(" "));
  }
  return pictures;
}

const CASES: Array<{ notebook: string; changes: Array<[string, string]> }> = [
  {
    notebook: "01-bahdanau-step-by-step.ipynb",
    changes: [["tf.tensor3d([[[1, 1, 0], [0, 1, 1]]])", "tf.tensor3d([[[1, 2, 0], [0, 1, 1]]])"]],
  },
  {
    notebook: "02-luong-step-by-step.ipynb",
    changes: [
      ["tf.tensor3d([[[1, 1, 0], [0, 1, 1]]])", "tf.tensor3d([[[1, 2, 0], [0, 1, 1]]])"],
      ["tf.tensor2d([[0.5, -0.5, 0.2]])", "tf.tensor2d([[0.5, 0.5, 0.2]])"],
    ],
  },
];

describe("part 1 of 01 and 02 draws each step from the cell's own numbers", () => {
  let ws: Workspace;
  before(() => {
    ws = makeWorkspace("workbook-step-pictures-");
  });
  after(() => ws?.remove());

  for (const { notebook, changes } of CASES) {
    it(`${notebook}: every step's picture changes when an input number changes`, () => {
      const source = path.join(ws.notebooks, notebook);
      const original = partOne(source, []);
      const steps = stepsWithCode(original);
      assert.ok(steps.length >= 5, `steps with code: ${steps.join(", ")}`);
      const before = stepPictures(ws, `a-${notebook}`, original);
      const after = stepPictures(ws, `b-${notebook}`, partOne(source, changes));
      for (const step of steps) {
        const titles = [...before.keys()].filter((t) => t.startsWith(`Step ${step}:`));
        assert.ok(titles.length > 0, `step ${step} draws no picture (pictures: ${[...before.keys()].join("; ")})`);
        for (const title of titles) {
          assert.ok(after.has(title), `${title}: missing after the change`);
          assert.notEqual(after.get(title), before.get(title), `${title}: the same numbers after the change`);
        }
      }
    });
  }
});
