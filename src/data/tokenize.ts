/**
 * Word tokens for English and German: punctuation split off, umlauts and ß kept, apostrophes and
 * hyphens inside words kept (`don't`, `geht's`, `E-Mail`).
 */

export interface TokenizeOptions {
  /** Lower-case the text first (the tutorials do). Default true. */
  lowercase?: boolean;
}

// A word: letters/digits, optionally joined by an apostrophe (' or ’) or a hyphen to more letters/digits.
// Anything else that is not a space is a token of its own (punctuation, quotes, symbols).
const TOKEN = /[\p{L}\p{M}\p{N}]+(?:['’-][\p{L}\p{M}\p{N}]+)*|[^\s\p{L}\p{M}\p{N}]/gu;

export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  const t = text.normalize("NFC");
  const s = (options.lowercase ?? true) ? t.toLowerCase() : t;
  return s.match(TOKEN) ?? [];
}

const NO_SPACE_BEFORE = new Set([".", ",", "!", "?", ";", ":", ")", "]", "}", "%", "…", "”", "’"]);
const NO_SPACE_AFTER = new Set(["(", "[", "{", "„", "‚", "¿", "¡", "‘"]);

/** Joins tokens for display: no space before `.,!?` and closing quotes, none after opening ones. */
export function detokenize(tokens: string[]): string {
  let out = "";
  let noSpaceNext = true;
  let straightOpen = false; // inside "…"
  let germanOpen = false; // inside „…“
  for (const tok of tokens) {
    let attachLeft = NO_SPACE_BEFORE.has(tok);
    let attachRight = NO_SPACE_AFTER.has(tok);
    if (tok === '"') {
      if (straightOpen) attachLeft = true;
      else attachRight = true;
      straightOpen = !straightOpen;
    } else if (tok === "„") {
      germanOpen = true;
    } else if (tok === "“") {
      // closes a German „…“, opens an English “…”
      if (germanOpen) {
        attachLeft = true;
        germanOpen = false;
      } else attachRight = true;
    }
    if (out !== "" && !noSpaceNext && !attachLeft) out += " ";
    out += tok;
    noSpaceNext = attachRight;
  }
  return out;
}
