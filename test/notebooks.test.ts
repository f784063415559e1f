/**
 * Executes every notebook top to bottom through the real tslab kernel (Jupyter's nbclient), twice in the
 * same kernel session as users rerun cells, in fast mode (WORKBOOK_FAST=1). Any error output fails the
 * test. The notebooks run from a temporary copy (test/workspace.ts), so their checkpoints land there;
 * the checkout and the user's Jupyter folders are compared before and after. The executed notebooks are
 * kept in artifacts/notebooks/.
 */
import { describe, it, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { runNotebook } from "./notebook-runner";
import { makeWorkspace, Workspace, root } from "./workspace";
import { checkpointSummary } from "attention-workbook";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain CommonJS script, shared with npm test
const { snapshotUserFiles, compareSnapshots } = require(path.join(root, "scripts/user-files.js")) as {
  snapshotUserFiles(dir: string, extra?: string[]): Map<string, string>;
  compareSnapshots(a: Map<string, string>, b: Map<string, string>): string[];
};
const allNotebooks = [
  ...fs
    .readdirSync(path.join(root, "notebooks"))
    .filter((f) => f.endsWith(".ipynb"))
    .sort(),
  ...fs
    .readdirSync(path.join(root, "notebooks/solutions"))
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => `solutions/${f}`),
];
/**
 * WORKBOOK_NOTEBOOKS=02,05 runs only the notebooks whose numbers are listed (each with its solutions), for a
 * quick check of the notebooks one has changed; the tests that need every notebook are then skipped.
 */
