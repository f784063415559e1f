/**
 * Bad inputs, as a careless or unlucky user gives them: data files, flags, checkpoints, sentences,
 * concurrency. Every case runs the command line and asserts a non-zero exit, exactly one line on
 * stderr that names what is wrong and where, and that nothing in the workspace changed (the trained
 * checkpoint, every other checkpoint, every data file).
 */
import { describe, it, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { cli as runCli } from "./helpers";

const root = path.resolve(__dirname, "..");

/** The CLI with the timeout every run here gets unless it says otherwise. */
const cli = (script: string, args: string[], timeoutMs = 60_000) => runCli(script, args, timeoutMs);

/** A digest of everything under `dir` (names and contents; large files by size and mtime). */
function digest(dir: string): string {
  const hash = crypto.createHash("sha256");
  const walk = (at: string): void => {
    for (const name of fs.readdirSync(at).sort()) {
      const p = path.join(at, name);
      const stat = fs.statSync(p);
      hash.update(`${path.relative(dir, p)}\n`);
      if (stat.isDirectory()) walk(p);
      else if (stat.size > 1 << 20) hash.update(`${stat.size}:${stat.mtimeMs}`);
      else hash.update(fs.readFileSync(p));
    }
  };
  walk(dir);
  return hash.digest("hex");
}

/** One bad input: the command, its arguments, and what its one line must say. */
interface Case {
  group: string;
  name: string;
  script: string;
  args: () => string[];
  expect: RegExp;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "wb-bad-input-"));
const at = (...p: string[]) => path.join(work, ...p);
const CK = at("trained");
const corpusLines = fs.readFileSync(path.join(root, "data/default-corpus.tsv"), "utf8").split("\n");

/** Writes a data file into the workspace and returns its path. */
function dataFile(name: string, content: string | Buffer): string {
  fs.writeFileSync(at(name), content);
  return at(name);
}

