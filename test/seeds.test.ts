/**
 * `npm run seeds`: the notebooks' comparisons over several seeds. Its help and its refusals, and its summary:
 * runs already in --out are not run again, and each measure is printed as mean (min-max) over the seeds.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { tmpDir } from "./helpers";

const root = path.resolve(__dirname, "..");
const seeds = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(root, "scripts/seeds.js"), ...args], { cwd: root, encoding: "utf8" });

describe("npm run seeds", () => {
  it("answers --help with its experiments and flags, and exits 0", () => {
    const r = seeds("--help");
    assert.equal(r.status, 0);
    for (const word of ["compare", "long", "forcing", "tutorial", "--seeds", "--out", "--data", "--kinds"]) {
      assert.ok(r.stdout.includes(word), `--help names ${word}`);
    }
  });

  it("refuses bad input with one line and exit 1", () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /^error: name an experiment: compare, long, forcing, tutorial/],
      [["nonsense"], /^error: unknown experiment "nonsense"/],
      [["compare", "--seeds", "1,x"], /^error: --seeds: "1,x" is not a list of integers/],
      [["compare", "--seeds"], /^error: --seeds needs a value/],
      [["compare", "--colour", "red"], /^error: unknown flag --colour/],
      [["tutorial"], /^error: "tutorial" needs --data/],
      [["tutorial", "--data", "/nowhere/deu.txt"], /^error: --data: no file at \/nowhere\/deu.txt/],
    ];
    for (const [args, expected] of cases) {
      const r = seeds(...args);
      assert.equal(r.status, 1, args.join(" "));
      assert.match(r.stderr, expected, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, `${args.join(" ")}: one line`);
    }
  });

  it("runs nothing already in --out, and summarises each measure as mean (min-max) over the seeds", () => {
    const dir = tmpDir("wb-seeds-");
    try {
      const out = path.join(dir, "runs.jsonl");
      const run = (label: string, seed: number, bleu: number, chrf: number, seconds: number) =>
        JSON.stringify({ experiment: "forcing", label, seed, seconds, validationLoss: 1, measures: { bleu, chrf } });
      const lines = [
        run("teacher forcing 0", 1, 50, 60, 10),
        run("teacher forcing 0", 2, 56, 62, 12),
        run("teacher forcing 0", 3, 53, 70, 14),
        ...[0.5, 1].flatMap((ratio) =>
          [1, 2, 3].map((seed) => run(`teacher forcing ${ratio}`, seed, 90 + seed, 95, 5)),
        ),
      ];
      fs.writeFileSync(out, `${lines.join("\n")}\n`);
      const r = seeds("forcing", "--out", out);
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /seed \d: /, "no run was trained again");
      assert.match(
        r.stdout,
        /^\| teacher forcing 0 \| 3 \(seeds 1, 2, 3\) \| 53\.0 \(50\.0-56\.0\) \| 64\.0 \(60\.0-70\.0\) \| 12 \(10-14\) \|$/m,
      );
      assert.match(
        r.stdout,
        /^\| teacher forcing 1 \| 3 \(seeds 1, 2, 3\) \| 92\.0 \(91\.0-93\.0\) \| 95\.0 \(95\.0-95\.0\) \| 5 \(5-5\) \|$/m,
      );
      assert.equal(fs.readFileSync(out, "utf8"), `${lines.join("\n")}\n`, "--out unchanged");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
