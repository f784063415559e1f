#!/usr/bin/env node
/**
 * `npm run download-tatoeba [-- --out FILE --url URL]`: fetches the full Tatoeba English-German file
 * from manythings.org (needs the internet) and prints where it is; then train with `--data FILE`.
 */
import { downloadTatoeba, TATOEBA_ATTRIBUTION } from "../data/tatoeba";
import { parseArgs, fail } from "./args";

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { out: "string", url: "string" });
  process.stderr.write(`${TATOEBA_ATTRIBUTION}\n`);
  const r = await downloadTatoeba({ out: args.out as string | undefined, url: args.url as string | undefined });
  console.log(JSON.stringify(r));
}

main().catch(fail);
