/**
 * Sentence pairs in the manythings.org / Tatoeba format (`deu.txt`): one pair per line,
 * `English<TAB>German` or `English<TAB>German<TAB>attribution`, and in the workbook's generated corpora a
 * fourth column, the gold word alignment (`0-0 1-2 ...`, English token - German token). UTF-8 with or without BOM, LF or CRLF;
 * text is normalised to Unicode NFC.
 *
 * Files that are not UTF-8 (UTF-16, Windows-1252, binary data) are refused with the line and the bytes
 * found, never read as garbage; a line longer than MAX_LINE_CHARS is refused (a file that is not a
 * pairs file, or lost line breaks), never tokenized into a sentence that hangs training.
 */
import * as fs from "node:fs";
import { parseAlignment, WordLinks } from "./alignment";

export interface SentencePair {
  english: string;
  german: string;
  /** The third column of current manythings.org files (e.g. "CC-BY 2.0 (France) Attribution: tatoeba.org #…"). */
  attribution?: string;
  /** The fourth column of the workbook's generated corpora: which English token each German token translates. */
  alignment?: WordLinks;
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

/** The longest line a pairs file may have (Tatoeba's longest, attribution included, is a few hundred). */
export const MAX_LINE_CHARS = 2000;
/** The largest pairs file that is read. */
export const MAX_PAIRS_FILE_BYTES = 1 << 30;

export class PairsFormatError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${source}:${line}: ${reason}`);
    this.name = "PairsFormatError";
  }
}

function checkLine(cols: string[]): string | undefined {
  if (cols.length === 1) return "no tab: expected English<TAB>German[<TAB>attribution[<TAB>alignment]]";
  if (cols.length > 4)
    return `${cols.length} tab-separated columns: expected 2 to 4 (English, German, attribution, alignment)`;
  if (cols[0].trim() === "") return "empty English side";
  if (cols[1].trim() === "") return "empty German side";
  if (cols.length === 4 && !/^\s*(\d+-\d+(\s+\d+-\d+)*)?\s*$/.test(cols[3]))
    return `alignment column ${JSON.stringify(cols[3].slice(0, 40))} is not "i-j i-j ..." (English token i, German token j)`;
  return undefined;
}

/** Parses the text of a pairs file; `source` names it in errors. */
export function parsePairs(
  text: string,
  source = "<text>",
  options: LoadOptions = {},
): { pairs: SentencePair[]; report: LoadReport } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split(/\r?\n/);
  const pairs: SentencePair[] = [];
  const report: LoadReport = { source, lines: 0, pairs: 0, skipped: [], withAttribution: 0 };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, "");
    if (raw.length > MAX_LINE_CHARS)
      throw new PairsFormatError(
        source,
        i + 1,
        `a line of ${raw.length} characters, more than ${MAX_LINE_CHARS} (not a pairs file, or missing line breaks?)`,
      );
    if (raw.trim() === "") continue;
    report.lines++;
    const cols = raw.split("\t");
    const problem = checkLine(cols);
    if (problem) {
      if (!options.skipBadLines)
        throw new PairsFormatError(source, i + 1, `${problem}: ${JSON.stringify(raw.slice(0, 80))}`);
      report.skipped.push({ line: i + 1, reason: problem, text: raw });
      continue;
    }
    const pair: SentencePair = {
      english: cols[0].trim().normalize("NFC"),
      german: cols[1].trim().normalize("NFC"),
      line: i + 1,
    };
    if (cols.length >= 3 && cols[2].trim() !== "") {
      pair.attribution = cols[2].trim().normalize("NFC");
      report.withAttribution++;
    }
    if (cols.length === 4) pair.alignment = parseAlignment(cols[3]);
    pairs.push(pair);
    if (options.limit !== undefined && pairs.length >= options.limit) break;
  }
  report.pairs = pairs.length;
  return { pairs, report };
}

/** 1-based line and column of byte `at`. */
function position(bytes: Uint8Array, at: number): { line: number; column: number } {
  let line = 1,
    start = 0;
  for (let i = 0; i < at; i++)
    if (bytes[i] === 0x0a) {
      line++;
      start = i + 1;
    }
  return { line, column: at - start + 1 };
}

/** The index of the first byte that does not belong to a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    const n = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= bytes.length || (bytes[i + k] & 0xc0) !== 0x80) return i;
    // Overlong forms, surrogates and code points past U+10FFFF.
    if (
      (b === 0xe0 && bytes[i + 1] < 0xa0) ||
      (b === 0xed && bytes[i + 1] > 0x9f) ||
      (b === 0xf0 && bytes[i + 1] < 0x90) ||
      (b === 0xf4 && bytes[i + 1] > 0x8f)
    )
      return i;
    i += n + 1;
  }
  return -1;
}

/**
 * Text of a pairs file's bytes, which must be UTF-8; otherwise an error that names the line and what
 * was found (a UTF-16 byte-order mark, NUL bytes, a byte that is not UTF-8).
 */
export function decodeUtf8Text(bytes: Uint8Array, source: string): string {
  const hex = (b: number) => `0x${b.toString(16).toUpperCase().padStart(2, "0")}`;
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new PairsFormatError(
      source,
      1,
      `UTF-16 text (byte-order mark ${hex(bytes[0])} ${hex(bytes[1])}), not UTF-8: save the file as UTF-8`,
    );
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const p = position(bytes, nul);
    throw new PairsFormatError(
      source,
      p.line,
      `a NUL byte at column ${p.column} (UTF-16 or binary data?), not UTF-8 text: save the file as UTF-8`,
    );
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const p = position(bytes, bad);
    throw new PairsFormatError(
      source,
      p.line,
      `byte ${hex(bytes[bad])} at column ${p.column} is not UTF-8 (Windows-1252 or Latin-1 text?): save the file as UTF-8`,
    );
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}

/**
 * Reads a pairs file. A missing file, a file that is not UTF-8, a malformed or overlong line gets an
 * error naming the file (and line).
 */
export function loadPairs(file: string, options: LoadOptions = {}): { pairs: SentencePair[]; report: LoadReport } {
  let bytes: Buffer;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_PAIRS_FILE_BYTES)
      throw new Error(`${size} bytes, more than the ${MAX_PAIRS_FILE_BYTES} a pairs file may have`);
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(
      `cannot read pairs file ${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a directory, not a file" : (e as Error).message}`,
    );
  }
  return parsePairs(decodeUtf8Text(bytes, file), file, options);
}