/** A copy of the trained checkpoint, with its current version changed by `mutate`. */
function variant(name: string, mutate: (vdir: string) => void): void {
  fs.cpSync(CK, at(name), { recursive: true });
  const vdir = at(name, fs.readFileSync(at(name, "LATEST"), "utf8").trim());
  mutate(vdir);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a checkpoint's JSON, edited freely to make bad ones
function editConfig(vdir: string, edit: (c: Record<string, any>) => void): void {
  const file = path.join(vdir, "config.json");
  const config = JSON.parse(fs.readFileSync(file, "utf8"));
  edit(config);
  fs.writeFileSync(file, JSON.stringify(config));
}

function patchFloat(file: string, index: number, value: number): void {
  const bytes = fs.readFileSync(file);
  bytes.writeFloatLE(value, index * 4);
  fs.writeFileSync(file, bytes);
}

const train = (...args: string[]) => ["--hidden", "8", "--embedding", "8", "--epochs", "1", "--no-eval", ...args];
const SENTENCE = "She kissed him.";

const CASES: Case[] = [
  // Flags of train: each outside its range, named with its value and range.
  ...(
    [
      ["--epochs", "0", /--epochs 0 is out of range: expected an integer in \[1, 100000\]/],
      ["--epochs", "-1", /--epochs -1 is out of range/],
      ["--lr", "-0.1", /--lr -0\.1 is out of range: expected a number in \(0, 1\]/],
      ["--lr", "0", /--lr 0 is out of range/],
      ["--clip", "-1", /--clip -1 is out of range: expected a number in \[0, 1000000\]/],
      ["--pairs", "0", /--pairs 0 is out of range/],
      ["--max-tokens", "0", /--max-tokens 0 is out of range/],
      ["--label-smoothing", "1.5", /--label-smoothing 1\.5 is out of range: expected a number in \[0, 1\)/],
      ["--decay", "5", /--decay 5 is out of range: expected a number in \(0, 1\]/],
      ["--decay", "0", /--decay 0 is out of range/],
      ["--hidden", "1e9", /--hidden 1000000000 is out of range: expected an integer in \[1, 4096\]/],
      ["--hidden", "0", /--hidden 0 is out of range/],
      ["--embedding", "-4", /--embedding -4 is out of range/],
      ["--units", "0", /--units 0 is out of range/],
      ["--batch", "0", /--batch 0 is out of range/],
      ["--dropout", "1", /--dropout 1 is out of range: expected a number in \[0, 1\)/],
      ["--teacher-forcing", "2", /--teacher-forcing 2 is out of range/],
      ["--validation", "1", /--validation 1 is out of range/],
      ["--workers", "0", /--workers 0 is out of range/],
      ["--minutes", "-1", /--minutes -1 is out of range/],
      ["--patience", "-1", /--patience -1 is out of range/],
      ["--beam", "0", /--beam 0 is out of range/],
      ["--seed", "-1", /--seed -1 is out of range/],
      ["--min-freq", "0", /--min-freq 0 is out of range/],
      ["--max-vocab", "3", /--max-vocab 3 is out of range: expected an integer in \[5, 1000000\]/],
      ["--length-penalty", "-1", /--length-penalty -1 is out of range/],
      ["--cell", "rnn", /--cell "rnn" is out of range: expected one of lstm, gru/],
      [
        "--teacher-forcing-mode",
        "sometimes",
        /--teacher-forcing-mode "sometimes" is out of range: expected one of batch, step/,
      ],
      ["--attention", "luong-cosine", /unknown attention kind "luong-cosine"/],
      ["--epochs", "two", /--epochs: expected an integer, got "two"/],
      ["--anneal", "0.5", /--anneal 0\.5: anneal needs a time budget/],
    ] as Array<[string, string, RegExp]>
  ).map(([flag, value, expect]): Case => ({
    group: "flags",
    name: `train ${flag} ${value} (with --out on a trained model)`,
    script: "train.js",
    args: () => train("--data", at("good.tsv"), "--out", CK, flag, value),
    expect,
  })),
  {
    group: "flags",
    name: "train --validation 0.6 --test 0.5",
    script: "train.js",
    args: () => train("--validation", "0.6", "--test", "0.5", "--out", at("new")),
    expect: /--validation 0\.6 and --test 0\.5 leave nothing to train on/,
  },
  {
    group: "flags",
    name: "train --attention luong-dot --bidirectional",
    script: "train.js",
    args: () => train("--attention", "luong-dot", "--bidirectional", "--out", at("new")),
    expect: /--attention luong-dot with --bidirectional/,
  },
  {
    group: "flags",
    name: "train --resume --overwrite",
    script: "train.js",
    args: () => train("--resume", "--overwrite", "--out", CK),
    expect: /--resume and --overwrite contradict/,
  },
  {
    group: "flags",
    name: "train --recipe fastest",
    script: "train.js",
    args: () => ["--recipe", "fastest"],
    expect: /unknown recipe "fastest"/,
  },
  {
    group: "flags",
    name: "train with a stray argument",
    script: "train.js",
    args: () => train("--out", at("new"), "stray"),
    expect: /unexpected argument "stray"/,
  },
  {
    group: "flags",
    name: "train --epochs without a value",
    script: "train.js",
    args: () => ["--out", at("new"), "--epochs"],
    expect: /flag --epochs needs a value/,
  },
  {
    group: "flags",
    name: "train --colour red",
    script: "train.js",
    args: () => ["--colour", "red"],
    expect: /unknown flag --colour/,
  },
  // --out, checked before any work.
  {
    group: "out",
    name: "--out is a file",
    script: "train.js",
    args: () => train("--data", at("good.tsv"), "--out", at("good.tsv")),
    expect: /--out .*good\.tsv is a file, not a directory/,
  },
  {
    group: "out",
    name: "--out under /proc",
    script: "train.js",
    args: () => train("--data", at("good.tsv"), "--out", "/proc/wb-no-such-dir"),
    expect: /--out \/proc\/wb-no-such-dir: cannot write in \/proc/,
  },
  {
    group: "out",
    name: "--out under a file",
    script: "train.js",
    args: () => train("--data", at("good.tsv"), "--out", path.join(at("good.tsv"), "ck")),
    expect: /--out .*good\.tsv\/ck: .*good\.tsv is a file, so no directory can be made under it/,
  },
  {
    group: "out",
    name: "--out is a directory of other files",
    script: "train.js",
    args: () => train("--data", at("good.tsv"), "--out", at("notes")),
    expect: /--out .*notes is a directory with other files \(readme\.txt\)/,
  },
  {
    group: "out",
    name: "--out holds a trained model (no --resume)",
    script: "train.js",
    args: () => train("--data", at("good.tsv"), "--out", CK),
    expect: /--out .*trained already holds a trained model: add --resume .* or --overwrite/,
  },
  {
    group: "out",
    name: "--resume with no checkpoint",
    script: "train.js",
    args: () => train("--data", at("good.tsv"), "--resume", "--out", at("empty-dir")),
    expect: /--resume: no checkpoint in --out .*empty-dir to resume/,
  },
  // --resume against the checkpoint's data and model.
  ...(
    [
      [["--hidden", "16"], /--hidden 16 \(checkpoint: 8\)/],
      [["--attention", "bahdanau"], /--attention bahdanau \(checkpoint: luong-general\)/],
      [["--embedding", "16"], /--embedding 16 \(checkpoint: 8\)/],
      [["--cell", "gru"], /--cell gru \(checkpoint: lstm\)/],
      [["--bidirectional"], /--bidirectional true \(checkpoint: false\)/],
      [["--units", "4"], /--units 4 \(checkpoint: 8\)/],
      [["--dropout", "0.5"], /--dropout 0\.5 \(checkpoint: 0\)/],
      [
        ["--data", "OTHER"],
        /data fingerprint \w+ \(checkpoint: \w+\): other training pairs or vocabularies; source vocabulary has/,
      ],
      [["--seed", "2"], /data fingerprint \w+ \(checkpoint: \w+\)/],
      [
        ["--hidden", "16", "--attention", "bahdanau"],
        /--attention bahdanau \(checkpoint: luong-general\); --hidden 16 \(checkpoint: 8\)/,
      ],
    ] as Array<[string[], RegExp]>
  ).map(([flags, expect]): Case => ({
    group: "resume",
    name: `train --resume ${flags.join(" ")}`,
    script: "train.js",
    args: () => [
      "--data",
      at("good.tsv"),
      "--epochs",
      "1",
      "--no-eval",
      "--resume",
      "--out",
      CK,
      ...flags.map((f) => (f === "OTHER" ? at("other.tsv") : f)),
    ],
    expect: new RegExp(`--resume: .*trained does not match this run: .*${expect.source}`),
  })),
  // One writer per checkpoint directory.
  {
    group: "concurrency",
    name: "train on a directory another live process holds",
    script: "train.js",
    args: () => ["--data", at("good.tsv"), "--epochs", "1", "--no-eval", "--resume", "--out", at("locked")],
    expect:
      /checkpoint directory .*locked is in use by another training run \(pid \d+ on .*, since .*\); wait for it to end or use another --out/,
  },
  // Data files.
  ...(
    [
      ["empty.tsv", /empty\.tsv: no sentence pairs \(an empty file\?\)/],
      ["cp1252.tsv", /cp1252\.tsv:3: byte 0xFC at column 3 is not UTF-8 \(Windows-1252 or Latin-1 text\?\)/],
      ["invalid-utf8.tsv", /invalid-utf8\.tsv:2: byte 0xC3 at column 6 is not UTF-8/],
      ["overlong-utf8.tsv", /overlong-utf8\.tsv:1: byte 0xC0 at column 1 is not UTF-8/],
      ["utf16le.tsv", /utf16le\.tsv:1: UTF-16 text \(byte-order mark 0xFF 0xFE\), not UTF-8/],
      ["utf16be.tsv", /utf16be\.tsv:1: UTF-16 text \(byte-order mark 0xFE 0xFF\), not UTF-8/],
      ["utf16-nobom.tsv", /utf16-nobom\.tsv:1: a NUL byte at column 2 \(UTF-16 or binary data\?\)/],
      ["long-line.tsv", /long-line\.tsv:2: a line of 10000002 characters, more than 2000/],
      ["no-tab.tsv", /no-tab\.tsv:2: no tab: expected English<TAB>German/],
      ["five-columns.tsv", /five-columns\.tsv:1: 5 tab-separated columns/],
      ["bad-alignment.tsv", /bad-alignment\.tsv:1: alignment column "y" is not "i-j/],
      [
        "alignment-out-of-range.tsv",
        /alignment-out-of-range\.tsv:2: alignment link 0-7 is outside the pair's 2 English and 2 German tokens/,
      ],
      ["empty-german.tsv", /empty-german\.tsv:2: empty German side/],
      ["empty-english.tsv", /empty-english\.tsv:1: empty English side/],
      ["binary.tsv", /binary\.tsv:1: a NUL byte/],
    ] as Array<[string, RegExp]>
  ).map(([file, expect]): Case => ({
    group: "data",
    name: `train --data ${file}`,
    script: "train.js",
    args: () => train("--data", at(file), "--out", at("new")),
    expect,
  })),
  {
    group: "data",
    name: "train --data a directory",
    script: "train.js",
    args: () => train("--data", work, "--out", at("new")),
    expect: /--data .* is a directory, not a file/,
  },
  {
    group: "data",
    name: "train --data a missing file",
    script: "train.js",
    args: () => train("--data", at("missing.tsv"), "--out", at("new")),
    expect: /cannot read --data .*missing\.tsv: no such file/,
  },
  {
    group: "data",
    name: "train --max-tokens 1 (no pair short enough)",
    script: "train.js",
    args: () => train("--data", at("good.tsv"), "--max-tokens", "1", "--out", at("new")),
    expect: /good\.tsv: no pair has at most 1 tokens on both sides/,
  },
  // Damaged or crafted checkpoints, given to translate: named by file and field, refused before allocating.
  ...(
    [
      ["ck-hidden-30000", /config\.json: model\.hiddenSize 30000 is out of range: expected an integer in \[1, 4096\]/],
      [
        "ck-hidden-4000",
        /config\.json: model \(hiddenSize 4000, embeddingSize 8\) needs at least \d+ weights, weights\.bin holds \d+/,
      ],
      ["ck-vocab-huge", /config\.json: model\.sourceVocabSize 5000000 is out of range/],
      [
        "ck-offset-past-end",
        /config\.json: weights\[1\] \(.+\): bytes \d+\.\.\d+ lie past the end of weights\.bin \(\d+ bytes\)/,
      ],
      ["ck-offset-odd", /config\.json: weights\[0\] \(.+\): offset 2 is not a byte offset/],
      ["ck-nan", /weights\.bin: .+ holds NaN at index 0 \(a checkpoint must hold finite numbers\)/],
      ["ck-inf-optimizer", /optimizer\.bin: .+ holds Infinity at index \d+/],
      ["ck-truncated", /weights\.bin: 100 bytes, expected \d+ \(a corrupt or truncated file\)/],
      ["ck-not-json", /config\.json is not valid JSON/],
      ["ck-latest-missing-version", /LATEST names "v000999", which is not there/],
      ["ck-format", /config\.json: format "something-else@9", expected "attention-workbook\/checkpoint@1"/],
      ["ck-vocab-not-words", /source-vocab\.json: words\[7\] is 42, not a word/],
      ["ck-vocab-size", /vocabulary sizes \d+\/\d+ do not match the model's/],
      ["ck-negative-shape", /config\.json: weights\[0\] \(.+\): shape \[-1,.*\] is not a list of sizes/],
      ["ck-shape-swapped", /weights\.bin: variable .+: expected \[\d+,\d+\], got \[\d+,\d+\]/],
      ["ck-truecaser", /truecaser\.json: the form of "[^"]+" is 7, not a word/],
      ["ck-attention", /config\.json: model\.attention "luong-cosine" is out of range: expected one of bahdanau/],
      ["ck-dropout", /config\.json: model\.dropout 2 is out of range/],
      ["ck-no-weights", /missing weights\.bin/],
      ["ck-no-latest", /no checkpoint at .*ck-no-latest: no LATEST file/],
    ] as Array<[string, RegExp]>
  ).map(([dir, expect]): Case => ({
    group: "checkpoints",
    name: `translate --checkpoint ${dir}`,
    script: "translate.js",
    args: () => ["--checkpoint", at(dir), SENTENCE],
    expect,
  })),
  // Sentences and flags of translate.
  {
    group: "translate",
    name: "an empty sentence",
    script: "translate.js",
    args: () => ["--checkpoint", CK, ""],
    expect: /sentence 1 is empty: give words to translate/,
  },
  {
    group: "translate",
    name: "a sentence of spaces (the second)",
    script: "translate.js",
    args: () => ["--checkpoint", CK, SENTENCE, "   "],
    expect: /sentence 2 is empty/,
  },
  {
    group: "translate",
    name: "a sentence of 3000 characters",
    script: "translate.js",
    args: () => ["--checkpoint", CK, "a ".repeat(1500)],
    expect: /sentence 1 has 3000 characters, more than 2000/,
  },
  {
    group: "translate",
    name: "--beam 0",
    script: "translate.js",
    args: () => ["--checkpoint", CK, "--beam", "0", SENTENCE],
    expect: /--beam 0 is out of range: expected an integer in \[1, 100\]/,
  },
  {
    group: "translate",
    name: "--max-length 0",
    script: "translate.js",
    args: () => ["--checkpoint", CK, "--max-length", "0", SENTENCE],
    expect: /--max-length 0 is out of range/,
  },
  {
    group: "translate",
    name: "--length-penalty -1",
    script: "translate.js",
    args: () => ["--checkpoint", CK, "--length-penalty", "-1", SENTENCE],
    expect: /--length-penalty -1 is out of range/,
  },
  {
    group: "translate",
    name: "no sentence",
    script: "translate.js",
    args: () => ["--checkpoint", CK],
    expect: /give a sentence to translate/,
  },
  {
    group: "translate",
    name: "no --checkpoint",
    script: "translate.js",
    args: () => [SENTENCE],
    expect: /--checkpoint DIR is required/,
  },
  {
    group: "translate",
    name: "a checkpoint directory that does not exist",
    script: "translate.js",
    args: () => ["--checkpoint", at("nowhere"), SENTENCE],
    expect: /no checkpoint at .*nowhere: the directory does not exist/,
  },
  // Evaluate.
  {
    group: "evaluate",
    name: "an empty data file",
    script: "evaluate.js",
    args: () => ["--checkpoint", CK, "--data", at("empty.tsv")],
    expect: /--data .*empty\.tsv: no sentence pairs to evaluate/,
  },
  {
    group: "evaluate",
    name: "a Windows-1252 data file",
    script: "evaluate.js",
    args: () => ["--checkpoint", CK, "--data", at("cp1252.tsv")],
    expect: /cp1252\.tsv:3: byte 0xFC at column 3 is not UTF-8/,
  },
  {
    group: "evaluate",
    name: "a 10 MB line",
    script: "evaluate.js",
    args: () => ["--checkpoint", CK, "--data", at("long-line.tsv")],
    expect: /long-line\.tsv:2: a line of 10000002 characters/,
  },
  {
    group: "evaluate",
    name: "--hyps is a directory",
    script: "evaluate.js",
    args: () => ["--checkpoint", CK, "--data", at("good.tsv"), "--hyps", work],
    expect: /--hyps .* is a directory, not a file/,
  },
  {
    group: "evaluate",
    name: "--split bogus",
    script: "evaluate.js",
    args: () => ["--checkpoint", CK, "--split", "bogus"],
    expect: /--split must be all, test or validation, got bogus/,
  },
  {
    group: "evaluate",
    name: "--beam 0",
    script: "evaluate.js",
    args: () => ["--checkpoint", CK, "--data", at("good.tsv"), "--beam", "0"],
    expect: /--beam 0 is out of range/,
  },
  {
    group: "evaluate",
    name: "--pairs 0",
    script: "evaluate.js",
    args: () => ["--checkpoint", CK, "--data", at("good.tsv"), "--pairs", "0"],
    expect: /--pairs 0 is out of range/,
  },
  {
    group: "evaluate",
    name: "a missing data file",
    script: "evaluate.js",
    args: () => ["--checkpoint", CK, "--data", at("missing.tsv")],
    expect: /cannot read --data .*missing\.tsv: no such file/,
  },
  {
    group: "evaluate",
    name: "no --data",
    script: "evaluate.js",
    args: () => ["--checkpoint", CK],
    expect: /--data FILE is required/,
  },
  {
    group: "evaluate",
    name: "a damaged checkpoint",
    script: "evaluate.js",
    args: () => ["--checkpoint", at("ck-nan"), "--data", at("good.tsv")],
    expect: /weights\.bin: .+ holds NaN at index 0/,
  },
  // Download and corpus.
  {
    group: "download",
    name: "--url that is not http",
    script: "download.js",
    args: () => ["--url", "ftp://example.org/deu.zip", "--out", at("deu.txt")],
    expect: /--url ftp:\/\/example\.org\/deu\.zip: expected an http:\/\/ or https:\/\/ address/,
  },
  {
    group: "download",
    name: "--out is a directory",
    script: "download.js",
    args: () => ["--url", "http://127.0.0.1:9/deu.zip", "--out", work],
    expect: /--out .* is a directory, not a file/,
  },
  {
    group: "corpus",
    name: "--count 0",
    script: "corpus.js",
    args: () => ["--count", "0", "--out", at("corpus.tsv")],
    expect: /--count 0 is out of range: expected an integer in \[1, 1000000\]/,
  },
  {
    group: "corpus",
    name: "--out is a directory",
    script: "corpus.js",
    args: () => ["--out", work],
    expect: /--out .* is a directory, not a file/,
  },
];

/** Builds the workspace: a trained checkpoint, its damaged copies, and bad data files. */
function buildWorkspace(): void {
  dataFile("good.tsv", corpusLines.slice(0, 30).join("\n") + "\n");
  dataFile("other.tsv", corpusLines.slice(100, 160).join("\n") + "\n");
  const r = cli("train.js", [
    "--data",
    at("good.tsv"),
    "--hidden",
    "8",
    "--embedding",
    "8",
    "--epochs",
    "2",
    "--no-eval",
    "--out",
    CK,
  ]);
  assert.equal(r.status, 0, r.stderr);
  fs.cpSync(CK, at("locked"), { recursive: true });
  fs.writeFileSync(
    at("locked", "LOCK"),
    JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() }),
  );
  fs.mkdirSync(at("notes"));
  fs.writeFileSync(at("notes", "readme.txt"), "my notes\n");
  fs.mkdirSync(at("empty-dir"));
  dataFile("empty.tsv", "");
  dataFile(
    "cp1252.tsv",
    Buffer.concat([Buffer.from("Hi.\tHallo.\nGo.\tGeh.\n"), Buffer.from("Grüß Gott.\tGrüß Gott.\n", "latin1")]),
  );
  dataFile(
    "invalid-utf8.tsv",
    Buffer.concat([Buffer.from("Hi.\tHallo.\nHello"), Buffer.from([0xc3, 0x28]), Buffer.from("\tHallo\n")]),
  );
  dataFile("overlong-utf8.tsv", Buffer.concat([Buffer.from([0xc0, 0xaf]), Buffer.from("Hi.\tHallo.\n")]));
  dataFile("utf16le.tsv", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("Hi.\tHallo.\n", "utf16le")]));
  dataFile("utf16be.tsv", Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from("Hi.\tHallo.\n", "utf16le").swap16()]));
  dataFile("utf16-nobom.tsv", Buffer.from("Hi.\tHallo.\n", "utf16le"));
  dataFile("long-line.tsv", `Hi.\tHallo.\n${"a ".repeat(5_000_000)}\tb\n`);
  dataFile("no-tab.tsv", "Hi.\tHallo.\nGo. Geh.\n");
  dataFile("five-columns.tsv", "Hi.\tHallo.\tx\ty\tz\n");
  dataFile("bad-alignment.tsv", "Hi.\tHallo.\tx\ty\n");
  dataFile("alignment-out-of-range.tsv", "Hi.\tHallo.\tx\t0-0 1-1\nGo.\tGeh.\tx\t0-7\n");
  dataFile("empty-german.tsv", "Hi.\tHallo.\nGo.\t \n");
  dataFile("empty-english.tsv", "  \tHallo.\n");
  dataFile("binary.tsv", Buffer.from([0x00, 0x01, 0x02, 0x09, 0x41, 0x0a]));
  variant("ck-hidden-30000", (v) =>
    editConfig(v, (c) => {
      c.model.hiddenSize = 30000;
    }),
  );
  variant("ck-hidden-4000", (v) =>
    editConfig(v, (c) => {
      c.model.hiddenSize = 4000;
    }),
  );
  variant("ck-vocab-huge", (v) =>
    editConfig(v, (c) => {
      c.model.sourceVocabSize = 5_000_000;
    }),
  );
  variant("ck-offset-past-end", (v) =>
    editConfig(v, (c) => {
      c.weights[1].offset = fs.statSync(path.join(v, "weights.bin")).size + 400;
    }),
  );
  variant("ck-offset-odd", (v) =>
    editConfig(v, (c) => {
      c.weights[0].offset = 2;
    }),
  );
  variant("ck-nan", (v) => patchFloat(path.join(v, "weights.bin"), 0, NaN));
  variant("ck-inf-optimizer", (v) => patchFloat(path.join(v, "optimizer.bin"), 5, Infinity));
  variant("ck-truncated", (v) =>
    fs.writeFileSync(path.join(v, "weights.bin"), fs.readFileSync(path.join(v, "weights.bin")).subarray(0, 100)),
  );
  variant("ck-not-json", (v) => fs.writeFileSync(path.join(v, "config.json"), '{"format": '));
  variant("ck-latest-missing-version", () => fs.writeFileSync(at("ck-latest-missing-version", "LATEST"), "v000999\n"));
  variant("ck-format", (v) =>
    editConfig(v, (c) => {
      c.format = "something-else@9";
    }),
  );
  variant("ck-vocab-not-words", (v) => {
    const j = JSON.parse(fs.readFileSync(path.join(v, "source-vocab.json"), "utf8"));
    j.words[7] = 42;
    fs.writeFileSync(path.join(v, "source-vocab.json"), JSON.stringify(j));
  });
  variant("ck-vocab-size", (v) => {
    const j = JSON.parse(fs.readFileSync(path.join(v, "source-vocab.json"), "utf8"));
    j.words.pop();
    j.counts.pop();
    fs.writeFileSync(path.join(v, "source-vocab.json"), JSON.stringify(j));
  });
  variant("ck-negative-shape", (v) =>
    editConfig(v, (c) => {
      c.weights[0].shape[0] = -1;
    }),
  );
  variant("ck-shape-swapped", (v) =>
    editConfig(v, (c) => {
      const e = c.weights.find((w: { shape: number[] }) => w.shape.length === 2 && w.shape[0] !== w.shape[1]);
      e.shape = [e.shape[1], e.shape[0]];
    }),
  );
  variant("ck-truecaser", (v) => {
    const j = JSON.parse(fs.readFileSync(path.join(v, "truecaser.json"), "utf8"));
    j.forms[Object.keys(j.forms)[0]] = 7;
    fs.writeFileSync(path.join(v, "truecaser.json"), JSON.stringify(j));
  });
  variant("ck-attention", (v) =>
    editConfig(v, (c) => {
      c.model.attention = "luong-cosine";
    }),
  );
  variant("ck-dropout", (v) =>
    editConfig(v, (c) => {
      c.model.dropout = 2;
    }),
  );
  variant("ck-no-weights", (v) => fs.rmSync(path.join(v, "weights.bin")));
  variant("ck-no-latest", () => fs.rmSync(at("ck-no-latest", "LATEST")));
}

/** Counts of the suite, for the README and the issue's closing note. */
export const BAD_INPUT_CASES = CASES.length;

describe("bad inputs: one clear line, a non-zero exit, nothing changed", () => {
  before(buildWorkspace);
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it(`has at least 60 cases (${CASES.length})`, () => {
    assert.ok(CASES.length >= 60, `${CASES.length} cases`);
    assert.equal(new Set(CASES.map((c) => `${c.group}: ${c.name}`)).size, CASES.length, "case names are unique");
  });

  for (const c of CASES) {
    it(`${c.group}: ${c.name}`, () => {
      const before = digest(work);
      const r = cli(c.script, c.args());
      assert.equal(r.signal, null, `killed by ${r.signal} (a hang?)`);
      assert.ok(r.status === 1 || r.status === 2, `exit status ${r.status}, stderr: ${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
      assert.match(lines[0], /^error: /);
      assert.match(lines[0], c.expect);
      assert.equal(r.stdout, "", "nothing on stdout");
      assert.equal(digest(work), before, "the workspace (checkpoints, data files) is unchanged");
    });
  }
});
