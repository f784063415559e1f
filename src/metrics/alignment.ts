/**
 * Attention you can score: the attention's word alignment (for each German word, the English word with
 * the most weight) against the gold alignment the corpus grammar writes. Taught in notebook 06.
 *
 * Two numbers, both over the German words that translate some English word (gold links; a German comma
 * has none and is left out):
 * - alignment accuracy: the share of those words whose argmax English word is one of their gold words;
 * - alignment error rate, AER = 1 - 2|A∩G| / (|A| + |G|) (Och and Ney 2003, with every gold link "sure"),
 *   where A holds one argmax link per such German word and G all gold links. 0 is perfect; with one link
 *   per German word, a German word with two gold English words ("sieht" for "does ... see") leaves one
 *   gold link unmatched, so AER stays above 0 on such pairs even when accuracy is 1.
 */
import type { WordLinks } from "../data/alignment";
import { constructionsOf, Construction } from "../data/corpus";
import { forcedAttention } from "../decode/forced";
import type { TranslationModel } from "../models/translation-model";

/** For each German row of `weights [T][S]`, the link `[argmax English column, row]`. */
export function attentionLinks(weights: number[][]): WordLinks {
  return weights.map((row, j) => {
    if (row.length === 0) throw new Error(`attentionLinks: row ${j} is empty (expected [T][S] weights with S >= 1)`);
    let best = 0;
    for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
    return [best, j];
  });
}

/** Counts that add up over sentences (a corpus score is computed from their sums). */
export interface AlignmentCounts {
  /** German words with at least one gold link (|A|: one argmax link each). */
  germanWords: number;
  /** Of those, the ones whose argmax link is gold (|A∩G|). */
  correct: number;
  /** |G|. */
  goldLinks: number;
}

export interface AlignmentScore extends AlignmentCounts {
  accuracy: number;
  aer: number;
}

/** German token -> its gold English tokens. */
function goldEnglishWords(gold: WordLinks): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const [i, j] of gold) out.set(j, [...(out.get(j) ?? []), i]);
  return out;
}

/** Counts for one sentence: `weights [T][S]` (German rows), `gold` links `[English, German]`. */
export function alignmentCounts(weights: number[][], gold: WordLinks): AlignmentCounts {
  const S = weights[0]?.length ?? 0;
  for (const [i, j] of gold) {
    if (j >= weights.length || i >= S)
      throw new Error(
        `alignmentCounts: gold link ${i}-${j} is outside the [${weights.length}][${S}] attention matrix (German rows, English columns)`,
      );
  }
  const goldOf = goldEnglishWords(gold);
  let germanWords = 0,
    correct = 0;
  for (const [i, j] of attentionLinks(weights)) {
    const words = goldOf.get(j);
    if (!words) continue;
    germanWords++;
    if (words.includes(i)) correct++;
  }
  return { germanWords, correct, goldLinks: gold.length };
}

/** Accuracy and AER from summed counts. */
export function alignmentScore(counts: AlignmentCounts[]): AlignmentScore {
  const sum = counts.reduce(
    (a, c) => ({
      germanWords: a.germanWords + c.germanWords,
      correct: a.correct + c.correct,
      goldLinks: a.goldLinks + c.goldLinks,
    }),
    { germanWords: 0, correct: 0, goldLinks: 0 },
  );
  const accuracy = sum.germanWords ? sum.correct / sum.germanWords : 0;
  const aer = sum.germanWords + sum.goldLinks ? 1 - (2 * sum.correct) / (sum.germanWords + sum.goldLinks) : 0;
  return { ...sum, accuracy, aer };
}

export interface AlignmentReport {
  all: AlignmentScore;
  /** The same, over the pairs that show each construction (a pair may show several). */
  byConstruction: Partial<Record<Construction, AlignmentScore>>;
  sentences: number;
}

/**
 * The "no reordering" baseline: German word j attends only to English word round(j·(S-1)/(T-1)), the
 * diagonal of the matrix. What attention scores above it, it learnt about word order.
 * @returns `[T][S]` weights
 */
export function diagonalAttention(T: number, S: number): number[][] {
  return Array.from({ length: T }, (_, j) => {
    const i = Math.min(S - 1, Math.round((j * (S - 1)) / Math.max(T - 1, 1)));
    return Array.from({ length: S }, (_, k) => (k === i ? 1 : 0));
  });
}

type GoldPair = { english: string; german: string; alignment?: WordLinks; attribution?: string };

/** Attention matrices (`[T][S]` each, one per pair) scored against the pairs' gold alignments, overall and per construction. */
export function scoreAlignments(
  pairs: ReadonlyArray<GoldPair & { alignment: WordLinks }>,
  weights: number[][][],
): AlignmentReport {
  if (weights.length !== pairs.length)
    throw new Error(`scoreAlignments: ${weights.length} attention matrices for ${pairs.length} pairs`);
  const counts = pairs.map((p, k) => alignmentCounts(weights[k], p.alignment));
  const groups = new Map<Construction, AlignmentCounts[]>();
  pairs.forEach((p, k) => {
    for (const c of constructionsOf(p)) groups.set(c, [...(groups.get(c) ?? []), counts[k]]);
  });
  const byConstruction: Partial<Record<Construction, AlignmentScore>> = {};
  for (const [c, list] of groups) byConstruction[c] = alignmentScore(list);
  return { all: alignmentScore(counts), byConstruction, sentences: pairs.length };
}

/** Pairs that carry a gold alignment. */
export function withGold<P extends GoldPair>(pairs: readonly P[]): Array<P & { alignment: WordLinks }> {
  return pairs.filter((p): p is P & { alignment: WordLinks } => p.alignment !== undefined);
}

/**
 * A model's attention scored against the gold alignments of `pairs` (pairs of the workbook's generated
 * corpora; those without an alignment are skipped), with the model fed each reference (forced decoding).
 */
export function alignmentReport(translationModel: TranslationModel, pairs: readonly GoldPair[]): AlignmentReport {
  const gold = withGold(pairs);
  return scoreAlignments(gold, forcedAttention(translationModel, gold));
}

/**
 * How far the attention's argmax lands from the nearest gold English word, counted over the German
 * words with gold links: offset 0 is a hit, +1 one English word later, -1 one earlier (notebook 06).
 */
export function argmaxOffsets(
  pairs: ReadonlyArray<{ alignment: WordLinks }>,
  weights: number[][][],
): Map<number, number> {
  const out = new Map<number, number>();
  pairs.forEach((p, k) => {
    const goldOf = goldEnglishWords(p.alignment);
    for (const [i, j] of attentionLinks(weights[k])) {
      const gold = goldOf.get(j);
      if (!gold) continue;
      const nearest = gold.map((g) => i - g).reduce((a, b) => (Math.abs(b) < Math.abs(a) ? b : a));
      out.set(nearest, (out.get(nearest) ?? 0) + 1);
    }
  });
  return out;
}
