/**
 * `--help` and `-h` on every command: usage, then every flag with its placeholder, description, range and
 * default; exit 0 before anything is checked, read or written (no checkpoint, no data, other flags wrong
 * or absent). And the tables behind it: each command's help covers exactly the flags of its parser's spec,
 * and every numeric flag has a range.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { cli, tmpDir } from "./helpers";
import {
  parseArgs,
  formatHelp,
  HelpRequest,
  UsageError,
  CommandHelp,
  FlagType,
} from "attention-workbook/dist/cli/args";
import { describeRule, FlagRule } from "attention-workbook/dist/util/validate";
import { TRAIN_FLAGS, TRAIN_HELP, TRAIN_RULES } from "attention-workbook/dist/cli/train";
import { TRANSLATE_FLAGS, TRANSLATE_HELP, TRANSLATE_RULES } from "attention-workbook/dist/cli/translate";
import { EVALUATE_FLAGS, EVALUATE_HELP, EVALUATE_RULES } from "attention-workbook/dist/cli/evaluate";
import { CORPUS_FLAGS, CORPUS_HELP, CORPUS_RULES } from "attention-workbook/dist/cli/corpus";
import { DOWNLOAD_FLAGS, DOWNLOAD_HELP } from "attention-workbook/dist/cli/download";
import { BENCH_FLAGS, BENCH_HELP, BENCH_RULES } from "attention-workbook/dist/cli/bench";
import { EXPORT_WEB_FLAGS, EXPORT_WEB_HELP } from "attention-workbook/dist/cli/export-web";

const root = path.resolve(__dirname, "..");

interface Command {
  script: string;
  spec: Record<string, FlagType>;
  help: CommandHelp<Record<string, FlagType>>;
  rules: Record<string, FlagRule>;
}

const COMMANDS: Command[] = [
  { script: "train", spec: TRAIN_FLAGS, help: TRAIN_HELP, rules: TRAIN_RULES },
  { script: "translate", spec: TRANSLATE_FLAGS, help: TRANSLATE_HELP, rules: TRANSLATE_RULES },
  { script: "evaluate", spec: EVALUATE_FLAGS, help: EVALUATE_HELP, rules: EVALUATE_RULES },
  { script: "corpus", spec: CORPUS_FLAGS, help: CORPUS_HELP, rules: CORPUS_RULES },
  { script: "download", spec: DOWNLOAD_FLAGS, help: DOWNLOAD_HELP, rules: {} },
  { script: "bench", spec: BENCH_FLAGS, help: BENCH_HELP, rules: BENCH_RULES },
  { script: "export-web", spec: EXPORT_WEB_FLAGS, help: EXPORT_WEB_HELP, rules: {} },
];

/** Every file in `dir`, by path, with its size and modification time. */
function listing(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .sort()
    .map((p) => {
      const stat = fs.statSync(path.join(dir, p));
      return `${p} ${stat.size} ${stat.mtimeMs}`;
    });
}

describe("the help tables", () => {
  it("every command under src/cli is covered", () => {
    const commands = fs
      .readdirSync(path.join(root, "src/cli"))
      .filter((f) => f.endsWith(".ts") && fs.readFileSync(path.join(root, "src/cli", f), "utf8").startsWith("#!"))
      .map((f) => f.replace(/\.ts$/, ""))
      .sort();
    assert.deepEqual(commands, COMMANDS.map((c) => c.script).sort());
  });

  for (const { script, spec, help, rules } of COMMANDS) {
    it(`${script}: a help entry for every flag of the spec, and a flag for every help entry`, () => {
      assert.deepEqual(Object.keys(help.flags).sort(), Object.keys(spec).sort());
      for (const [flag, entry] of Object.entries(help.flags)) {
        assert.ok(entry.text.trim() && !entry.text.includes("\n"), `--${flag}: a one-line description`);
        assert.ok("default" in entry || "required" in entry, `--${flag}: a default, or required`);
      }
    });

    it(`${script}: every numeric flag has a range, and every range is a flag's (quoted by the help)`, () => {
      const numeric = Object.keys(spec).filter((f) => spec[f] === "int" || spec[f] === "number");
      assert.deepEqual(
        numeric.filter((f) => !rules[f]),
        [],
        "numeric flags without a rule",
      );
      assert.deepEqual(
        Object.keys(rules).filter((f) => !spec[f]),
        [],
        "rules without a flag",
      );
      if (help.rules) assert.equal(help.rules, rules, "the help quotes the ranges the command checks");
      else assert.deepEqual(rules, {});
      const text = formatHelp(spec, help);
      for (const rule of Object.values(rules)) assert.ok(text.includes(describeRule(rule)), describeRule(rule));
    });
  }
});

