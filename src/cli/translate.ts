#!/usr/bin/env node
/**
 * `npm run translate -- --checkpoint DIR [--beam K] [--json] "she kissed him ."`
 * Prints each translation on a line, then a final JSON line (with --json, only the JSON line, holding
 * the tokens and the attention matrix of every translation).
 */
import { ready } from "../backend";
import { loadCheckpoint, checkCheckpointExists } from "../train/checkpoint";
import { translateAll } from "../decode/translate";
import { parseArgs, fail, UsageError, CommandHelp } from "./args";
import { checkFlags, int, num, FlagRule, LIMITS } from "../util/validate";
import { MAX_LINE_CHARS } from "../data/pairs";

export const TRANSLATE_FLAGS = {
  checkpoint: "string",
  beam: "int",
  json: "bool",
  "max-length": "int",
  "length-penalty": "number",
} as const;

/** The range of every valued flag, checked before the checkpoint is read. */
export const TRANSLATE_RULES: Record<string, FlagRule> = {
  beam: int(1, LIMITS.beam),
  "max-length": int(1, LIMITS.maxLength),
  "length-penalty": num(0, 10),
};

/** `--help`: what each flag does and its default. */
export const TRANSLATE_HELP: CommandHelp<typeof TRANSLATE_FLAGS> = {
  usage: 'npm run translate -- --checkpoint DIR [flags] SENTENCE... (e.g. "She kissed him.")',
  about:
    "Translates each English SENTENCE with the model in DIR: prints each translation on a line, then a\n" +
    "final JSON line (with --json, only the JSON line, with the tokens and the attention of each).",
  rules: TRANSLATE_RULES,
  flags: {
    checkpoint: { value: "DIR", text: "the checkpoint to translate with (saved by npm run train)", required: true },
    beam: { text: "beam width (1 = greedy decoding)", default: 1 },
    json: { text: "print only the JSON line, with tokens and attention matrices", default: false },
    "max-length": { text: "most tokens in a translation", default: "2 x the sentence's tokens + 10" },
    "length-penalty": { text: "beam search's length penalty (0 = none; used with --beam > 1)", default: 0.6 },
  },
};

/** Each sentence must have a word and fit in a line of a pairs file; otherwise one line says which. */
function checkSentences(sentences: string[]): void {
  sentences.forEach((s, i) => {
    if (s.trim() === "") throw new UsageError(`sentence ${i + 1} is empty: give words to translate`);
    if (s.length > MAX_LINE_CHARS)
      throw new UsageError(`sentence ${i + 1} has ${s.length} characters, more than ${MAX_LINE_CHARS}`);
  });
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2), TRANSLATE_FLAGS, TRANSLATE_HELP);
  if (!a.checkpoint) throw new UsageError("--checkpoint DIR is required");
  if (a._.length === 0) throw new UsageError('give a sentence to translate, e.g. "she kissed him ."');
  checkFlags(a, TRANSLATE_RULES);
  checkSentences(a._);
  checkCheckpointExists(a.checkpoint);
  await ready();
  const translationModel = loadCheckpoint(a.checkpoint);
  const translations = translateAll(translationModel, a._, {
    beam: a.beam ?? 1,
    maxLength: a["max-length"],
    lengthPenalty: a["length-penalty"],
  });
  if (!a.json) {
    for (const t of translations) console.log(t.text);
    for (const t of translations)
      if (t.unknown.length)
        process.stderr.write(
          `unknown words in ${JSON.stringify(t.source)}: ${t.unknown.join(", ")} (translated as _UNK)\n`,
        );
  }
  const round = (m: number[][]) => m.map((row) => row.map((x) => Number(x.toFixed(4))));
  console.log(
    JSON.stringify({
      translations: translations.map((t) => ({
        source: t.source,
        translation: t.text,
        ...(a.json
          ? {
              sourceTokens: t.sourceTokens,
              tokens: t.tokens,
              outputLabels: t.outputLabels,
              attention: round(t.attention),
              unknown: t.unknown,
              complete: t.complete,
            }
          : {}),
      })),
    }),
  );
}

// Run as a command; imported (by the tests), it only exports its flags, ranges and help.
if (require.main === module) main().catch(fail);
