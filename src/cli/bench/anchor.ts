/**
 * `npm run bench -- anchor --data FILE [--minutes 20]`: the quality anchor of the README's table: the
 * benchmark's model (./config) in PyTorch (bench/torch_anchor.py), trained for --minutes on every pair of
 * FILE outside the default test split (seed 1), then greedy decoding of the test split's English sentences,
 * scored here with every German translation of a test sentence as a reference (the scores of `npm run
 * evaluate`).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { prepareData, PreparedData } from "../../data/dataset";
import { detokenize } from "../../data/tokenize";
import { groupReferences } from "../../metrics/evaluate";
import { corpusBleu } from "../../metrics/bleu";
import { corpusChrf } from "../../metrics/chrf";
import { ROOT, describeConfig, torchConfig, round } from "./config";
import { findTorch2 } from "./torch";

interface AnchorOutput {
  framework: string;
  threads: number;
  epochs: Array<{ loss: number }>;
  /** The greedy translation of each test sentence, as target ids. */
  hypotheses: number[][];
}

/** Trains and decodes in PyTorch (bench/torch_anchor.py) on the data written to a temporary folder. */
function runTorchAnchor(python: string, data: PreparedData, testSources: number[][], minutes: number): AnchorOutput {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-anchor-"));
  try {
    const input = path.join(dir, "data.json");
    const output = path.join(dir, "out.json");
    fs.writeFileSync(
      input,
      JSON.stringify({
        config: torchConfig(data.sourceVocab.size, data.targetVocab.size),
        train: data.train.map((example) => [example.source, example.target]),
        test: testSources,
      }),
    );
    const script = path.join(ROOT, "bench", "torch_anchor.py");
    const args = [
      "--data",
      input,
      "--out",
      output,
      "--minutes",
      String(minutes),
      "--threads",
      String(os.cpus().length),
    ];
    const run = spawnSync(python, [script, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "inherit", "pipe"],
      maxBuffer: 1 << 26,
    });
    if (run.status !== 0) throw new Error(`the PyTorch anchor failed: ${(run.stderr ?? "").trim().split("\n").pop()}`);
    return JSON.parse(fs.readFileSync(output, "utf8"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function anchorBenchmark(file: string, minutes: number, setup: boolean): Promise<void> {
  const torch = findTorch2(setup);
  if (!torch.found) throw new Error(`the anchor needs PyTorch 2.x: ${torch.reason}`);
  // Every pair outside the test split trains (the anchor keeps no validation set).
  const data = prepareData({ file, validation: 0, seed: 1 });
  const groups = groupReferences(data.splits.test);
  const sourceTokens = new Map(data.splits.test.map((pair) => [pair.english, pair.sourceTokens]));
  const testSources = groups.map((group) => data.sourceVocab.encode(sourceTokens.get(group.english)!));
  const result = runTorchAnchor(torch.found.python, data, testSources, minutes);
  const hypotheses = result.hypotheses.map((ids) => {
    const tokens = data.targetVocab.decode(ids);
    return detokenize(data.truecaser ? data.truecaser.apply(tokens) : tokens);
  });
  const references = groups.map((group) => group.references);
  console.log(
    JSON.stringify({
      bench: "anchor",
      framework: result.framework,
      threads: result.threads,
      config: `${describeConfig()}, greedy decoding, lower-cased words`,
      data: file,
      trainPairs: data.counts.train,
      testPairs: data.counts.test,
      testSentences: groups.length,
      vocabulary: { english: data.sourceVocab.size, german: data.targetVocab.size },
      minutes,
      epochs: result.epochs.length,
      lossPerEpoch: result.epochs.map((epoch) => round(epoch.loss, 4)),
      testBleuLowercase: round(corpusBleu(hypotheses, references, { lowercase: true }).score, 2),
      testBleu: round(corpusBleu(hypotheses, references).score, 2),
      testChrf: round(corpusChrf(hypotheses, references).score, 2),
      testChrfLowercase: round(corpusChrf(hypotheses, references, { lowercase: true }).score, 2),
    }),
  );
}
