/**
 * Writes the static site of a checkpoint (`npm run export-web`): index.html (./html), app.js (the bundle,
 * ./bundle), model.js (the model's config, weights, vocabularies, truecaser and card, ./model-data) and
 * workbook-export.json, which marks the folder as an export so that a later export may replace it.
 * A folder that holds anything else is refused, never overwritten.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { loadCheckpoint, checkCheckpointExists, LoadedCheckpoint } from "../../train/checkpoint";
import { checkpointSummary } from "../../train/checkpoint-summary";
import { UsageError } from "../../util/validate";
import { checkWritableDir } from "../files";
import { bundlePage } from "./bundle";
import { modelCard } from "./card";
import { measureTestScores } from "./scores";
import { indexHtml } from "./html";
import { WebModel, WebTensorEntry, WEB_MODEL_FORMAT, WEB_MODEL_GLOBAL } from "./model-data";

export const EXPORT_MANIFEST = "workbook-export.json";
export const EXPORT_FORMAT = "attention-workbook/web-export@1";
/** The sentence in the box when the page opens (notebooks 04 and 05's first sample). */
export const DEFAULT_EXAMPLE = "She kissed him.";

export interface SiteFile {
  name: string;
  bytes: number;
}

export interface ExportResult {
  out: string;
  files: SiteFile[];
  totalBytes: number;
}

/** True when `dir` holds the manifest of an earlier export. */
export function isEarlierExport(dir: string): boolean {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, EXPORT_MANIFEST), "utf8")).format === EXPORT_FORMAT;
  } catch {
    return false;
  }
}

/** Checks `--out` before any work: new, empty, or an earlier export (whose files are replaced); else refused. */
export function checkSiteOut(out: string): void {
  checkWritableDir("--out", out);
  if (!fs.existsSync(out) || isEarlierExport(out)) return;
  const entries = fs.readdirSync(out);
  if (entries.length)
    throw new UsageError(
      `--out ${out} already holds other files (${entries.slice(0, 3).join(", ")}${entries.length > 3 ? ", ..." : ""}) and is not an earlier export: give a new or empty folder`,
    );
}

/** The model's weights packed as little-endian float32, base64-encoded, with their table. */
function packWeights(loaded: LoadedCheckpoint): WebModel["weights"] {
  const entries: WebTensorEntry[] = [];
  const parts: Buffer[] = [];
  let offset = 0;
  for (const [name, variable] of Object.entries(loaded.model.namedVariables())) {
    const values = Float32Array.from(variable.dataSync());
    entries.push({ name, shape: variable.shape, offset, length: values.length });
    parts.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    offset += values.byteLength;
  }
  return { entries, base64: Buffer.concat(parts).toString("base64") };
}

/** What model.js holds for this checkpoint (vocabularies without their counts: the page needs the words). */
export function webModelOf(loaded: LoadedCheckpoint, example = DEFAULT_EXAMPLE): WebModel {
  return {
    format: WEB_MODEL_FORMAT,
    model: loaded.model.config,
    tokenize: loaded.tokenizeOptions,
    sourceVocab: { format: "attention-workbook/vocabulary@1", words: loaded.sourceVocab.words },
    targetVocab: { format: "attention-workbook/vocabulary@1", words: loaded.targetVocab.words },
    truecaser: loaded.truecaser?.toJSON(),
    weights: packWeights(loaded),
    card: modelCard(loaded, checkpointSummary(loaded.dir), measureTestScores(loaded)),
    example,
  };
}

/** JSON with every character past ASCII escaped, so that any host's charset reads it alike. */
const asciiJson = (value: unknown) =>
  JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/** Writes `text` as `dir/name` through a temporary file, so that a reader never sees half a file. */
function writeAtomically(dir: string, name: string, text: string): void {
  const tmp = path.join(dir, `.${name}.tmp-${process.pid}`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, path.join(dir, name));
}

/**
 * Exports the checkpoint at `checkpoint` as a static site in `out` (see the module comment). The marker
 * goes first: a run stopped halfway leaves a folder that the next export may replace.
 */
export async function exportSite(checkpoint: string, out: string, example?: string): Promise<ExportResult> {
  checkCheckpointExists(checkpoint);
  checkSiteOut(out);
  const loaded = loadCheckpoint(checkpoint);
  try {
    const title = path.basename(path.resolve(checkpoint));
    const texts: Record<string, string> = {
      "index.html": indexHtml(title),
      "app.js": await bundlePage(),
      "model.js": `window.${WEB_MODEL_GLOBAL} = ${asciiJson(webModelOf(loaded, example))};\n`,
    };
    const files = Object.entries(texts).map(([name, text]) => ({ name, bytes: Buffer.byteLength(text) }));
    const manifest = { format: EXPORT_FORMAT, checkpoint: title, version: loaded.version, files };
    texts[EXPORT_MANIFEST] = `${JSON.stringify(manifest, null, 1)}\n`;
    files.push({ name: EXPORT_MANIFEST, bytes: Buffer.byteLength(texts[EXPORT_MANIFEST]) });
    fs.mkdirSync(out, { recursive: true });
    for (const name of [EXPORT_MANIFEST, "index.html", "app.js", "model.js"]) writeAtomically(out, name, texts[name]);
    return { out, files, totalBytes: files.reduce((n, f) => n + f.bytes, 0) };
  } finally {
    loaded.model.dispose();
  }
}

/** Bytes in words: "2.7 kB", "6.84 MB". */
export function formatBytes(bytes: number): string {
  return bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(2)} MB`;
}

/** Where the site is, what it weighs, and how to open and publish it (printed by the CLI and notebooks 04, 05). */
export function describeExport(result: ExportResult): string {
  const dir = path.resolve(result.out);
  const sizes = result.files.map((f) => `${f.name} ${formatBytes(f.bytes)}`).join(", ");
  return [
    `wrote the site ${dir} (${formatBytes(result.totalBytes)}): ${sizes}`,
    `open it: ${pathToFileURL(path.join(dir, "index.html")).href} in any browser (it works offline, from disk)`,
    `publish it: copy the folder as it is to any static host (GitHub Pages, Netlify, a web server's folder)`,
  ].join("\n");
}
