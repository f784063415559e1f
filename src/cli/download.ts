#!/usr/bin/env node
/**
 * `npm run download-tatoeba [-- --out FILE --url URL]`: fetches the full Tatoeba English-German file
 * from manythings.org (needs the internet) and prints where it is; then train with `--data FILE`.
 */
import * as path from "node:path";
import { downloadTatoeba, TATOEBA_ATTRIBUTION, TATOEBA_URL, DEFAULT_TATOEBA_FILE } from "../data/tatoeba";
import { parseArgs, fail, UsageError, CommandHelp } from "./args";
import { checkWritableFile } from "./files";

export const DOWNLOAD_FLAGS = { out: "string", url: "string" } as const;

/** `--help`: what each flag does and its default. */
export const DOWNLOAD_HELP: CommandHelp<typeof DOWNLOAD_FLAGS> = {
  usage: "npm run download-tatoeba -- [--out FILE] [--url URL]",
  about:
    "Fetches the full Tatoeba English-German file from manythings.org (needs the internet) and prints\n" +
    "where it is as a JSON line; then train with --data FILE.",
  flags: {
    out: {
      value: "FILE",
      text: "where to write the file",
      default: path.relative(process.cwd(), DEFAULT_TATOEBA_FILE),
    },
    url: { value: "URL", text: "the zip archive to fetch (an http:// or https:// address)", default: TATOEBA_URL },
  },
};

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), DOWNLOAD_FLAGS, DOWNLOAD_HELP);
  if (args._.length) throw new UsageError(`unexpected argument ${JSON.stringify(args._[0])}`);
  if (args.url !== undefined && !/^https?:\/\//.test(args.url))
    throw new UsageError(`--url ${args.url}: expected an http:// or https:// address`);
  if (args.out !== undefined) checkWritableFile("--out", args.out);
  process.stderr.write(`${TATOEBA_ATTRIBUTION}\n`);
  const r = await downloadTatoeba({ out: args.out, url: args.url });
  console.log(JSON.stringify(r));
}

// Run as a command; imported (by the tests), it only exports its flags and help.
if (require.main === module) main().catch(fail);
