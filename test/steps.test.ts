/**
 * One named library function per tutorial step (src/notebook/steps.ts): the notebook's "Step N" section
 * calls it, its doc comment says "Defined in notebook NN, step N", and the README's Architecture table
 * lists it.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { TUTORIAL_STEPS, TutorialStep } from "attention-workbook/dist/notebook/steps";

const root = path.resolve(__dirname, "..");
const NOTEBOOKS: Record<string, string> = {
  "01": "notebooks/01-bahdanau-step-by-step.ipynb",
  "02": "notebooks/02-luong-step-by-step.ipynb",
};

interface Cell {
  cell_type: string;
  source: string[] | string;
}

const text = (cell: Cell) => (Array.isArray(cell.source) ? cell.source.join("") : cell.source);

/** The code of the cells after the notebook's "### Step N:" heading, up to the next heading. */
function stepCode(notebook: string, step: number): string {
  const cells: Cell[] = JSON.parse(fs.readFileSync(path.join(root, NOTEBOOKS[notebook]), "utf8")).cells;
  const start = cells.findIndex((c) => c.cell_type === "markdown" && text(c).startsWith(`### Step ${step}:`));
  assert.ok(start >= 0, `notebook ${notebook} has no "### Step ${step}:" heading`);
  const code: string[] = [];
  for (const cell of cells.slice(start + 1)) {
    if (cell.cell_type === "markdown" && /^#/.test(text(cell))) break;
    if (cell.cell_type === "code") code.push(text(cell));
  }
  return code.join("\n");
}

/** The doc comment right above a function's or method's definition in a source file. */
function docComment(file: string, name: string): string {
  const source = fs.readFileSync(path.join(root, "src", file), "utf8");
  const member = name.includes(".") ? name.split(".")[1] : name;
  const definition = new RegExp(
    `/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*(?:export\\s+)?(?:function\\s+${member}\\b|${member}\\s*\\()`,
  );
  const match = definition.exec(source);
  assert.ok(match, `src/${file} defines no documented ${name}`);
  return match[1];
}

describe("tutorial steps", () => {
  it("covers every step of notebooks 01 (1-6) and 02 (1-7), in order", () => {
    const numbers = (notebook: string) => [
      ...new Set(TUTORIAL_STEPS.filter((s) => s.notebook === notebook).map((s) => s.step)),
    ];
    assert.deepEqual(numbers("01"), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(numbers("02"), [1, 2, 3, 4, 5, 6, 7]);
  });

  for (const step of TUTORIAL_STEPS as TutorialStep[]) {
    it(`notebook ${step.notebook}, step ${step.step} (${step.title}): ${step.name}`, () => {
      const comment = docComment(step.file, step.name);
      assert.match(
        comment.replace(/\s*\*\s*/g, " "),
        new RegExp(`notebook ${step.notebook}, step ${step.step}\\b`),
        `${step.name}'s doc comment names notebook ${step.notebook}, step ${step.step}`,
      );
      if (step.call) {
        const code = stepCode(step.notebook, step.step);
        assert.ok(
          code.includes(`wb.${step.call}(`),
          `notebook ${step.notebook}'s step ${step.step} calls wb.${step.call}`,
        );
      }
    });
  }

  it("the README's Architecture section lists every step's function", () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    const architecture = readme.slice(readme.indexOf("## Architecture"));
    for (const step of TUTORIAL_STEPS)
      assert.ok(
        architecture.includes(
          `| ${step.notebook} | ${step.step} | ${step.title} | \`${step.name}\` | \`src/${step.file}\` |`,
        ),
        `README row for notebook ${step.notebook}, step ${step.step}: ${step.name}`,
      );
  });
});
