/**
 * From a pairs file to training examples in one call: load, de-duplicate, filter by length, split by
 * English sentence, build vocabularies on the training split, and encode.
 */
import * as crypto from "node:crypto";
import * as path from "node:path";
import { loadPairs, LoadReport, SentencePair } from "./pairs";
import { tokenize, TokenizeOptions } from "./tokenize";
import { dropDuplicatePairs, splitByEnglish, Splits } from "./split";
import { Vocabulary } from "./vocab";
import { Truecaser } from "./truecase";
import type { Example } from "./batches";

/** The built-in corpus that ships with the workbook (see data/README.md). */
export const DEFAULT_CORPUS = path.resolve(__dirname, "../../data/default-corpus.tsv");
export const DEFAULT_CORPUS_COUNT = 4000;
export const DEFAULT_CORPUS_SEED = 2015;

export interface TokenizedPair extends SentencePair {
  sourceTokens: string[];
  targetTokens: string[];
}

export interface DataOptions {
  /** A pairs file (`English<TAB>German[<TAB>attribution]`); default: the built-in corpus. */
  file?: string;
  /** Use only the first N pairs of the file (note: Tatoeba's file is sorted by length, shortest first). */
  pairs?: number;
  /** Drop pairs with more tokens than this on either side. */
  maxTokens?: number;
  lowercase?: boolean;
  /** Seed of the split. */
  seed?: number;
  validation?: number;
  test?: number;
  /** Vocabulary options (applied to each language, counted on the training split only). */
  minFreq?: number;
  maxVocab?: number;
  skipBadLines?: boolean;
}

export interface PreparedData {
  file: string;
  report: LoadReport;
  /** Pairs kept after de-duplication and the length filter. */
  pairs: TokenizedPair[];
  splits: Splits<TokenizedPair>;
  sourceVocab: Vocabulary;
  targetVocab: Vocabulary;
  /** Restores German capitalisation of lower-cased output (learned from the training split). */
  truecaser?: Truecaser;
  train: Example[];
  validation: Example[];
  test: Example[];
  tokenizeOptions: TokenizeOptions;
  counts: { loaded: number; duplicates: number; tooLong: number; kept: number; train: number; validation: number; test: number };
}

export function toExample(p: TokenizedPair, sourceVocab: Vocabulary, targetVocab: Vocabulary): Example {
  return { source: sourceVocab.encode(p.sourceTokens), target: targetVocab.encode(p.targetTokens) };
}

export function prepareData(options: DataOptions = {}): PreparedData {
  const file = options.file ?? DEFAULT_CORPUS;
  const tokenizeOptions: TokenizeOptions = { lowercase: options.lowercase ?? true };
  const { pairs: loaded, report } = loadPairs(file, { skipBadLines: options.skipBadLines, limit: options.pairs });
  if (loaded.length === 0) throw new Error(`${file}: no sentence pairs (an empty file?)`);
  const unique = dropDuplicatePairs(loaded);
  const tokenized: TokenizedPair[] = unique.map((p) => ({
    ...p,
    sourceTokens: tokenize(p.english, tokenizeOptions),
    targetTokens: tokenize(p.german, tokenizeOptions),
  }));
  const kept = tokenized.filter((p) => {
    if (p.sourceTokens.length === 0 || p.targetTokens.length === 0) {
      throw new Error(`${file}:${p.line}: a side has no tokens after tokenizing: ${JSON.stringify(p.english)} / ${JSON.stringify(p.german)}`);
    }
    return options.maxTokens === undefined || (p.sourceTokens.length <= options.maxTokens && p.targetTokens.length <= options.maxTokens);
  });
  if (kept.length === 0) throw new Error(`${file}: no pair has at most ${options.maxTokens} tokens on both sides (raise --max-tokens)`);
  const splits = splitByEnglish(kept, { validation: options.validation, test: options.test, seed: options.seed ?? 1 });
  if (splits.train.length === 0) throw new Error(`${file}: no pair left to train on after the split of ${kept.length} pairs (lower the validation and test fractions)`);
  const vocabOptions = { minFreq: options.minFreq, maxSize: options.maxVocab };
  const sourceVocab = Vocabulary.build(splits.train.map((p) => p.sourceTokens), vocabOptions);
  const targetVocab = Vocabulary.build(splits.train.map((p) => p.targetTokens), vocabOptions);
  const encode = (ps: TokenizedPair[]) => ps.map((p) => toExample(p, sourceVocab, targetVocab));
  return {
    file,
    report,
    pairs: kept,
    splits,
    sourceVocab,
    targetVocab,
    truecaser: tokenizeOptions.lowercase ? Truecaser.learn(splits.train.map((p) => p.german)) : undefined,
    train: encode(splits.train),
    validation: encode(splits.validation),
    test: encode(splits.test),
    tokenizeOptions,
    counts: {
      loaded: loaded.length,
      duplicates: loaded.length - unique.length,
      tooLong: tokenized.length - kept.length,
      kept: kept.length,
      train: splits.train.length,
      validation: splits.validation.length,
      test: splits.test.length,
    },
  };
}

/**
 * A fingerprint of what a model is trained on: the training pairs' tokens, both vocabularies and the
 * tokenization. Two runs with the same fingerprint feed the model the same word ids.
 */
export function dataFingerprint(data: Pick<PreparedData, "splits" | "sourceVocab" | "targetVocab" | "tokenizeOptions">): string {
  const hash = crypto.createHash("sha256");
  hash.update(JSON.stringify(data.tokenizeOptions));
  for (const p of data.splits.train) hash.update(`${p.sourceTokens.join(" ")}\t${p.targetTokens.join(" ")}\n`);
  hash.update(`\u0000${data.sourceVocab.words.join("\n")}\u0000${data.targetVocab.words.join("\n")}`);
  return hash.digest("hex");
}

/**
 * Tokens and ids of a sentence to translate. An empty sentence is an error; unknown words map to _UNK
 * and are listed.
 */
export function encodeSentence(text: string, vocab: Vocabulary, options: TokenizeOptions = {}): { tokens: string[]; ids: number[]; unknown: string[] } {
  const tokens = tokenize(text, options);
  if (tokens.length === 0) throw new Error(`cannot translate an empty sentence (${JSON.stringify(text)})`);
  return { tokens, ids: vocab.encode(tokens), unknown: vocab.unknownWords(tokens) };
}
