/**
 * Evaluation on sentence pairs: identical English sentences are grouped, so that every German
 * translation of a sentence is a reference for it; one hypothesis per distinct English sentence, in
 * order of first appearance.
 */
import type { SentencePair } from "../data/pairs";
import { translateAll, TranslateOptions } from "../decode/translate";
import type { TranslationModel } from "../models/translation-model";
import { corpusBleu } from "./bleu";
import { corpusChrf } from "./chrf";
import { tokenize } from "../data/tokenize";

export interface ReferenceGroup {
  english: string;
  references: string[];
}

export function groupReferences(pairs: readonly SentencePair[]): ReferenceGroup[] {
  const groups = new Map<string, string[]>();
  for (const p of pairs) {
    const refs = groups.get(p.english);
    if (refs) refs.push(p.german);
    else groups.set(p.english, [p.german]);
  }
  return [...groups.entries()].map(([english, references]) => ({ english, references }));
}

export interface EvaluationResult {
  /** Corpus BLEU with sacrebleu's defaults (cased, 13a). */
  bleu: number;
  /** Lower-cased BLEU (sacrebleu -lc). */
  bleuLowercase: number;
  chrf: number;
  chrfLowercase: number;
  sentences: number;
  references: number;
  hypotheses: string[];
}

/**
 * Translates each distinct English sentence and scores the translations against all its references.
 * The workbook's models produce lower-cased text when trained with lower-casing, so the lower-cased
 * scores are the ones to compare across such models.
 */
export function evaluatePairs(
  translationModel: TranslationModel,
  pairs: readonly SentencePair[],
  options: TranslateOptions = {},
): EvaluationResult {
  const groups = groupReferences(pairs);
  const translations = translateAll(
    translationModel,
    groups.map((g) => g.english),
    options,
  );
  const hypotheses = translations.map((t) => t.text);
  const refs = groups.map((g) => g.references);
  return {
    bleu: corpusBleu(hypotheses, refs).score,
    bleuLowercase: corpusBleu(hypotheses, refs, { lowercase: true }).score,
    chrf: corpusChrf(hypotheses, refs).score,
    chrfLowercase: corpusChrf(hypotheses, refs, { lowercase: true }).score,
    sentences: groups.length,
    references: pairs.length,
    hypotheses,
  };
}

export interface LengthBucketScore {
  /** English tokens, punctuation included: `lo`..`hi`. */
  lo: number;
  hi: number;
  label: string;
  sentences: number;
  bleuLowercase: number;
  chrfLowercase: number;
}

/**
 * Test scores by source length (Bahdanau et al. 2015, Figure 2, for this workbook; notebook 08): the
 * pairs are put in buckets of English length and each bucket is scored on its own. Empty buckets are
 * left out.
 */
export function scoresByLength(
  translationModel: TranslationModel,
  pairs: readonly SentencePair[],
  buckets: ReadonlyArray<[number, number]>,
  options: TranslateOptions = {},
): LengthBucketScore[] {
  const out: LengthBucketScore[] = [];
  const lengths = pairs.map((p) => tokenize(p.english, translationModel.tokenizeOptions).length);
  for (const [lo, hi] of buckets) {
    const inBucket = pairs.filter((_, k) => lengths[k] >= lo && lengths[k] <= hi);
    if (inBucket.length === 0) continue;
    const ev = evaluatePairs(translationModel, inBucket, options);
    out.push({
      lo,
      hi,
      label: `${lo}-${hi}`,
      sentences: ev.sentences,
      bleuLowercase: ev.bleuLowercase,
      chrfLowercase: ev.chrfLowercase,
    });
  }
  return out;
}
