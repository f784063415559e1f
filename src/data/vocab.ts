/**
 * A vocabulary: word <-> id, with the four special tokens at fixed ids.
 */
import { LIMITS } from "../util/validate";

export const PAD = "_PAD";
export const SOS = "_SOS";
export const EOS = "_EOS";
export const UNK = "_UNK";
export const PAD_ID = 0;
export const SOS_ID = 1;
export const EOS_ID = 2;
export const UNK_ID = 3;
export const SPECIAL_TOKENS = [PAD, SOS, EOS, UNK] as const;
/** The most words a vocabulary may have (the same bound as a checkpoint's vocabulary sizes). */
export const MAX_VOCABULARY = LIMITS.vocabSize;

export interface VocabularyOptions {
  /** Words seen fewer times are left out (they map to _UNK). Default 1. */
  minFreq?: number;
  /** At most this many ids in all, the four special tokens included; the most frequent words are kept. */
  maxSize?: number;
}

export interface VocabularyJSON {
  format: "attention-workbook/vocabulary@1";
  words: string[];
  counts?: number[];
}

export class Vocabulary {
  readonly words: string[];
  /** How often each word was seen when the vocabulary was built (0 for special tokens). */
  readonly counts: number[];
  private readonly index = new Map<string, number>();

  constructor(words: string[], counts?: number[]) {
    SPECIAL_TOKENS.forEach((tok, i) => {
      if (words[i] !== tok) throw new Error(`Vocabulary: id ${i} must be ${tok}, got ${JSON.stringify(words[i])}`);
    });
    this.words = words.slice();
    this.counts = counts ? counts.slice() : words.map(() => 0);
    words.forEach((w, i) => {
      if (this.index.has(w))
        throw new Error(`Vocabulary: word ${JSON.stringify(w)} appears twice (ids ${this.index.get(w)} and ${i})`);
      this.index.set(w, i);
    });
  }

  /** Builds a vocabulary from tokenized sentences (the training split only). */
  static build(sentences: Iterable<string[]>, options: VocabularyOptions = {}): Vocabulary {
    const minFreq = options.minFreq ?? 1;
    const freq = new Map<string, number>();
    for (const s of sentences) for (const w of s) freq.set(w, (freq.get(w) ?? 0) + 1);
    for (const tok of SPECIAL_TOKENS) freq.delete(tok);
    let entries = [...freq.entries()].filter(([, n]) => n >= minFreq);
    // Most frequent first; ties in code-point order, so the same data always gives the same ids.
    entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    if (options.maxSize !== undefined) {
      if (options.maxSize < SPECIAL_TOKENS.length)
        throw new Error(`Vocabulary.build: maxSize must be at least ${SPECIAL_TOKENS.length}`);
      entries = entries.slice(0, options.maxSize - SPECIAL_TOKENS.length);
    }
    return new Vocabulary([...SPECIAL_TOKENS, ...entries.map(([w]) => w)], [0, 0, 0, 0, ...entries.map(([, n]) => n)]);
  }

  get size(): number {
    return this.words.length;
  }

  has(word: string): boolean {
    return this.index.has(word);
  }

  /** The id of a word; unknown words get _UNK's id. */
  id(word: string): number {
    return this.index.get(word) ?? UNK_ID;
  }

  /** Ids of tokens, optionally framed by _SOS / _EOS. */
  encode(tokens: string[], options: { sos?: boolean; eos?: boolean } = {}): number[] {
    const ids = tokens.map((t) => this.id(t));
    if (options.sos) ids.unshift(SOS_ID);
    if (options.eos) ids.push(EOS_ID);
    return ids;
  }

  /** Words of ids; stops at _EOS and drops _PAD/_SOS unless `keepSpecial`. */
  decode(ids: ArrayLike<number>, options: { keepSpecial?: boolean } = {}): string[] {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.words.length) {
        throw new Error(`Vocabulary.decode: id ${id} at position ${i} is outside 0..${this.words.length - 1}`);
      }
      if (!options.keepSpecial) {
        if (id === EOS_ID) break;
        if (id === PAD_ID || id === SOS_ID) continue;
      }
      out.push(this.words[id]);
    }
    return out;
  }

  /** Tokens of a sentence that are not in the vocabulary. */
  unknownWords(tokens: string[]): string[] {
    return tokens.filter((t) => !this.index.has(t));
  }

  toJSON(): VocabularyJSON {
    return { format: "attention-workbook/vocabulary@1", words: this.words, counts: this.counts };
  }

  static fromJSON(json: unknown, where = "vocabulary"): Vocabulary {
    const j = json as Partial<VocabularyJSON>;
    if (!j || j.format !== "attention-workbook/vocabulary@1" || !Array.isArray(j.words)) {
      throw new Error(
        `${where}: not a workbook vocabulary (expected format "attention-workbook/vocabulary@1" and a words array)`,
      );
    }
    if (j.words.length > MAX_VOCABULARY)
      throw new Error(`${where}: ${j.words.length} words, more than the ${MAX_VOCABULARY} a vocabulary may have`);
    const bad = j.words.findIndex((w) => typeof w !== "string" || w === "");
    if (bad >= 0) throw new Error(`${where}: words[${bad}] is ${JSON.stringify(j.words[bad])}, not a word`);
    if (j.counts !== undefined && (!Array.isArray(j.counts) || j.counts.length !== j.words.length))
      throw new Error(`${where}: counts must be a list as long as words`);
    try {
      return new Vocabulary(j.words, j.counts);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
  }
}
