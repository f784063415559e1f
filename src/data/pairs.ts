/**
 * Sentence pairs in the manythings.org / Tatoeba format (`deu.txt`): one pair per line,
 * `English<TAB>German` or `English<TAB>German<TAB>attribution`. UTF-8 with or without BOM, LF or CRLF;
 * text is normalised to Unicode NFC.
 */
import * as fs from "node:fs";

export interface SentencePair {
  english: string;
  german: string;
  /** The third column of current manythings.org files (e.g. "CC-BY 2.0 (France) Attribution: tatoeba.org #…"). */
  attribution?: string;
  /** 1-based line number in the source file. */
  line: number;
}

export interface LoadReport {
  source: string;
  /** Non-empty lines read. */
  lines: number;
  pairs: number;
  /** Malformed lines that were skipped (only with `skipBadLines`). */
  skipped: Array<{ line: number; reason: string; text: string }>;
  /** Lines that carried an attribution column. */
  withAttribution: number;
}

export interface LoadOptions {
  /** Skip malformed lines and list them in the report, instead of throwing at the first one. */
  skipBadLines?: boolean;
  /** Keep at most this many pairs (the first ones in the file). */
  limit?: number;
}

export class PairsFormatError extends Error {
  constructor(readonly source: string, readonly line: number, readonly reason: string) {
    super(`${source}:${line}: ${reason}`);
    this.name = "PairsFormatError";
  }
}

function checkLine(cols: string[]): string | undefined {
  if (cols.length === 1) return "no tab: expected English<TAB>German[<TAB>attribution]";
  if (cols.length > 3) return `${cols.length} tab-separated columns: expected 2 or 3 (English, German, attribution)`;
  if (cols[0].trim() === "") return "empty English side";
  if (cols[1].trim() === "") return "empty German side";
  return undefined;
}

/** Parses the text of a pairs file; `source` names it in errors. */
export function parsePairs(text: string, source = "<text>", options: LoadOptions = {}): { pairs: SentencePair[]; report: LoadReport } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split(/\r?\n/);
  const pairs: SentencePair[] = [];
  const report: LoadReport = { source, lines: 0, pairs: 0, skipped: [], withAttribution: 0 };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, "");
    if (raw.trim() === "") continue;
    report.lines++;
    const cols = raw.split("\t");
    const problem = checkLine(cols);
    if (problem) {
      if (!options.skipBadLines) throw new PairsFormatError(source, i + 1, `${problem}: ${JSON.stringify(raw.slice(0, 80))}`);
      report.skipped.push({ line: i + 1, reason: problem, text: raw });
      continue;
    }
    const pair: SentencePair = { english: cols[0].trim().normalize("NFC"), german: cols[1].trim().normalize("NFC"), line: i + 1 };
    if (cols.length === 3 && cols[2].trim() !== "") {
      pair.attribution = cols[2].trim().normalize("NFC");
      report.withAttribution++;
    }
    pairs.push(pair);
    if (options.limit !== undefined && pairs.length >= options.limit) break;
  }
  report.pairs = pairs.length;
  return { pairs, report };
}

/** Reads a pairs file. A missing file or a malformed line gets an error naming the file (and line). */
export function loadPairs(file: string, options: LoadOptions = {}): { pairs: SentencePair[]; report: LoadReport } {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`cannot read pairs file ${file}: ${code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  return parsePairs(text, file, options);
}
