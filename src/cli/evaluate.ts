#!/usr/bin/env node
/**
 * `npm run evaluate -- --checkpoint DIR --data FILE [--beam K] [--hyps OUT] [--split test|validation|all]`
 * Scores a checkpoint on a pairs file: identical English sentences are grouped so that all their German
 * translations are references. `--split test` redoes the split the model was trained with (same file,
 * seed and filters) and scores its test part; the default is every pair of the file.
 * Prints `{"bleu":…, "chrf":…, "sentences":…}` (plus lower-cased scores).
 */
import * as fs from "node:fs";
import { ready } from "../backend";
import { loadCheckpoint, checkCheckpointExists, LoadedCheckpoint } from "../train/checkpoint";
import { loadPairs, SentencePair } from "../data/pairs";
import { prepareData, DataOptions } from "../data/dataset";
import { evaluatePairs } from "../metrics/evaluate";
import { parseArgs, fail, UsageError, Flags, CommandHelp } from "./args";
import { checkFlags, int, num, oneOf, satisfies, FlagRule, LIMITS } from "../util/validate";
import { checkReadableFile, checkWritableFile } from "./files";

/** The range of every valued flag, checked before the checkpoint or the data is read. */
export const EVALUATE_RULES: Record<string, FlagRule> = {
  beam: int(1, LIMITS.beam),
  pairs: int(1, 10_000_000),
  "length-penalty": num(0, 10),
  split: oneOf(["all", "test", "validation"]),
};

export const EVALUATE_FLAGS = {
  checkpoint: "string",
  data: "string",
  beam: "int",
  hyps: "string",
  split: "string",
  pairs: "int",
  "length-penalty": "number",
} as const;

/** `--help`: what each flag does and its default. */
export const EVALUATE_HELP: CommandHelp<typeof EVALUATE_FLAGS> = {
  usage: "npm run evaluate -- --checkpoint DIR (--data FILE | --split test|validation) [flags]",
  about:
    "Scores the model in DIR (BLEU and chrF) on a pairs file: identical English sentences are grouped so\n" +
    "that all their German translations are references. Prints a final JSON line.",
  rules: EVALUATE_RULES,
  flags: {
    checkpoint: { value: "DIR", text: "the checkpoint to score (saved by npm run train)", required: true },
    data: { value: "FILE", text: "the pairs file, English TAB German", default: "none (required with --split all)" },
    beam: { text: "beam width (1 = greedy decoding)", default: 1 },
    hyps: { value: "OUT", text: "also write the translations to OUT, one a line", default: "none" },
    split: {
      value: "SPLIT",
      text: "all of --data, or the test or validation part of the split the model was trained with",
      default: "all",
    },
    pairs: { text: "read only the first N pairs of --data (with --split all)", default: "every pair" },
    "length-penalty": { text: "beam search's length penalty (0 = none; used with --beam > 1)", default: 0.6 },
  },
};

/** The flags, every one checked (and the files they name) before anything is loaded or written. */
function readFlags(argv: string[]): Flags<typeof EVALUATE_FLAGS> & { checkpoint: string; split: string } {
  const a = parseArgs(argv, EVALUATE_FLAGS, EVALUATE_HELP);
  if (!a.checkpoint) throw new UsageError("--checkpoint DIR is required");
  if (a._.length) throw new UsageError(`unexpected argument ${JSON.stringify(a._[0])}`);
  const split = a.split ?? "all";
  if (!satisfies(split, EVALUATE_RULES.split))
    throw new UsageError(`--split must be all, test or validation, got ${split}`);
  checkFlags(a, EVALUATE_RULES);
  checkCheckpointExists(a.checkpoint);
  if (split === "all" && !a.data)
    throw new UsageError("--data FILE is required (or --split test to use the training split's test part)");
  if (a.data !== undefined) checkReadableFile("--data", a.data);
  if (a.hyps !== undefined) checkWritableFile("--hyps", a.hyps);
  return { ...a, checkpoint: a.checkpoint, split };
}

/** The pairs to score: all of --data, or the test or validation split the checkpoint was trained with. */
function pairsToScore(
  translationModel: LoadedCheckpoint,
  split: string,
  data: string | undefined,
  limit: number | undefined,
): SentencePair[] {
  if (split === "all") {
    const pairs = loadPairs(data!, { limit }).pairs; // --data is required with --split all (checked in readFlags)
    if (pairs.length === 0) throw new Error(`--data ${data}: no sentence pairs to evaluate (an empty file?)`);
    return pairs;
  }
  const recorded = (translationModel.training?.data ?? {}) as DataOptions;
  const prepared = prepareData({ ...recorded, file: data ?? recorded.file });
  const pairs = split === "test" ? prepared.splits.test : prepared.splits.validation;
  if (pairs.length === 0) throw new Error(`--split ${split}: the ${split} split of ${prepared.file} is empty`);
  return pairs;
}

async function main(): Promise<void> {
  const a = readFlags(process.argv.slice(2));
  await ready();
  const translationModel = loadCheckpoint(a.checkpoint);
  const pairs = pairsToScore(translationModel, a.split, a.data, a.pairs);
  const started = Date.now();
  const ev = evaluatePairs(translationModel, pairs, { beam: a.beam ?? 1, lengthPenalty: a["length-penalty"] });
  if (a.hyps) fs.writeFileSync(a.hyps, ev.hypotheses.map((h) => `${h}\n`).join(""), "utf8");
  const twoDecimals = (x: number) => Number(x.toFixed(2));
  console.log(
    JSON.stringify({
      bleu: twoDecimals(ev.bleu),
      chrf: twoDecimals(ev.chrf),
      sentences: ev.sentences,
      bleuLowercase: twoDecimals(ev.bleuLowercase),
      chrfLowercase: twoDecimals(ev.chrfLowercase),
      references: ev.references,
      beam: a.beam ?? 1,
      seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
    }),
  );
}

// Run as a command; imported (by the tests), it only exports its flags, ranges and help.
if (require.main === module) main().catch(fail);