const only = process.env.WORKBOOK_NOTEBOOKS?.split(",").map((n) => n.trim().padStart(2, "0"));
const selected = (name: string) => !only || only.includes(name.replace(/^solutions\//, "").slice(0, 2));
const notebooks = allNotebooks.filter(selected);
const whole = only ? { skip: `WORKBOOK_NOTEBOOKS=${only.join(",")}: not every notebook runs` } : {};

/** All text a notebook printed (streams and text/plain), cell by cell. */
function printed(file: string): string {
  const nb = JSON.parse(fs.readFileSync(file, "utf8"));
  return nb.cells
    .flatMap(
      (c: { outputs?: Array<{ text?: string | string[]; data?: Record<string, string | string[]> }> }) =>
        c.outputs ?? [],
    )
    .map((o: { text?: string | string[]; data?: Record<string, string | string[]> }) =>
      [o.text, o.data?.["text/plain"]].flat().filter(Boolean).join(""),
    )
    .join("\n");
}
const outDir = path.join(root, "artifacts", "notebooks");

const PROBE = "tensors after this run of every cell:";

/** Appends to a notebook copy a last cell that prints how many tensors are alive (tf.memory().numTensors). */
function addTensorProbe(file: string): void {
  const nb = JSON.parse(fs.readFileSync(file, "utf8"));
  nb.cells.push({
    cell_type: "code",
    metadata: {},
    source: [`console.log(\`${PROBE} \${wb.tf.memory().numTensors}\`);`],
    execution_count: null,
    outputs: [],
    id: "tensor-probe",
  });
  fs.writeFileSync(file, JSON.stringify(nb));
}

describe("notebooks run through the tslab kernel", () => {
  let ws: Workspace;
  let userFilesBefore: Map<string, string>;
  before(() => {
    userFilesBefore = snapshotUserFiles(root);
    ws = makeWorkspace("workbook-notebooks-");
  });
  after(() => ws?.remove());

  it("finds the notebooks", () => {
    assert.ok(allNotebooks.includes("00-setup.ipynb"), `notebooks/: ${allNotebooks.join(", ")}`);
  });

  for (const name of notebooks) {
    it(`${name} runs twice in one kernel session with no error output and no tensor leak`, () => {
      const out = path.join(outDir, name);
      const copy = path.join(ws.notebooks, name);
      addTensorProbe(copy);
      const r = runNotebook(copy, out, true);
      assert.equal(r.status, 0, `${name} failed:\n${r.output}`);
      const executed = JSON.parse(fs.readFileSync(out, "utf8"));
      const outputs = executed.cells.flatMap((c: { outputs?: unknown[] }) => c.outputs ?? []);
      assert.ok(outputs.length > 0, `${name}: no outputs at all`);
      // Rerunning every cell keeps what the notebook state holds (models, data) and adds nothing.
      const counts = [...printed(out).matchAll(new RegExp(`${PROBE} (\\d+)`, "g"))].map((m) => Number(m[1]));
      assert.equal(counts.length, 2, `${name}: the tensor probe printed ${counts.length} times`);
      assert.equal(
        counts[1],
        counts[0],
        `${name}: ${counts[0]} tensors after the first run, ${counts[1]} after the second`,
      );
    });
  }

  // Every exercise, by notebook: its check prints FAIL on the blank notebook and PASS on the solutions, both
  // times the notebook runs in one kernel session.
  const exercises: Record<string, string[]> = {
    "01-bahdanau-step-by-step": ["01.1", "01.2"],
    "02-luong-step-by-step": ["02.1", "02.2", "02.3", "02.4"],
    "03-data": ["03.1", "03.2"],
    "04-train-bahdanau": ["04.1", "04.2"],
    "05-train-luong": ["05.2", "05.3"],
    "06-compare": ["06.1", "06.2"],
    "07-workshop": ["07.1", "07.2", "07.3", "07.4", "07.5"],
    "08-why-attention": ["08.1"],
    "09-beam-search-and-teacher-forcing": ["09.1", "09.2"],
    "10-seed-experiment": ["10.1"],
  };
  const verdicts = (text: string, id: string) =>
    [...text.matchAll(new RegExp(`^(PASS|FAIL) {2}exercise ${id.replace(".", "\\.")} `, "gm"))].map((m) => m[1]);
  for (const [name, ids] of Object.entries(exercises).filter(([name]) => selected(name))) {
    it(`${name}: each of its exercises (${ids.join(", ")}) fails on the blank notebook and passes on the solutions, twice in one kernel`, () => {
      const blank = printed(path.join(outDir, `${name}.ipynb`));
      const solved = printed(path.join(outDir, `solutions/${name}-solutions.ipynb`));
      for (const id of ids) {
        assert.deepEqual(verdicts(blank, id), ["FAIL", "FAIL"], `${name}, exercise ${id} on the blank notebook`);
        assert.deepEqual(verdicts(solved, id), ["PASS", "PASS"], `solutions of ${name}, exercise ${id}`);
      }
      assert.equal(
        (blank.match(/^(PASS|FAIL) {2}exercise /gm) ?? []).length,
        2 * ids.length,
        `${name}: no other exercise lines`,
      );
      assert.match(blank, /^FAIL {2}exercise \d\d\.\d \(.+\): (.+: )?(nothing returned|no answer) yet\. Hint: /m);
    });
  }

  it(
    "every notebook 01-10 ends with checked exercises (two or more in 01-07) and has a solutions notebook",
    whole,
    () => {
      const teaching = allNotebooks.filter((n) => /^(0[1-9]|10)-/.test(n)).map((n) => n.replace(/\.ipynb$/, ""));
      assert.deepEqual(teaching, Object.keys(exercises));
      for (const name of teaching) {
        assert.ok(exercises[name].length >= (name < "08" ? 2 : 1), name);
        // The last code cell calls a check.
        const cells = JSON.parse(fs.readFileSync(path.join(root, "notebooks", `${name}.ipynb`), "utf8")).cells;
        const lastCode = cells.filter((c: { cell_type: string }) => c.cell_type === "code").pop();
        assert.match(
          lastCode.source.join(""),
          /wb\.workshop\.check\w+\(/,
          `${name}: its last code cell is not an exercise`,
        );
        assert.ok(allNotebooks.includes(`solutions/${name}-solutions.ipynb`), `solutions/${name}-solutions.ipynb`);
      }
    },
  );

  it(
    "an answer that calls the library function being taught fails its check in the real kernel (07.1 with wb.luongScores, 01.1 with a destructured wb.bahdanauScores)",
    whole,
    () => {
      const edit = (name: string, find: RegExp, answer: string) => {
        const nb = JSON.parse(
          fs.readFileSync(path.join(root, "notebooks/solutions", `${name}-solutions.ipynb`), "utf8"),
        );
        const cell = nb.cells.find((c: { source: string[] }) => find.test(c.source.join("")));
        assert.ok(cell, `${name}: no cell matches ${find}`);
        cell.source = [answer];
        return nb;
      };
      const cases: Array<[string, RegExp, string, RegExp]> = [
        [
          "07-workshop",
          /function dotScore/,
          [
            "function dotScore(query: wb.tf.Tensor2D, keys: wb.tf.Tensor3D): wb.tf.Tensor2D | undefined {",
            '  return wb.luongScores("dot", query, keys);   // the right numbers, from the library',
            "}",
            "wb.workshop.checkDotScore(dotScore);",
          ].join("\n"),
          /^FAIL {2}exercise 07\.1 \(dot score\): your answer calls the library's wb\.luongScores/m,
        ],
        [
          "01-bahdanau-step-by-step",
          /function additiveScore/,
          [
            "const { bahdanauScores } = wb;",
            "function additiveScore(s: number[], h: number[], Wq: number[][], Wk: number[][], v: number[]): number | undefined {",
            "  return tf.tidy(() => bahdanauScores(tf.tensor2d([s]), tf.tensor3d([[h]]), { Wq: tf.tensor2d(Wq), Wk: tf.tensor2d(Wk), v: tf.tensor1d(v) }).dataSync()[0]);",
            "}",
            "wb.workshop.checkAdditiveScore(additiveScore);",
          ].join("\n"),
          /^FAIL {2}exercise 01\.1 \(additive score\): your answer calls the library's bahdanauScores/m,
        ],
      ];
      for (const [name, find, answer, expected] of cases) {
        const file = path.join(ws.notebooks, "solutions", `.library-${name}.ipynb`);
        fs.writeFileSync(file, JSON.stringify(edit(name, find, answer)));
        const out = path.join(outDir, `library-answer-${name}.ipynb`);
        try {
          const r = runNotebook(file, out, false);
          assert.equal(r.status, 0, r.output);
        } finally {
          fs.rmSync(file, { force: true });
        }
        assert.match(printed(out), expected, `${name}: the library-calling answer must fail`);
      }
    },
  );

  it("the training notebooks continue training when the training cell is rerun", whole, () => {
    for (const name of ["04-train-bahdanau.ipynb", "05-train-luong.ipynb"]) {
      const text = printed(path.join(outDir, name));
      const totals = [...text.matchAll(/\((\d+) in all\)/g)].map((m) => Number(m[1]));
      assert.equal(totals.length, 2, `${name}: two training runs`);
      assert.ok(totals[1] > totals[0], `${name}: epochs in all ${totals.join(" then ")}`);
    }
  });

  it("fails when a cell throws (a broken copy of 00-setup)", () => {
    const nb = JSON.parse(fs.readFileSync(path.join(root, "notebooks/00-setup.ipynb"), "utf8"));
    nb.cells.splice(2, 0, {
      cell_type: "code",
      id: "broken",
      metadata: {},
      execution_count: null,
      outputs: [],
      source: ['throw new Error("this cell is broken on purpose");'],
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-broken-"));
    const file = path.join(ws.notebooks, `.broken-${path.basename(dir)}.ipynb`);
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
    nb.cells.splice(2, 0, {
      cell_type: "code",
      id: "typo",
      metadata: {},
      execution_count: null,
      outputs: [],
      source: ['const n: number = "not a number";'],
    });
    const file = path.join(ws.notebooks, `.typo-${process.pid}.ipynb`);
    fs.writeFileSync(file, JSON.stringify(nb));
    try {
      const r = runNotebook(file, path.join(os.tmpdir(), `typo-${process.pid}.ipynb`), false);
      assert.notEqual(r.status, 0, "the runner passed a notebook with a type error");
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
  it(
    "the training notebooks record fast mode in their checkpoints, and 01 and 02 say so and train their own model",
    whole,
    () => {
      for (const [dir, attention] of [
        ["04-bahdanau", "bahdanau"],
        ["05-luong", "luong-general"],
      ]) {
        const summary = checkpointSummary(path.join(ws.checkpoints, dir));
        assert.equal(summary.exists, true, `${dir}: no checkpoint in the workspace`);
        assert.equal(summary.attention, attention);
        assert.equal(summary.fastMode, true);
        assert.equal(summary.trained, false);
        assert.equal(summary.epochs, 4, "two runs of the training cell, 2 epochs each");
        assert.match(summary.description, /not a trained model: trained in fast mode/);
      }
      // 01 and 02 again, now that the workspace holds 04's and 05's fast-mode checkpoints.
      for (const name of ["01-bahdanau-step-by-step.ipynb", "02-luong-step-by-step.ipynb"]) {
        const out = path.join(outDir, `with-checkpoint-${name}`);
        const r = runNotebook(path.join(ws.notebooks, name), out, false);
        assert.equal(r.status, 0, r.output);
        const text = printed(out);
        assert.match(
          text,
          /checkpoints\/0[45]-(bahdanau|luong): .*hidden 16, 4 epochs, on default-corpus\.tsv .*not a trained model: trained in fast mode/,
        );
        assert.match(text, /training a small model here instead/);
        assert.doesNotMatch(text, /^loaded /m);
      }
    },
  );

  it("leaves the checkout (checkpoints/, notebooks/, ...) and the user's Jupyter folders exactly as they were", () => {
    const changes = compareSnapshots(userFilesBefore, snapshotUserFiles(root));
    assert.deepEqual(changes, []);
    assert.ok(userFilesBefore.size > 50, `${userFilesBefore.size} files compared`);
  });

  it("the before/after comparison finds an added, a changed and a removed file (a fixture folder)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-userfiles-"));
    try {
      fs.mkdirSync(path.join(dir, "checkpoints", "04-bahdanau"), { recursive: true });
      fs.writeFileSync(path.join(dir, "checkpoints", "04-bahdanau", "LATEST"), "v000001\n");
      fs.writeFileSync(path.join(dir, "notes.txt"), "mine");
      const first = snapshotUserFiles(dir, []);
      fs.writeFileSync(path.join(dir, "checkpoints", "04-bahdanau", "LATEST"), "v000002\n");
      fs.rmSync(path.join(dir, "notes.txt"));
      fs.writeFileSync(path.join(dir, "new.ipynb"), "{}");
      const changes = compareSnapshots(first, snapshotUserFiles(dir, []));
      assert.deepEqual(changes.map((c) => c.split(":")[0]).sort(), ["added", "changed", "removed"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("timings quoted from npm run timings", () => {
  const timings = JSON.parse(fs.readFileSync(path.join(root, "docs/timings.json"), "utf8")) as {
    machine: { cores: number };
    notebooks: Array<{ notebook: string; seconds: number; ok: boolean }>;
  };

  it("docs/timings.json covers every notebook, each of which ran in full mode", () => {
    const measured = timings.notebooks.map((n) => n.notebook).sort();
    assert.deepEqual(
      measured,
      allNotebooks.filter((n) => !n.startsWith("solutions/")),
    );
    for (const n of timings.notebooks) assert.ok(n.ok, `${n.notebook} failed in the timings run`);
  });

  it("each notebook's Time: line quotes its measured full-mode seconds", () => {
    for (const n of timings.notebooks) {
      const nb = JSON.parse(fs.readFileSync(path.join(root, "notebooks", n.notebook), "utf8"));
      const intro = nb.cells[0].source.join("");
      const quoted = /Run All in full mode: (\d+) s on (\d+) cores/.exec(intro);
      assert.ok(quoted, `${n.notebook}: no "Run All in full mode: N s on C cores" in its Time: line`);
      assert.equal(
        Number(quoted[1]),
        Math.round(n.seconds),
        `${n.notebook}: quoted ${quoted[1]} s, measured ${n.seconds} s`,
      );
      assert.equal(Number(quoted[2]), timings.machine.cores);
    }
  });

  it(
    "npm run timings runs a notebook in full mode and writes its seconds and its HTML (here into a temporary folder)",
    whole,
    () => {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), "workbook-timings-test-"));
      try {
        const r = spawnSync(process.execPath, [path.join(root, "scripts/timings.js"), "--only", "00", "--out", out], {
          cwd: root,
          encoding: "utf8",
        });
        assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
        const written = JSON.parse(fs.readFileSync(path.join(out, "timings.json"), "utf8"));
        assert.deepEqual(
          written.notebooks.map((n: { notebook: string }) => n.notebook),
          ["00-setup.ipynb"],
        );
        assert.ok(written.notebooks[0].ok && written.notebooks[0].seconds > 0);
        assert.equal(written.machine.cores, os.cpus().length);
        assert.match(fs.readFileSync(path.join(out, "timings.md"), "utf8"), /\| `00-setup\.ipynb` \| \d+ \|/);
        assert.match(fs.readFileSync(path.join(out, "reference/00-setup.html"), "utf8"), /active backend/);
        // npm run figures draws the guide's picture of 00 from that reference run.
        const fig = spawnSync(
          process.execPath,
          [
            path.join(root, "scripts/figures.js"),
            "--reference",
            path.join(out, "reference"),
            "--out",
            path.join(out, "figures"),
            "--only",
            "00",
          ],
          { cwd: root, encoding: "utf8" },
        );
        assert.equal(fig.status, 0, `${fig.stdout}${fig.stderr}`);
        const png = fs.readFileSync(path.join(out, "figures/00-attention-map.png"));
        assert.equal(png.subarray(1, 4).toString("latin1"), "PNG");
        assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [560, 360], "width and height of the picture");
        assert.ok(png.length > 2000, `${png.length} bytes: an empty picture?`);
        const missing = spawnSync(
          process.execPath,
          [path.join(root, "scripts/figures.js"), "--reference", path.join(out, "nowhere")],
          { cwd: root, encoding: "utf8" },
        );
        assert.equal(missing.status, 1);
        assert.match(
          missing.stderr,
          /^error: .*nowhere.*: no reference run of 00-setup; run `npm run timings` first\n$/,
        );
        const bad = spawnSync(process.execPath, [path.join(root, "scripts/timings.js"), "--only"], {
          cwd: root,
          encoding: "utf8",
        });
        assert.equal(bad.status, 1);
        assert.match(bad.stderr, /^error: --only needs notebook numbers/);
      } finally {
        fs.rmSync(out, { recursive: true, force: true });
      }
    },
  );

  it("the teacher's guide shows every picture npm run figures draws, and each is in docs/figures", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain CommonJS script, shared with npm run figures
    const { FIGURES } = require(path.join(root, "scripts/figures.js")) as { FIGURES: Array<[string, string, string]> };
    const guide = fs.readFileSync(path.join(root, "docs/TEACHERS-GUIDE.md"), "utf8");
    const shown = [...guide.matchAll(/!\[[^\]]+\]\(figures\/([\w-]+)\.png\)/g)].map((m) => m[1]);
    assert.deepEqual([...shown].sort(), FIGURES.map((f) => f[2]).sort());
    for (const name of shown) assert.ok(fs.statSync(path.join(root, "docs/figures", `${name}.png`)).size > 2000, name);
  });

  it("every notebook of the lesson plans runs in under 5 minutes in full mode; 08 and 10, homework, in under 10", () => {
    // 08 trains four models on long sentences (two baselines, global and local attention) and 10 the tutorial's
    // model on the Tatoeba file; the guide sends both home or has them started before a break.
    const homework = ["08-why-attention.ipynb", "10-seed-experiment.ipynb"];
    for (const n of timings.notebooks) {
      const limit = homework.includes(n.notebook) ? 600 : 300;
      assert.ok(n.seconds < limit, `${n.notebook}: ${n.seconds} s, over ${limit} s`);
    }
  });
});
