/**
 * Truecasing: the models read and write lower-cased words (as the tutorials do); for display and for
 * cased BLEU, each output word gets the capitalisation it most often has in the training sentences
 * (German nouns are capitalised), and the sentence starts with a capital letter.
 */
import { tokenize } from "./tokenize";

export interface TruecaserJSON {
  format: "attention-workbook/truecaser@1";
  forms: Record<string, string>;
}

export class Truecaser {
  /** Lower-cased word -> its usual form; a Map, so words like "constructor" are plain keys. */
  readonly forms: Map<string, string>;

  constructor(forms: Record<string, string> | Map<string, string> = new Map()) {
    this.forms = forms instanceof Map ? new Map(forms) : new Map(Object.entries(forms));
  }

  /** Learns from cased sentences; a sentence's first word only counts where nothing else is known. */
  static learn(sentences: Iterable<string>): Truecaser {
    const counts = new Map<string, Map<string, number>>();
    const initial = new Map<string, Map<string, number>>();
    for (const s of sentences) {
      tokenize(s, { lowercase: false }).forEach((tok, i) => {
        const table = i === 0 ? initial : counts;
        const key = tok.toLowerCase();
        let m = table.get(key);
        if (!m) table.set(key, (m = new Map()));
        m.set(tok, (m.get(tok) ?? 0) + 1);
      });
    }
    const forms = new Map<string, string>();
    const best = (m: Map<string, number>) =>
      [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1))[0][0];
    for (const [key, m] of counts) {
      const form = best(m);
      if (form !== key) forms.set(key, form);
    }
    return new Truecaser(forms);
  }

  /** Cased tokens: the learned form of each word, and a capital first letter. */
  apply(tokens: string[]): string[] {
    const out = tokens.map((t) => this.forms.get(t) ?? t);
    const first = out.findIndex((t) => /\p{L}/u.test(t));
    if (first >= 0) out[first] = out[first].charAt(0).toUpperCase() + out[first].slice(1);
    return out;
  }

  toJSON(): TruecaserJSON {
    // A null-prototype object: a word "__proto__" is an own key, not the prototype.
    const forms: Record<string, string> = Object.create(null);
    for (const [k, v] of this.forms) forms[k] = v;
    return { format: "attention-workbook/truecaser@1", forms };
  }

  static fromJSON(json: unknown, where = "truecaser"): Truecaser {
    const j = json as Partial<TruecaserJSON>;
    if (!j || j.format !== "attention-workbook/truecaser@1" || typeof j.forms !== "object") {
      throw new Error(`${where}: not a workbook truecaser (expected format "attention-workbook/truecaser@1")`);
    }
    const forms = new Map<string, string>();
    for (const [k, v] of Object.entries(j.forms as Record<string, unknown>)) {
      if (typeof v !== "string")
        throw new Error(`${where}: the form of ${JSON.stringify(k)} is ${JSON.stringify(v)}, not a word`);
      forms.set(k, v);
    }
    return new Truecaser(forms);
  }
}
