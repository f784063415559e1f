/**
 * The "13a" tokenization of mteval-v13a.pl, which sacrebleu applies before BLEU by default: unescape a
 * few HTML entities, split off punctuation and symbols, split `.`/`,` unless between digits, and a dash
 * after a digit.
 */
export function tokenize13a(line: string): string {
  let s = line
    .replace(/<skipped>/g, "")
    .replace(/-\n/g, "")
    .replace(/\n/g, " ");
  if (s.includes("&")) {
    s = s
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, "&")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">");
  }
  s = ` ${s} `;
  s = s.replace(/([{-~[-` -&(-+:-@/])/g, " $1 ");
  s = s.replace(/([^0-9])([.,])/g, "$1 $2 ");
  s = s.replace(/([.,])([^0-9])/g, " $1 $2");
  s = s.replace(/([0-9])(-)/g, "$1 $2 ");
  return s
    .split(/\s+/)
    .filter((w) => w !== "")
    .join(" ");
}
