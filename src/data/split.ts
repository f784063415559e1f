/**
 * Subsets and splits of sentence pairs: shuffling with a seed, length filters, de-duplication, and a
 * train/validation/test split *by English sentence*, so that the several German translations that
 * Tatoeba has for many English sentences never straddle two splits.
 */
import { Random } from "../util/random";
import type { SentencePair } from "./pairs";

export function shufflePairs<T>(items: readonly T[], seed: number): T[] {
  return new Random(seed).shuffle(items);
}

/** Drops exact duplicates (same English and same German), keeping the first. */
export function dropDuplicatePairs<T extends SentencePair>(pairs: readonly T[]): T[] {
  const seen = new Set<string>();
  return pairs.filter((p) => {
    const key = `${p.english}\t${p.german}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Keeps pairs whose two sides have at most `maxTokens` tokens each (as counted by `tokenize`). */
export function filterByLength<T extends SentencePair>(
  pairs: readonly T[],
  maxTokens: number,
  tokenize: (s: string) => string[],
): T[] {
  return pairs.filter((p) => tokenize(p.english).length <= maxTokens && tokenize(p.german).length <= maxTokens);
}

export interface SplitOptions {
  /** Fraction of English sentences for validation (default 0.1) and test (default 0.1). */
  validation?: number;
  test?: number;
  seed?: number;
}

export interface Splits<T> {
  train: T[];
  validation: T[];
  test: T[];
}

/**
 * Splits by English sentence: all pairs that share an English sentence go to the same split.
 * The English sentences are shuffled with `seed`; the pairs keep their file order inside each split.
 */
/** The split's defaults: a tenth of the English sentences each for validation and test, shuffled with seed 1. */
export const DEFAULT_SPLIT = { validation: 0.1, test: 0.1, seed: 1 } as const;

export function splitByEnglish<T extends SentencePair>(pairs: readonly T[], options: SplitOptions = {}): Splits<T> {
  const validation = options.validation ?? DEFAULT_SPLIT.validation;
  const test = options.test ?? DEFAULT_SPLIT.test;
  if (!(validation >= 0 && test >= 0 && validation + test < 1)) {
    throw new Error(
      `splitByEnglish: validation (${validation}) and test (${test}) must be >= 0 and sum to less than 1`,
    );
  }
  const english = [...new Set(pairs.map((p) => p.english))];
  const order = new Random(options.seed ?? DEFAULT_SPLIT.seed).shuffle(english);
  const nTest = Math.round(order.length * test);
  const nVal = Math.round(order.length * validation);
  const where = new Map<string, keyof Splits<T>>();
  order.forEach((e, i) => where.set(e, i < nTest ? "test" : i < nTest + nVal ? "validation" : "train"));
  const out: Splits<T> = { train: [], validation: [], test: [] };
  for (const p of pairs) out[where.get(p.english)!].push(p);
  return out;
}
