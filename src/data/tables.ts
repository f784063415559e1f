/**
 * Tables for the data notebook, built as danfo.js DataFrames and shown in tslab as HTML (danfojs-node
 * has no HTML output of its own and its `print()` draws ASCII, so `frameHtml` renders one).
 */
import type { SentencePair } from "./pairs";
import type { Vocabulary } from "./vocab";
import { escapeHtml } from "../util/html";

/** The DataFrame type of danfojs-node, loaded on first use (it takes a second to load). */
export type DataFrame = {
  columns: string[];
  values: unknown[][];
  shape: number[];
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- danfo.js ships no types that tsc can read here
function danfo(): any {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- danfo.js is large: loaded on the first table
  return require("danfojs-node");
}

/** A DataFrame of the first `n` pairs: line, english, german (and attribution when present). */
export function pairsFrame(pairs: readonly SentencePair[], n = 10): DataFrame {
  const rows = pairs.slice(0, n);
  const data: Record<string, unknown[]> = {
    line: rows.map((p) => p.line),
    english: rows.map((p) => p.english),
    german: rows.map((p) => p.german),
  };
  if (rows.some((p) => p.attribution)) data.attribution = rows.map((p) => p.attribution ?? "");
  return new (danfo().DataFrame)(data);
}

/** A DataFrame of the `top` most frequent words of a vocabulary: id, word, count. */
export function vocabularyFrame(vocab: Vocabulary, top = 20): DataFrame {
  const ids = vocab.words.map((_, i) => i).filter((i) => i >= 4);
  const df = new (danfo().DataFrame)({
    id: ids,
    word: ids.map((i) => vocab.words[i]),
    count: ids.map((i) => vocab.counts[i]),
  });
  return df.sortValues("count", { ascending: false }).head(Math.min(top, ids.length));
}

/** An HTML table of a DataFrame (UTF-8 text escaped; numbers right-aligned). */
export function frameHtml(df: DataFrame, caption?: string): string {
  const head = df.columns.map((c) => `<th>${escapeHtml(String(c))}</th>`).join("");
  const body = df.values
    .map(
      (row) =>
        `<tr>${row.map((v) => (typeof v === "number" ? `<td style="text-align:right">${v}</td>` : `<td style="text-align:left">${escapeHtml(String(v))}</td>`)).join("")}</tr>`,
    )
    .join("\n");
  const cap = caption ? `<caption>${escapeHtml(caption)}</caption>` : "";
  return `<table class="workbook-table">${cap}<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

/** Shows a DataFrame as an HTML table in tslab (prints it outside a notebook). */
export function showTable(df: DataFrame, caption?: string): void {
  const html = frameHtml(df, caption);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- tslab's display channel exists only inside the kernel
    const jupyter = require("tslab/dist/jupyter");
    if (jupyter.lastWriteDisplayData) {
      const text = [df.columns.join("\t"), ...df.values.map((r) => r.join("\t"))].join("\n");
      jupyter.lastWriteDisplayData(
        { data: { "text/html": html, "text/plain": text }, metadata: {}, transient: {} },
        false,
      );
      return;
    }
  } catch {
    // not in tslab
  }
  process.stdout.write(`${[df.columns.join("\t"), ...df.values.map((r) => r.join("\t"))].join("\n")}\n`);
}
