#!/usr/bin/env node
/**
 * `npm run export-web -- --checkpoint DIR --out SITE [--example "She kissed him."]`
 * Writes a static site that translates with the checkpoint in a browser, offline, from file:// or any
 * static host (see ./web/site): index.html, app.js, model.js and workbook-export.json. Prints where the
 * page is and how to open or publish it, then a final JSON line with the files and their sizes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ready } from "../backend";
import { MAX_LINE_CHARS } from "../data/pairs";
import { parseArgs, fail, UsageError, CommandHelp } from "./args";
import { checkSiteOut, DEFAULT_EXAMPLE, describeExport, exportSite } from "./web/site";

export const EXPORT_WEB_FLAGS = { checkpoint: "string", out: "string", example: "string" } as const;

/** `--help`: the site's files and how to open or publish it, then each flag. */
export const EXPORT_WEB_HELP: CommandHelp<typeof EXPORT_WEB_FLAGS> = {
  usage: "npm run export-web -- --checkpoint DIR --out SITE [--example SENTENCE]",
  about:
    "Writes a static web page that translates English to German with the model in DIR, in the browser, offline:\n" +
    "SITE/index.html (a text box, the translation as you type, greedy or beam search, the attention heatmap and\n" +
    "the decoding animation, the model's card), SITE/app.js (the workbook's model and decoding code with\n" +
    "TensorFlow.js and plotly.js), SITE/model.js (weights, vocabularies, truecaser) and SITE/workbook-export.json.\n" +
    "Open SITE/index.html in a browser (from disk it works offline), or publish SITE as it is on any static host.",
  flags: {
    checkpoint: {
      value: "DIR",
      text: "the checkpoint to export (saved by npm run train or notebooks 04 and 05)",
      required: true,
    },
    out: {
      value: "SITE",
      text: "the folder to write: new, empty, or an earlier export (a folder with other files is refused)",
      required: true,
    },
    example: { value: "SENTENCE", text: "the sentence in the box when the page opens", default: DEFAULT_EXAMPLE },
  },
};

/** The flags, each checked (and --out's folder) before the checkpoint is read. */
function readFlags(argv: string[]): { checkpoint: string; out: string; example?: string } {
  const a = parseArgs(argv, EXPORT_WEB_FLAGS, EXPORT_WEB_HELP);
  if (a._.length) throw new UsageError(`unexpected argument ${JSON.stringify(a._[0])}: flags are --checkpoint, --out`);
  if (!a.checkpoint) throw new UsageError("--checkpoint DIR is required (a checkpoint saved by npm run train)");
  if (!a.out) throw new UsageError("--out SITE is required (the folder to write the site to)");
  if (!fs.existsSync(a.checkpoint))
    throw new UsageError(`--checkpoint ${a.checkpoint}: no such directory (was the model saved there?)`);
  if (!fs.existsSync(path.join(a.checkpoint, "LATEST")))
    throw new UsageError(`--checkpoint ${a.checkpoint}: not a checkpoint (no LATEST file in it)`);
  if (a.example !== undefined && (a.example.trim() === "" || a.example.length > MAX_LINE_CHARS))
    throw new UsageError(`--example: give a sentence of 1 to ${MAX_LINE_CHARS} characters`);
  checkSiteOut(a.out);
  return { checkpoint: a.checkpoint, out: a.out, example: a.example };
}

async function main(): Promise<void> {
  const { checkpoint, out, example } = readFlags(process.argv.slice(2));
  const started = Date.now();
  await ready();
  const result = await exportSite(checkpoint, out, example);
  const seconds = (Date.now() - started) / 1000;
  console.log(`${describeExport(result)}\nexported in ${seconds.toFixed(1)} s`);
  console.log(
    JSON.stringify({
      out: path.resolve(out),
      index: path.resolve(out, "index.html"),
      files: result.files,
      totalBytes: result.totalBytes,
      seconds: Number(seconds.toFixed(1)),
    }),
  );
}

if (require.main === module) main().catch(fail);
