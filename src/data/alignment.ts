/**
 * Gold word alignments: which English token each German token translates, as token positions in the
 * workbook's tokenization. The generated corpora carry one per pair (their fourth column); notebook 06
 * scores attention against them (`metrics/alignment.ts`).
 */

/** Word links `[englishIndex, germanIndex]` between token positions (the workbook's tokenization). */
export type WordLinks = Array<[number, number]>;

/** Word links in the Pharaoh format that fast_align writes: `i-j` (English token i, German token j), space-separated. */
export function formatAlignment(links: WordLinks): string {
  return links.map(([i, j]) => `${i}-${j}`).join(" ");
}

/** Parses `formatAlignment`'s text; an error names the first piece that is not `i-j`. */
export function parseAlignment(text: string): WordLinks {
  if (text.trim() === "") return [];
  return text
    .trim()
    .split(/\s+/)
    .map((piece) => {
      const m = /^(\d+)-(\d+)$/.exec(piece);
      if (!m) throw new Error(`alignment: ${JSON.stringify(piece)} is not "i-j" (English token i, German token j)`);
      return [Number(m[1]), Number(m[2])] as [number, number];
    });
}
