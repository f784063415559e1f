/**
 * Corpus chrF (Popović 2015) as sacrebleu 2.x computes it by default: character n-grams of orders 1-6
 * with whitespace removed, β = 2, statistics summed over the corpus, and for each sentence the reference
 * that gives it the best chrF. `epsSmoothing` selects the chrF++.py-style average instead of the
 * effective-order one.
 */
export interface ChrfOptions {
  charOrder?: number;
  beta?: number;
  lowercase?: boolean;
  /** Keep whitespace inside the character n-grams (default false). */
  whitespace?: boolean;
  epsSmoothing?: boolean;
}

function charNgrams(line: string, maxOrder: number, whitespace: boolean): Array<Map<string, number>> {
  const s = whitespace ? line : line.split(/\s+/).join("");
  const chars = Array.from(s); // by code point, as Python slices strings
  const out: Array<Map<string, number>> = [];
  for (let n = 1; n <= maxOrder; n++) {
    const m = new Map<string, number>();
    for (let i = 0; i + n <= chars.length; i++) {
      const g = chars.slice(i, i + n).join("");
      m.set(g, (m.get(g) ?? 0) + 1);
    }
    out.push(m);
  }
  return out;
}

function fScore(stats: number[], order: number, beta: number, epsSmoothing: boolean): number {
  const eps = 1e-16;
  const factor = beta * beta;
  let score = 0,
    effective = 0,
    avgPrec = 0,
    avgRec = 0;
  for (let i = 0; i < order; i++) {
    const [nHyp, nRef, nMatch] = stats.slice(3 * i, 3 * i + 3);
    const prec = nHyp > 0 ? nMatch / nHyp : eps;
    const rec = nRef > 0 ? nMatch / nRef : eps;
    const denom = factor * prec + rec;
    score += denom > 0 ? ((1 + factor) * prec * rec) / denom : eps;
    if (nHyp > 0 && nRef > 0) {
      avgPrec += prec;
      avgRec += rec;
      effective++;
    }
  }
  if (epsSmoothing) return (100 * score) / order;
  if (effective === 0) return 0;
  avgPrec /= effective;
  avgRec /= effective;
  if (avgPrec + avgRec === 0) return 0;
  return (100 * (1 + factor) * avgPrec * avgRec) / (factor * avgPrec + avgRec);
}

export function corpusChrf(
  hypotheses: readonly string[],
  references: ReadonlyArray<readonly string[]>,
  options: ChrfOptions = {},
): { score: number; stats: number[] } {
  if (hypotheses.length !== references.length) {
    throw new Error(`corpusChrf: ${hypotheses.length} hypotheses but ${references.length} reference sets`);
  }
  const order = options.charOrder ?? 6;
  const beta = options.beta ?? 2;
  const ws = options.whitespace ?? false;
  const eps = options.epsSmoothing ?? false;
  const prep = (s: string) => (options.lowercase ? s.toLowerCase() : s);
  const total = new Array(3 * order).fill(0);
  hypotheses.forEach((hyp, i) => {
    const refs = references[i].filter((r) => r !== undefined && r !== null && r !== "");
    if (refs.length === 0) throw new Error(`corpusChrf: sentence ${i} has no reference`);
    const h = charNgrams(prep(hyp), order, ws);
    let best: number[] = [];
    let bestF = -1;
    for (const ref of refs) {
      const r = charNgrams(prep(ref), order, ws);
      const stats: number[] = [];
      for (let n = 0; n < order; n++) {
        let match = 0,
          hypCount = 0,
          refCount = 0;
        for (const [g, c] of h[n]) {
          hypCount += c;
          const rc = r[n].get(g);
          if (rc !== undefined) match += Math.min(c, rc);
        }
        for (const c of r[n].values()) refCount += c;
        // As sacrebleu: hypothesis n-grams count only where the reference has n-grams of that order.
        stats.push(r[n].size > 0 ? hypCount : 0, refCount, match);
      }
      const f = fScore(stats, order, beta, eps);
      if (f > bestF) {
        bestF = f;
        best = stats;
      }
    }
    best.forEach((v, j) => (total[j] += v));
  });
  return { score: fScore(total, order, beta, eps), stats: total };
}
