/**
 * Corpus BLEU (Papineni et al. 2002) as sacrebleu computes it by default: 13a tokenization, n-grams up to
 * 4, clipped counts against the maximum count over all references of a sentence, the closest reference
 * length for the brevity penalty (the shorter one on a tie), and "exp" smoothing of zero precisions.
 */
import { tokenize13a } from "./tokenize-13a";

export interface BleuOptions {
  lowercase?: boolean;
  /** "13a" (default) or "none" (split on whitespace only). */
  tokenize?: "13a" | "none";
  maxOrder?: number;
  smooth?: "exp" | "none";
}

export interface BleuResult {
  /** 0-100. */
  score: number;
  /** Clipped n-gram matches and hypothesis n-gram totals, per order. */
  counts: number[];
  totals: number[];
  /** Precisions (0-100) per order, after smoothing. */
  precisions: number[];
  brevityPenalty: number;
  hypothesisLength: number;
  referenceLength: number;
}

function ngramCounts(words: string[], maxOrder: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= words.length; i++) {
      const key = `${n}\u0001${words.slice(i, i + n).join(" ")}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** BLEU from sufficient statistics (sacrebleu's `compute_bleu`). */
export function bleuFromStats(
  counts: number[],
  totals: number[],
  hypothesisLength: number,
  referenceLength: number,
  smooth: "exp" | "none" = "exp",
): BleuResult {
  const maxOrder = counts.length;
  const precisions = new Array(maxOrder).fill(0);
  let smoothMteval = 1;
  for (let n = 0; n < maxOrder; n++) {
    if (totals[n] === 0) break;
    if (counts[n] === 0) {
      if (smooth === "exp") {
        smoothMteval *= 2;
        precisions[n] = 100 / (smoothMteval * totals[n]);
      }
    } else {
      precisions[n] = (100 * counts[n]) / totals[n];
    }
  }
  const brevityPenalty =
    hypothesisLength < referenceLength
      ? hypothesisLength > 0
        ? Math.exp(1 - referenceLength / hypothesisLength)
        : 0
      : 1;
  const logSum = precisions.reduce((a, p) => a + (p === 0 ? -9999999999 : Math.log(p)), 0);
  const score = brevityPenalty * Math.exp(logSum / maxOrder);
  return { score, counts, totals, precisions, brevityPenalty, hypothesisLength, referenceLength };
}

/**
 * @param hypotheses one detokenized hypothesis per source sentence
 * @param references for each source sentence, one or more references
 */
export function corpusBleu(
  hypotheses: readonly string[],
  references: ReadonlyArray<readonly string[]>,
  options: BleuOptions = {},
): BleuResult {
  if (hypotheses.length !== references.length) {
    throw new Error(`corpusBleu: ${hypotheses.length} hypotheses but ${references.length} reference sets`);
  }
  const maxOrder = options.maxOrder ?? 4;
  const prep = (s: string) => {
    const t = options.lowercase ? s.toLowerCase() : s;
    return (options.tokenize === "none" ? t : tokenize13a(t)).split(/\s+/).filter((w) => w !== "");
  };
  const counts = new Array(maxOrder).fill(0);
  const totals = new Array(maxOrder).fill(0);
  let hypLen = 0,
    refLen = 0;
  hypotheses.forEach((hyp, i) => {
    const refs = references[i].filter((r) => r !== undefined && r !== null && r !== "");
    if (refs.length === 0) throw new Error(`corpusBleu: sentence ${i} has no reference`);
    const h = prep(hyp);
    const hCounts = ngramCounts(h, maxOrder);
    const maxRef = new Map<string, number>();
    let closest = Infinity,
      closestDiff = Infinity;
    for (const r of refs) {
      const words = prep(r);
      const diff = Math.abs(h.length - words.length);
      if (diff < closestDiff || (diff === closestDiff && words.length < closest)) {
        closestDiff = diff;
        closest = words.length;
      }
      for (const [k, c] of ngramCounts(words, maxOrder)) maxRef.set(k, Math.max(maxRef.get(k) ?? 0, c));
    }
    hypLen += h.length;
    refLen += closest;
    for (let n = 1; n <= maxOrder; n++) totals[n - 1] += Math.max(0, h.length - n + 1);
    for (const [k, c] of hCounts) {
      const n = Number(k.slice(0, k.indexOf("\u0001")));
      counts[n - 1] += Math.min(c, maxRef.get(k) ?? 0);
    }
  });
  return bleuFromStats(counts, totals, hypLen, refLen, options.smooth ?? "exp");
}