describe("parseArgs and --help", () => {
  const spec = { data: "string", beam: "int", json: "bool" } as const;
  const help: CommandHelp<typeof spec> = {
    usage: "npm run x -- [flags]",
    about: "A command.",
    rules: { beam: { kind: "int", min: 1, max: 9 } },
    flags: {
      data: { value: "FILE", text: "the data", required: true },
      beam: { text: "the beam", default: 1 },
      json: { text: "JSON only", default: false },
    },
  };

  it("answers --help or -h before any flag is checked, even after a wrong one", () => {
    for (const argv of [["--help"], ["-h"], ["--nonsense", "--beam", "x", "-h"], ["--json", "true", "--help"]])
      assert.throws(() => parseArgs(argv, spec, help), HelpRequest, argv.join(" "));
  });

  it("reads --help as the value of the flag before it, as the parser does", () => {
    assert.equal(parseArgs(["--data", "--help"], spec, help).data, "--help");
  });

  it("lists --help among the known flags, and only where there is a help", () => {
    assert.throws(() => parseArgs(["--nonsense"], spec, help), /known flags: --data --beam --json --help$/);
    assert.throws(() => parseArgs(["--help"], spec), UsageError);
  });

  it("formats each flag with its placeholder, description, range and default", () => {
    const text = formatHelp(spec, help);
    assert.match(text, /^usage: npm run x -- \[flags\]\n\nA command\.\n\nflags:\n/);
    assert.match(text, /--data FILE +the data\n +required\n/);
    assert.match(text, /--beam N +the beam\n +an integer in \[1, 9\]; default: 1\n/);
    assert.match(text, /--json +JSON only\n +a switch: --json or --no-json; default: off\n/);
    assert.match(text, /--help, -h +print this help and exit\n$/);
  });
});

describe("--help on the command line", () => {
  for (const { script, spec, rules } of COMMANDS) {
    it(`${script} --help and -h: the usage and every flag on stdout, exit 0, nothing written`, () => {
      const work = tmpDir(`wb-help-${script}-`);
      const data = listing(path.join(root, "data"));
      try {
        for (const argv of [["--help"], ["-h"], ["--checkpoint", path.join(work, "none"), "--beam", "0", "--help"]]) {
          const r = cli(`${script}.js`, argv, 60_000, work);
          const what = `${script} ${argv.join(" ")}`;
          assert.equal(r.status, 0, `${what}: exit ${r.status}\n${r.stderr}`);
          assert.equal(r.stderr, "", what);
          assert.match(r.stdout, /^usage: npm run /, what);
          for (const flag of Object.keys(spec)) assert.match(r.stdout, new RegExp(`^  --${flag}\\b`, "m"), flag);
          const ranges = Object.values(rules).map(describeRule);
          assert.ok(ranges.length === 0 || ranges.some((t) => r.stdout.includes(t)), `${what}: a range`);
          assert.match(r.stdout, /--help, -h/);
        }
        assert.deepEqual(fs.readdirSync(work), [], "nothing written in the working folder");
        assert.deepEqual(listing(path.join(root, "data")), data, "nothing written in data/");
      } finally {
        fs.rmSync(work, { recursive: true, force: true });
      }
    });
  }
});
