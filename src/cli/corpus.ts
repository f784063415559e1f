#!/usr/bin/env node
/**
 * `npm run corpus [-- --long] [-- --count N --seed S --out FILE]`: regenerates a built-in corpus with its
 * gold alignments (default: 4000 pairs, seed 2015, data/default-corpus.tsv; with --long: 5000 pairs,
 * seed 30, data/long-corpus.tsv). Prints the pairs per construction and per English length.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { generateCorpus, generateLongCorpus, corpusTsv, GeneratedPair } from "../data/corpus";
import { tokenize } from "../data/tokenize";
import { parseArgs, fail, UsageError, CommandHelp } from "./args";
import { checkFlags, int, FlagRule } from "../util/validate";
import { checkWritableFile } from "./files";
import { makeDirs } from "../util/dirs";
import {
  DEFAULT_CORPUS,
  DEFAULT_CORPUS_COUNT,
  DEFAULT_CORPUS_SEED,
  LONG_CORPUS,
  LONG_CORPUS_COUNT,
  LONG_CORPUS_SEED,
} from "../data/dataset";

export const CORPUS_FLAGS = { count: "int", seed: "int", out: "string", long: "bool" } as const;

/** The range of every valued flag, checked before anything is written. */
export const CORPUS_RULES: Record<string, FlagRule> = { count: int(1, 1_000_000), seed: int(0, 2 ** 31 - 1) };

/** `--help`: what each flag does and its default (the built-in corpus's, or the long one's with --long). */
export const CORPUS_HELP: CommandHelp<typeof CORPUS_FLAGS> = {
  usage: "npm run corpus -- [--long] [--count N] [--seed S] [--out FILE]",
  about:
    "Regenerates a built-in corpus with its gold alignments, and prints the pairs per construction and\n" +
    "per English length as a JSON line.",
  rules: CORPUS_RULES,
  flags: {
    count: { text: "pairs to generate", default: `${DEFAULT_CORPUS_COUNT} (${LONG_CORPUS_COUNT} with --long)` },
    seed: {
      value: "S",
      text: "the generator's seed",
      default: `${DEFAULT_CORPUS_SEED} (${LONG_CORPUS_SEED} with --long)`,
    },
    out: {
      value: "FILE",
      text: "the file to write",
      default: `${path.relative(process.cwd(), DEFAULT_CORPUS)} (${path.relative(process.cwd(), LONG_CORPUS)} with --long)`,
    },
    long: { text: "the long corpus (longer sentences, for notebook 08) instead of the default one", default: false },
  },
};

/** Pairs per construction, and per English length in tokens (punctuation included). */
function corpusStats(pairs: GeneratedPair[]): {
  constructions: Record<string, number>;
  englishTokens: Record<string, number>;
} {
  const constructions: Record<string, number> = {};
  const englishTokens: Record<string, number> = {};
  for (const p of pairs) {
    for (const c of p.constructions) constructions[c] = (constructions[c] ?? 0) + 1;
    const n = tokenize(p.english).length;
    englishTokens[n] = (englishTokens[n] ?? 0) + 1;
  }
  return { constructions, englishTokens };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2), CORPUS_FLAGS, CORPUS_HELP);
  if (args._.length) throw new UsageError(`unexpected argument ${JSON.stringify(args._[0])}`);
  checkFlags(args, CORPUS_RULES);
  if (args.out !== undefined) checkWritableFile("--out", args.out);
  const long = args.long === true;
  const count = args.count ?? (long ? LONG_CORPUS_COUNT : DEFAULT_CORPUS_COUNT);
  const seed = args.seed ?? (long ? LONG_CORPUS_SEED : DEFAULT_CORPUS_SEED);
  const out = args.out ?? (long ? LONG_CORPUS : DEFAULT_CORPUS);
  const pairs = long ? generateLongCorpus(count, seed) : generateCorpus(count, seed);
  makeDirs(path.dirname(path.resolve(out)));
  fs.writeFileSync(out, corpusTsv(pairs), "utf8");
  console.log(JSON.stringify({ out, pairs: pairs.length, seed, ...corpusStats(pairs) }));
}

// Run as a command; imported (by the tests), it only exports its flags, ranges and help.
if (require.main === module) {
  try {
    main();
  } catch (e) {
    fail(e);
  }
}
