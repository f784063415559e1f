#!/usr/bin/env node
/**
 * `npm run corpus [-- --count N --seed S --out FILE]`: regenerates the built-in corpus
 * (default: 4000 pairs, seed 2015, data/default-corpus.tsv).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { generateCorpus, corpusTsv } from "../data/corpus";
import { parseArgs, fail, UsageError } from "./args";
import { checkFlags, int } from "../util/validate";
import { checkWritableFile } from "./files";
import { makeDirs } from "../util/dirs";
import { DEFAULT_CORPUS, DEFAULT_CORPUS_COUNT, DEFAULT_CORPUS_SEED } from "../data/dataset";

function main(): void {
  const args = parseArgs(process.argv.slice(2), { count: "int", seed: "int", out: "string" });
  if (args._.length) throw new UsageError(`unexpected argument ${JSON.stringify(args._[0])}`);
  checkFlags(args, { count: int(1, 1_000_000), seed: int(0, 2 ** 31 - 1) });
  if (args.out !== undefined) checkWritableFile("--out", args.out as string);
  const count = (args.count as number | undefined) ?? DEFAULT_CORPUS_COUNT;
  const seed = (args.seed as number | undefined) ?? DEFAULT_CORPUS_SEED;
  const out = (args.out as string | undefined) ?? DEFAULT_CORPUS;
  const pairs = generateCorpus(count, seed);
  makeDirs(path.dirname(path.resolve(out)));
  fs.writeFileSync(out, corpusTsv(pairs), "utf8");
  const patterns: Record<string, number> = {};
  for (const p of pairs) patterns[p.pattern] = (patterns[p.pattern] ?? 0) + 1;
  console.log(JSON.stringify({ out, pairs: pairs.length, seed, patterns }));
}

try {
  main();
} catch (e) {
  fail(e);
}
