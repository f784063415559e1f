#!/usr/bin/env node
/**
 * `npm run download-tatoeba [-- --out FILE --url URL]`: fetches the full Tatoeba English-German file
 * from manythings.org (needs the internet) and prints where it is; then train with `--data FILE`.
 */
import { downloadTatoeba, TATOEBA_ATTRIBUTION } from "../data/tatoeba";
import { parseArgs, fail, UsageError } from "./args";
import { checkWritableFile } from "./files";

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { out: "string", url: "string" });
  if (args._.length) throw new UsageError(`unexpected argument ${JSON.stringify(args._[0])}`);
  if (args.url !== undefined && !/^https?:\/\//.test(args.url))
    throw new UsageError(`--url ${args.url}: expected an http:// or https:// address`);
  if (args.out !== undefined) checkWritableFile("--out", args.out);
  process.stderr.write(`${TATOEBA_ATTRIBUTION}\n`);
  const r = await downloadTatoeba({ out: args.out, url: args.url });
  console.log(JSON.stringify(r));
}

main().catch(fail);
