/**
 * What the page says about its input before and after translating: an empty box, a sentence longer than
 * `npm run translate` takes, a beam width out of range, words the model does not know. Plain functions
 * (no DOM), so that the tests can check them in Node.
 */
import { MAX_LINE_CHARS } from "../../data/pairs";
import { tokenize, TokenizeOptions } from "../../data/tokenize";
import type { Vocabulary } from "../../data/vocab";
import { describeRule, int, LIMITS, satisfies } from "../../util/validate";

/** A sentence the model can translate (with a note on its unknown words), or why not. */
export type SentenceCheck = { ok: true; note?: string } | { ok: false; message: string };

/** The beam widths the page takes: as `npm run translate -- --beam K`. */
export const BEAM_RULE = int(1, LIMITS.beam);

const quoted = (words: string[]) => words.map((w) => `“${w}”`).join(", ");

/** Checks the text box as `npm run translate` checks its sentences, and names words the model does not know. */
export function checkSentence(text: string, vocab: Vocabulary, options: TokenizeOptions): SentenceCheck {
  if (text.trim() === "") return { ok: false, message: "The box is empty: type an English sentence to translate." };
  if (text.length > MAX_LINE_CHARS)
    return {
      ok: false,
      message: `This text has ${text.length.toLocaleString("en")} characters; a sentence may have at most ${MAX_LINE_CHARS.toLocaleString("en")} (as for npm run translate). Shorten it or split it into sentences.`,
    };
  const tokens = tokenize(text, options);
  const unknown = [...new Set(vocab.unknownWords(tokens))];
  if (unknown.length === 0) return { ok: true };
  if (unknown.length === new Set(tokens).size)
    return {
      ok: true,
      note: `None of these words is in the model's vocabulary (${quoted(unknown)}): each is read as _UNK, so the translation cannot mean much.`,
    };
  const many = unknown.length > 1;
  return {
    ok: true,
    note: `Not in the model's vocabulary: ${quoted(unknown)}. The model reads ${many ? "them" : "it"} as _UNK (as npm run translate does).`,
  };
}

/** The beam width in the box, or why it cannot be used. */
export function checkBeamWidth(raw: string): { ok: true; beam: number } | { ok: false; message: string } {
  const value = raw.trim() === "" ? NaN : Number(raw);
  if (!satisfies(value, BEAM_RULE))
    return { ok: false, message: `Beam width ${JSON.stringify(raw)}: expected ${describeRule(BEAM_RULE)}.` };
  return { ok: true, beam: value };
}
