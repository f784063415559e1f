/**
 * The workbook's built-in corpus: English-German pairs from a small, seeded grammar written for this
 * project, with correct German (genders; nominative and accusative; conjugation) and the word-order
 * changes that make attention interesting:
 * - perfect tense, participle at the end:    "She has kissed him."      / "Sie hat ihn geküsst."
 * - verb-final subordinate clauses:          "I know that he sees her." / "Ich weiß, dass er sie sieht."
 * - separable verbs, particle at the end:    "She calls him."           / "Sie ruft ihn an."
 * - modal verbs, infinitive at the end:      "We want to read a book."  / "Wir wollen ein Buch lesen."
 * - questions with the verb first:           "Does the dog see her?"    / "Sieht der Hund sie?"
 *
 * Every pair comes with its gold word alignment (which English word each German word translates), so
 * attention can be scored against it (`metrics/alignment.ts`). The long corpus adds relative clauses,
 * adverbials, nested `dass` clauses and coordination (sentences of up to 40 tokens).
 *
 * `npm run corpus` regenerates data/default-corpus.tsv and data/long-corpus.tsv (see data/README.md).
 */
import { Random } from "../util/random";
import { tokenize } from "./tokenize";
import { formatAlignment, WordLinks } from "./alignment";

type Gender = "m" | "f" | "n" | "pl";
type Kind = "person" | "animal" | "thing" | "food" | "readable" | "openable";

interface Noun {
  en: string;
  de: string;
  gender: Gender;
  kinds: Kind[];
  /** Accusative noun form where it differs (weak nouns: "den Jungen"). */
  deAcc?: string;
  /** Uncountable in English ("the bread", never "a bread"): always the definite article. */
  mass?: boolean;
}

/** Conjugation slots: ich, du, er/sie/es (and singular nouns), wir, sie (plural, and plural nouns). */
type Forms = [string, string, string, string, string];

interface Verb {
  en: { base: string; s: string; past: string; participle: string; particle?: string };
  de: { present: Forms; past: Forms; participle: string; infinitive: string; particle?: string };
  objects: Kind[];
}

export const NOUNS: Noun[] = [
  { en: "man", de: "Mann", gender: "m", kinds: ["person"] },
  { en: "woman", de: "Frau", gender: "f", kinds: ["person"] },
  { en: "child", de: "Kind", gender: "n", kinds: ["person"] },
  { en: "teacher", de: "Lehrer", gender: "m", kinds: ["person"] },
  { en: "father", de: "Vater", gender: "m", kinds: ["person"] },
  { en: "mother", de: "Mutter", gender: "f", kinds: ["person"] },
  { en: "girl", de: "Mädchen", gender: "n", kinds: ["person"] },
  { en: "boy", de: "Junge", gender: "m", kinds: ["person"], deAcc: "Jungen" },
  { en: "children", de: "Kinder", gender: "pl", kinds: ["person"] },
  { en: "dog", de: "Hund", gender: "m", kinds: ["animal"] },
  { en: "cat", de: "Katze", gender: "f", kinds: ["animal"] },
  { en: "horse", de: "Pferd", gender: "n", kinds: ["animal"] },
  { en: "bird", de: "Vogel", gender: "m", kinds: ["animal"] },
  { en: "book", de: "Buch", gender: "n", kinds: ["readable", "thing"] },
  { en: "letter", de: "Brief", gender: "m", kinds: ["readable", "openable", "thing"] },
  { en: "newspaper", de: "Zeitung", gender: "f", kinds: ["readable", "thing"] },
  { en: "door", de: "Tür", gender: "f", kinds: ["openable"] },
  { en: "window", de: "Fenster", gender: "n", kinds: ["openable"] },
  { en: "car", de: "Auto", gender: "n", kinds: ["thing"] },
  { en: "key", de: "Schlüssel", gender: "m", kinds: ["thing"] },
  { en: "apple", de: "Apfel", gender: "m", kinds: ["food"] },
  { en: "cake", de: "Kuchen", gender: "m", kinds: ["food"] },
  { en: "soup", de: "Suppe", gender: "f", kinds: ["food"], mass: true },
  { en: "bread", de: "Brot", gender: "n", kinds: ["food"], mass: true },
];

export const VERBS: Verb[] = [
  {
    en: { base: "see", s: "sees", past: "saw", participle: "seen" },
    de: {
      present: ["sehe", "siehst", "sieht", "sehen", "sehen"],
      past: ["sah", "sahst", "sah", "sahen", "sahen"],
      participle: "gesehen",
      infinitive: "sehen",
    },
    objects: ["person", "animal", "thing", "food", "readable", "openable"],
  },
  {
    en: { base: "kiss", s: "kisses", past: "kissed", participle: "kissed" },
    de: {
      present: ["küsse", "küsst", "küsst", "küssen", "küssen"],
      past: ["küsste", "küsstest", "küsste", "küssten", "küssten"],
      participle: "geküsst",
      infinitive: "küssen",
    },
    objects: ["person"],
  },
  {
    en: { base: "love", s: "loves", past: "loved", participle: "loved" },
    de: {
      present: ["liebe", "liebst", "liebt", "lieben", "lieben"],
      past: ["liebte", "liebtest", "liebte", "liebten", "liebten"],
      participle: "geliebt",
      infinitive: "lieben",
    },
    objects: ["person", "animal"],
  },
  {
    en: { base: "find", s: "finds", past: "found", participle: "found" },
    de: {
      present: ["finde", "findest", "findet", "finden", "finden"],
      past: ["fand", "fandest", "fand", "fanden", "fanden"],
      participle: "gefunden",
      infinitive: "finden",
    },
    objects: ["person", "animal", "thing", "readable"],
  },
  {
    en: { base: "hear", s: "hears", past: "heard", participle: "heard" },
    de: {
      present: ["höre", "hörst", "hört", "hören", "hören"],
      past: ["hörte", "hörtest", "hörte", "hörten", "hörten"],
      participle: "gehört",
      infinitive: "hören",
    },
    objects: ["person", "animal"],
  },
  {
    en: { base: "visit", s: "visits", past: "visited", participle: "visited" },
    de: {
      present: ["besuche", "besuchst", "besucht", "besuchen", "besuchen"],
      past: ["besuchte", "besuchtest", "besuchte", "besuchten", "besuchten"],
      participle: "besucht",
      infinitive: "besuchen",
    },
    objects: ["person"],
  },
  {
    en: { base: "read", s: "reads", past: "read", participle: "read" },
    de: {
      present: ["lese", "liest", "liest", "lesen", "lesen"],
      past: ["las", "last", "las", "lasen", "lasen"],
      participle: "gelesen",
      infinitive: "lesen",
    },
    objects: ["readable"],
  },
  {
    en: { base: "buy", s: "buys", past: "bought", participle: "bought" },
    de: {
      present: ["kaufe", "kaufst", "kauft", "kaufen", "kaufen"],
      past: ["kaufte", "kauftest", "kaufte", "kauften", "kauften"],
      participle: "gekauft",
      infinitive: "kaufen",
    },
    objects: ["thing", "food", "readable", "animal"],
  },
  {
    en: { base: "eat", s: "eats", past: "ate", participle: "eaten" },
    de: {
      present: ["esse", "isst", "isst", "essen", "essen"],
      past: ["aß", "aßest", "aß", "aßen", "aßen"],
      participle: "gegessen",
      infinitive: "essen",
    },
    objects: ["food"],
  },
  {
    en: { base: "call", s: "calls", past: "called", participle: "called" },
    de: {
      present: ["rufe", "rufst", "ruft", "rufen", "rufen"],
      past: ["rief", "riefst", "rief", "riefen", "riefen"],
      participle: "angerufen",
      infinitive: "anrufen",
      particle: "an",
    },
    objects: ["person"],
  },
  {
    en: { base: "open", s: "opens", past: "opened", participle: "opened" },
    de: {
      present: ["mache", "machst", "macht", "machen", "machen"],
      past: ["machte", "machtest", "machte", "machten", "machten"],
      participle: "aufgemacht",
      infinitive: "aufmachen",
      particle: "auf",
    },
    objects: ["openable"],
  },
  {
    en: { base: "invite", s: "invites", past: "invited", participle: "invited" },
    de: {
      present: ["lade", "lädst", "lädt", "laden", "laden"],
      past: ["lud", "ludst", "lud", "luden", "luden"],
      participle: "eingeladen",
      infinitive: "einladen",
      particle: "ein",
    },
    objects: ["person"],
  },
  {
    en: { base: "pick", s: "picks", past: "picked", participle: "picked", particle: "up" },
    de: {
      present: ["hole", "holst", "holt", "holen", "holen"],
      past: ["holte", "holtest", "holte", "holten", "holten"],
      participle: "abgeholt",
      infinitive: "abholen",
      particle: "ab",
    },
    objects: ["person", "animal"],
  },
];

const HABEN: Forms = ["habe", "hast", "hat", "haben", "haben"];
const WOLLEN: Forms = ["will", "willst", "will", "wollen", "wollen"];

interface Pronoun {
  en: string;
  enObj: string;
  de: string;
  deAcc: string;
  slot: number;
}
export const PRONOUNS: Record<string, Pronoun> = {
  i: { en: "I", enObj: "me", de: "ich", deAcc: "mich", slot: 0 },
  you: { en: "you", enObj: "you", de: "du", deAcc: "dich", slot: 1 },
  he: { en: "he", enObj: "him", de: "er", deAcc: "ihn", slot: 2 },
  she: { en: "she", enObj: "her", de: "sie", deAcc: "sie", slot: 2 },
  we: { en: "we", enObj: "us", de: "wir", deAcc: "uns", slot: 3 },
  they: { en: "they", enObj: "them", de: "sie", deAcc: "sie", slot: 4 },
};

/**
 * Small fixed phrases with their word links: `en` and `de` are words, `links` pairs of (English word,
 * German word) indices that translate each other.
 */
interface FixedPhrase {
  en: string[];
  de: string[];
  links: Array<[number, number]>;
}

/** The main clauses that introduce a `dass` clause (German in lower case: they also nest). */
export const MATRIX_CLAUSES: FixedPhrase[] = [
  {
    en: ["I", "know", "that"],
    de: ["ich", "weiß", ",", "dass"],
    links: [
      [0, 0],
      [1, 1],
      [2, 3],
    ],
  },
  {
    en: ["he", "says", "that"],
    de: ["er", "sagt", ",", "dass"],
    links: [
      [0, 0],
      [1, 1],
      [2, 3],
    ],
  },
  {
    en: ["we", "think", "that"],
    de: ["wir", "glauben", ",", "dass"],
    links: [
      [0, 0],
      [1, 1],
      [2, 3],
    ],
  },
  {
    en: ["she", "hopes", "that"],
    de: ["sie", "hofft", ",", "dass"],
    links: [
      [0, 0],
      [1, 1],
      [2, 3],
    ],
  },
];

/** Adverbials of time (English and German put them in different places; see `adverbials`). */
export const TIMES: Array<FixedPhrase & { tenses: Array<"present" | "past" | "perfect"> }> = [
  // English allows no "yesterday" with the perfect ("she has seen him yesterday"); German would.
  { en: ["yesterday"], de: ["gestern"], links: [[0, 0]], tenses: ["past"] },
  { en: ["today"], de: ["heute"], links: [[0, 0]], tenses: ["present", "past", "perfect"] },
  {
    en: ["every", "day"],
    de: ["jeden", "Tag"],
    links: [
      [0, 0],
      [1, 1],
    ],
    tenses: ["present"],
  },
];

/** Adverbials of place. */
export const PLACES: FixedPhrase[] = [
  {
    en: ["in", "the", "garden"],
    de: ["im", "Garten"],
    links: [
      [0, 0],
      [1, 0],
      [2, 1],
    ],
  },
  {
    en: ["at", "home"],
    de: ["zu", "Hause"],
    links: [
      [0, 0],
      [1, 1],
    ],
  },
  {
    en: ["in", "the", "city"],
    de: ["in", "der", "Stadt"],
    links: [
      [0, 0],
      [1, 1],
      [2, 2],
    ],
  },
  {
    en: ["at", "school"],
    de: ["in", "der", "Schule"],
    links: [
      [0, 0],
      [0, 1],
      [1, 2],
    ],
  },
];

export type Ref = { pronoun: keyof typeof PRONOUNS } | { noun: string; det: "the" | "a" };

export type Pattern =
  | "present"
  | "past"
  | "perfect"
  | "modal"
  | "subordinate"
  | "subordinate-perfect"
  | "question"
  | "question-perfect"
  | "what-question";

/** A relative clause on a noun subject: "the man who has seen the dog" / "der Mann, der den Hund gesehen hat,". */
export interface RelativeSpec {
  verb: string;
  object: Ref;
  tense: "present" | "past" | "perfect";
}

export interface SentenceSpec {
  pattern: Pattern;
  subject: Ref;
  /** The English base form of the verb ("see", "call", "pick" for "pick up"). */
  verb: string;
  /** Absent only for "what-question" (the object is "what"). */
  object?: Ref;
  /** Index into MATRIX_CLAUSES, for the subordinate patterns. */
  matrix?: number;
  /** More matrix clauses nested after the first ("I know that he says that ..."), for the subordinate patterns. */
  nested?: number[];
  /** Index into TIMES. */
  time?: number;
  /** Index into PLACES. */
  place?: number;
  /** A relative clause on the subject (a noun subject only). */
  relative?: RelativeSpec;
}

/**
 * The word-order constructions a pair shows (the alignment metric is reported per construction):
 * - `participle-final`: a perfect tense, the participle at the end of its German clause;
 * - `separable-particle`: a separable verb in a main clause or question, its particle at the end;
 * - `verb-final-dass`: a `dass` clause, its verb at the end;
 * - `question-inversion`: a question, the German verb first;
 * - `modal-infinitive`: "want to", the German infinitive at the end;
 * - `relative-clause`: a relative clause on the subject, its verb at the end;
 * - `adverbials`: time and place, in German before the verb's final part;
 * - `coordination`: two clauses joined by "and" / "und";
 * - `same-order`: none of these (the German words follow the English order).
 */
export type Construction =
  | "participle-final"
  | "separable-particle"
  | "verb-final-dass"
  | "question-inversion"
  | "modal-infinitive"
  | "relative-clause"
  | "adverbials"
  | "coordination"
  | "same-order";
export const CONSTRUCTIONS: Construction[] = [
  "participle-final",
  "separable-particle",
  "verb-final-dass",
  "question-inversion",
  "modal-infinitive",
  "relative-clause",
  "adverbials",
  "coordination",
  "same-order",
];

/** A rendered pair with its gold word alignment and the constructions it shows. */
export interface AlignedPair {
  english: string;
  german: string;
  alignment: WordLinks;
  constructions: Construction[];
}

function noun(name: string): Noun {
  const n = NOUNS.find((x) => x.en === name);
  if (!n) throw new Error(`corpus: unknown noun "${name}"`);
  return n;
}

function verb(name: string): Verb {
  const v = VERBS.find((x) => x.en.base === name);
  if (!v) throw new Error(`corpus: unknown verb "${name}"`);
  return v;
}

const DEF = { nom: { m: "der", f: "die", n: "das", pl: "die" }, acc: { m: "den", f: "die", n: "das", pl: "die" } };
const INDEF = { nom: { m: "ein", f: "eine", n: "ein", pl: "" }, acc: { m: "einen", f: "eine", n: "ein", pl: "" } };

/** One word; the English and German words with the same `link` translate each other. */
interface Word {
  text: string;
  link?: number;
}
/** The two sides of a phrase, word by word. */
interface Phrase {
  en: Word[];
  de: Word[];
}

/** Hands out link numbers within one sentence. */
class Links {
  private n = 0;
  next(): number {
    return this.n++;
  }
}

function cat(...phrases: Phrase[]): Phrase {
  return { en: phrases.flatMap((p) => p.en), de: phrases.flatMap((p) => p.de) };
}

/** A fixed phrase's words, linked as its table says. */
function fixed(p: FixedPhrase, links: Links): Phrase {
  const en: Word[] = p.en.map((text) => ({ text }));
  const de: Word[] = p.de.map((text) => ({ text }));
  // Words linked to one another share a link (a German word linked to two English words joins them).
  for (const [i, j] of p.links) {
    const link = en[i].link ?? de[j].link ?? links.next();
    en[i].link = de[j].link = link;
  }
  return { en, de };
}

function slotOf(ref: Ref): number {
  if ("pronoun" in ref) return PRONOUNS[ref.pronoun].slot;
  return noun(ref.noun).gender === "pl" ? 4 : 2;
}

/** A subject or object: "the dog" / "den Hund", "him" / "ihn". */
function nounPhrase(ref: Ref, kase: "nom" | "acc", links: Links): Phrase {
  if ("pronoun" in ref) {
    const p = PRONOUNS[ref.pronoun],
      link = links.next();
    return {
      en: [{ text: kase === "nom" ? p.en : p.enObj, link }],
      de: [{ text: kase === "nom" ? p.de : p.deAcc, link }],
    };
  }
  const n = noun(ref.noun);
  const definite = ref.det === "the" || n.gender === "pl" || n.mass;
  const enDet = definite ? "the" : /^[aeiou]/.test(n.en) ? "an" : "a";
  const deDet = (definite ? DEF : INDEF)[kase][n.gender];
  const det = links.next(),
    head = links.next();
  return {
    en: [
      { text: enDet, link: det },
      { text: n.en, link: head },
    ],
    de: [
      ...(deDet ? [{ text: deDet, link: det }] : []),
      { text: kase === "acc" && n.deAcc ? n.deAcc : n.de, link: head },
    ],
  };
}

/** English verb words with the object, the particle placed as English wants it ("picks him up", "picks up the dog"). */
function englishVerbObject(
  form: Word[],
  v: Verb,
  object: Ref | undefined,
  objectWords: Word[],
  verbLink: number,
): Word[] {
  if (!v.en.particle) return [...form, ...objectWords];
  const particle = { text: v.en.particle, link: verbLink };
  if (!object) return [...form, particle];
  return "pronoun" in object ? [...form, ...objectWords, particle] : [...form, particle, ...objectWords];
}

/** English: place then time ("in the garden yesterday"); German: time then place ("gestern im Garten"). */
function adverbials(spec: Pick<SentenceSpec, "time" | "place">, links: Links): Phrase {
  const time = spec.time === undefined ? { en: [], de: [] } : fixed(TIMES[spec.time], links);
  const place = spec.place === undefined ? { en: [], de: [] } : fixed(PLACES[spec.place], links);
  return { en: [...place.en, ...time.en], de: [...time.de, ...place.de] };
}

/** "who has seen the dog" / ", der den Hund gesehen hat ,": the German verb goes to the end. */
function relativeClause(antecedent: Noun, rel: RelativeSpec, links: Links): Phrase {
  const v = verb(rel.verb);
  const slot = antecedent.gender === "pl" ? 4 : 2;
  const pronoun = links.next(),
    V = links.next();
  const object = nounPhrase(rel.object, "acc", links);
  const p = v.de.particle ?? "";
  let enVerb: Word[], deVerb: Word[];
  if (rel.tense === "perfect") {
    const aux = links.next();
    enVerb = [
      { text: slot === 2 ? "has" : "have", link: aux },
      { text: v.en.participle, link: V },
    ];
    deVerb = [
      { text: v.de.participle, link: V },
      { text: HABEN[slot], link: aux },
    ];
  } else {
    const form = rel.tense === "past" ? v.en.past : slot === 2 ? v.en.s : v.en.base;
    enVerb = [{ text: form, link: V }];
    deVerb = [{ text: p + (rel.tense === "past" ? v.de.past : v.de.present)[slot], link: V }];
  }
  const who = antecedent.kinds.includes("person") ? "who" : "that";
  return {
    en: [{ text: who, link: pronoun }, ...englishVerbObject(enVerb, v, rel.object, object.en, V)],
    de: [{ text: "," }, { text: DEF.nom[antecedent.gender], link: pronoun }, ...object.de, ...deVerb, { text: "," }],
  };
}

/** The subject, with its relative clause if it has one. */
function subjectPhrase(spec: SentenceSpec, links: Links): Phrase {
  const subject = nounPhrase(spec.subject, "nom", links);
  if (!spec.relative) return subject;
  if (!("noun" in spec.subject)) throw new Error("corpus: a relative clause needs a noun subject");
  return cat(subject, relativeClause(noun(spec.subject.noun), spec.relative, links));
}

/** What every clause pattern is built from: the verb, the subject's person, and the phrases made so far. */
interface ClauseParts {
  v: Verb;
  slot: number;
  third: boolean;
  S: Phrase;
  O: Phrase;
  A: Phrase;
  /** The main verb's link. */
  V: number;
  /** A separable particle, last in a German main clause. */
  p: Word[];
  verbObject: (form: Word[]) => Word[];
  word: (text: string, link?: number) => Word;
}

/** The subject, object and adverbial phrases and the verb's link, in the order the links are numbered. */
function clauseParts(spec: SentenceSpec, links: Links): ClauseParts {
  const v = verb(spec.verb);
  const slot = slotOf(spec.subject);
  const S = subjectPhrase(spec, links);
  const O = spec.object ? nounPhrase(spec.object, "acc", links) : { en: [], de: [] };
  const A = adverbials(spec, links);
  const V = links.next();
  const p: Word[] = v.de.particle ? [{ text: v.de.particle, link: V }] : [];
  const verbObject = (form: Word[]) => englishVerbObject(form, v, spec.object, O.en, V);
  const word = (text: string, link = V): Word => ({ text, link });
  return { v, slot, third: slot === 2, S, O, A, V, p, verbObject, word };
}

/** One clause, without its final punctuation. */
function clause(spec: SentenceSpec, links: Links): Phrase {
  if (spec.pattern !== "what-question" && !spec.object)
    throw new Error(`corpus: pattern ${spec.pattern} needs an object`);
  const parts = clauseParts(spec, links);
  switch (spec.pattern) {
    case "present":
    case "past":
    case "perfect":
    case "modal":
      return statement(spec.pattern, parts, links);
    case "subordinate":
    case "subordinate-perfect":
      return subordinateClause(spec, parts, links);
    case "question":
    case "question-perfect":
    case "what-question":
      return question(spec.pattern, parts, links);
    default:
      throw new Error(`corpus: unknown pattern ${spec.pattern as string}`);
  }
}

/** A main clause: verb second in German; a compound tense puts the participle or infinitive last. */
function statement(pattern: "present" | "past" | "perfect" | "modal", c: ClauseParts, links: Links): Phrase {
  const { v, slot, third, S, O, A, p, verbObject, word } = c;
  if (pattern === "present" || pattern === "past") {
    const forms =
      pattern === "present"
        ? { en: third ? v.en.s : v.en.base, de: v.de.present[slot] }
        : { en: v.en.past, de: v.de.past[slot] };
    return {
      en: [...S.en, ...verbObject([word(forms.en)]), ...A.en],
      de: [...S.de, word(forms.de), ...O.de, ...A.de, ...p],
    };
  }
  if (pattern === "perfect") {
    const aux = links.next();
    return {
      en: [...S.en, word(third ? "has" : "have", aux), ...verbObject([word(v.en.participle)]), ...A.en],
      de: [...S.de, word(HABEN[slot], aux), ...O.de, ...A.de, word(v.de.participle)],
    };
  }
  const modal = links.next();
  return {
    en: [...S.en, word(third ? "wants" : "want", modal), word("to"), ...verbObject([word(v.en.base)]), ...A.en],
    de: [...S.de, word(WOLLEN[slot], modal), ...O.de, ...A.de, word(v.de.infinitive)],
  };
}

/** A `dass` clause (after its matrix clauses): the finite verb last in German. */
function subordinateClause(spec: SentenceSpec, c: ClauseParts, links: Links): Phrase {
  const { v, slot, third, S, O, A, verbObject, word } = c;
  const matrices = [spec.matrix ?? 0, ...(spec.nested ?? [])].map((m) => {
    if (!MATRIX_CLAUSES[m]) throw new Error(`corpus: no matrix clause ${m}`);
    return fixed(MATRIX_CLAUSES[m], links);
  });
  if (spec.pattern === "subordinate") {
    // Verb-final: the separable particle joins the finite verb again ("dass sie ihn anruft").
    return cat(...matrices, {
      en: [...S.en, ...verbObject([word(third ? v.en.s : v.en.base)]), ...A.en],
      de: [...S.de, ...O.de, ...A.de, word((v.de.particle ?? "") + v.de.present[slot])],
    });
  }
  const aux = links.next();
  return cat(...matrices, {
    en: [...S.en, word(third ? "has" : "have", aux), ...verbObject([word(v.en.participle)]), ...A.en],
    de: [...S.de, ...O.de, ...A.de, word(v.de.participle), word(HABEN[slot], aux)],
  });
}

/** A question: German puts the finite verb first ("sieht der Hund sie?"), or after "was". */
function question(pattern: "question" | "question-perfect" | "what-question", c: ClauseParts, links: Links): Phrase {
  const { v, slot, third, S, O, A, V, p, verbObject, word } = c;
  if (pattern === "question") {
    // "does" and "see" together are "sieht".
    return {
      en: [word(third ? "does" : "do"), ...S.en, ...verbObject([word(v.en.base)]), ...A.en],
      de: [word(v.de.present[slot]), ...S.de, ...O.de, ...A.de, ...p],
    };
  }
  if (pattern === "question-perfect") {
    const aux = links.next();
    return {
      en: [word(third ? "has" : "have", aux), ...S.en, ...verbObject([word(v.en.participle)]), ...A.en],
      de: [word(HABEN[slot], aux), ...S.de, ...O.de, ...A.de, word(v.de.participle)],
    };
  }
  const what = links.next();
  return {
    en: [
      word("what", what),
      word(third ? "does" : "do"),
      ...S.en,
      ...englishVerbObject([word(v.en.base)], v, undefined, [], V),
      ...A.en,
    ],
    de: [word("was", what), word(v.de.present[slot]), ...S.de, ...A.de, ...p],
  };
}

/** The constructions a clause shows (see `Construction`). */
function clauseConstructions(spec: SentenceSpec): Construction[] {
  const out: Construction[] = [];
  if (spec.pattern.endsWith("perfect") || spec.relative?.tense === "perfect") out.push("participle-final");
  if (verb(spec.verb).de.particle && ["present", "past", "question", "what-question"].includes(spec.pattern))
    out.push("separable-particle");
  if (spec.pattern.startsWith("subordinate")) out.push("verb-final-dass");
  if (spec.pattern.includes("question")) out.push("question-inversion");
  if (spec.pattern === "modal") out.push("modal-infinitive");
  if (spec.relative) out.push("relative-clause");
  if (spec.time !== undefined || spec.place !== undefined) out.push("adverbials");
  return out;
}

/** Words as text: spaces between words, none before punctuation; the first letter capitalised. */
function sentenceText(words: Word[]): string {
  const text = words.reduce((s, w) => (s === "" ? w.text : /^[.,?]$/.test(w.text) ? s + w.text : `${s} ${w.text}`), "");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Every (English, German) pair of word positions that share a link, sorted. */
function wordLinks(p: Phrase): WordLinks {
  const out: WordLinks = [];
  p.en.forEach((e, i) =>
    p.de.forEach((d, j) => {
      if (e.link !== undefined && e.link === d.link) out.push([i, j]);
    }),
  );
  return out;
}

/**
 * Renders one pair, with its gold word alignment, from a specification; several clauses are joined by
 * "and" / "und". The alignment links token positions as `tokenize` splits the two sentences (checked
 * here: a word that does not tokenize to itself is an error).
 */
export function renderAligned(spec: SentenceSpec | SentenceSpec[]): AlignedPair {
  const clauses = Array.isArray(spec) ? spec : [spec];
  if (clauses.length === 0) throw new Error("corpus: no clause to render");
  const links = new Links();
  const parts: Phrase[] = [];
  clauses.forEach((c, k) => {
    if (k > 0) {
      if (clauses[k - 1].pattern.includes("question") || clauses[k - 1].pattern.startsWith("subordinate")) {
        throw new Error(
          `corpus: only a statement without a dass clause can be followed by "and" (clause ${k} is ${clauses[k - 1].pattern})`,
        );
      }
      const and = links.next();
      parts.push({ en: [{ text: "and", link: and }], de: [{ text: "und", link: and }] });
    }
    parts.push(clause(c, links));
  });
  const mark = clauses[clauses.length - 1].pattern.includes("question") ? "?" : ".";
  const punctuation = links.next();
  const body = cat(...parts);
  // A relative clause that ends the sentence ("Was liest der Junge, der uns abholte?") needs no closing comma.
  if (body.de[body.de.length - 1]?.text === ",") body.de.pop();
  const all = cat(body, { en: [{ text: mark, link: punctuation }], de: [{ text: mark, link: punctuation }] });
  const pair = { english: sentenceText(all.en), german: sentenceText(all.de) };
  for (const [side, words] of [
    ["english", all.en],
    ["german", all.de],
  ] as const) {
    const tokens = tokenize(pair[side]);
    const expected = words.map((w) => w.text.toLowerCase());
    if (tokens.join(" ") !== expected.join(" "))
      throw new Error(
        `corpus: ${JSON.stringify(pair[side])} tokenizes to ${tokens.join(" ")}, not ${expected.join(" ")}`,
      );
  }
  const constructions = [
    ...new Set([...clauses.flatMap(clauseConstructions), ...(clauses.length > 1 ? ["coordination" as const] : [])]),
  ];
  return { ...pair, alignment: wordLinks(all), constructions: constructions.length ? constructions : ["same-order"] };
}

/** Renders one pair from an explicit specification (what the tests and the generator use). */
export function renderSentence(spec: SentenceSpec | SentenceSpec[]): { english: string; german: string } {
  const { english, german } = renderAligned(spec);
  return { english, german };
}

const PATTERN_WEIGHTS: Array<[Pattern, number]> = [
  ["present", 3],
  ["past", 2],
  ["perfect", 3],
  ["modal", 1],
  ["subordinate", 2],
  ["subordinate-perfect", 1],
  ["question", 2],
  ["question-perfect", 1],
  ["what-question", 1],
];

function pickPattern(rng: Random): Pattern {
  const total = PATTERN_WEIGHTS.reduce((a, [, w]) => a + w, 0);
  let x = rng.next() * total;
  for (const [p, w] of PATTERN_WEIGHTS) if ((x -= w) < 0) return p;
  return "present";
}

function reflexive(subject: string, object: string): boolean {
  const speaker = ["i", "we"];
  if (speaker.includes(subject) && speaker.includes(object)) return true;
  return subject === "you" && object === "you";
}

/** Verbs an animal can be the subject of. */
const ANIMAL_VERBS = ["see", "find", "hear", "love", "eat"];

/** A sensible object for a verb (not the subject itself, not reflexive), or undefined to try again. */
function randomObject(rng: Random, v: Verb, subject: Ref): Ref | undefined {
  if (v.objects.includes("person") && rng.next() < 0.4) {
    const object = { pronoun: rng.pick(Object.keys(PRONOUNS)) as keyof typeof PRONOUNS };
    // no reflexive readings: "I see me", "I hear us", "you visit you"
    return "pronoun" in subject && reflexive(subject.pronoun, object.pronoun) ? undefined : object;
  }
  const candidates = NOUNS.filter((n) => n.kinds.some((k) => v.objects.includes(k)));
  const object: Ref = { noun: rng.pick(candidates).en, det: rng.next() < 0.6 ? "the" : "a" };
  return "noun" in subject && subject.noun === object.noun ? undefined : object;
}

/** A random, grammatical and sensible specification. */
export function randomSpec(rng: Random): SentenceSpec {
  for (;;) {
    const pattern = pickPattern(rng);
    const v = rng.pick(VERBS);
    const subject: Ref =
      rng.next() < 0.5
        ? { pronoun: rng.pick(Object.keys(PRONOUNS)) as keyof typeof PRONOUNS }
        : {
            noun: rng.pick(NOUNS.filter((n) => n.kinds.includes("person") || n.kinds.includes("animal"))).en,
            det: rng.next() < 0.7 ? "the" : "a",
          };
    if ("noun" in subject && noun(subject.noun).kinds.includes("animal") && !ANIMAL_VERBS.includes(v.en.base)) continue;
    if (pattern === "what-question") {
      if (!v.objects.some((k) => ["thing", "food", "readable", "openable"].includes(k))) continue;
      return { pattern, subject, verb: v.en.base };
    }
    const object = randomObject(rng, v, subject);
    if (!object) continue;
    const spec: SentenceSpec = { pattern, subject, verb: v.en.base, object };
    if (pattern.startsWith("subordinate")) spec.matrix = rng.int(MATRIX_CLAUSES.length);
    return spec;
  }
}

/** A relative clause for a noun subject, or undefined when none fits this time. */
function randomRelative(rng: Random, antecedent: Noun, subjectNoun: string): RelativeSpec | undefined {
  const v = rng.pick(VERBS);
  if (antecedent.kinds.includes("animal") && !ANIMAL_VERBS.includes(v.en.base)) return undefined;
  const object = randomObject(rng, v, { noun: subjectNoun, det: "the" });
  if (!object) return undefined;
  return { verb: v.en.base, object, tense: rng.pick(["present", "past", "perfect"] as const) };
}

/**
 * `spec` with adverbials, a relative clause on the subject and a nested matrix clause, each with
 * probability `p`.
 */
function elaborate(rng: Random, spec: SentenceSpec, p: number): SentenceSpec {
  const out = { ...spec };
  const tense = spec.pattern === "past" ? "past" : spec.pattern.endsWith("perfect") ? "perfect" : "present";
  if (rng.next() < p) {
    const times = TIMES.map((t, i) => ({ t, i })).filter(({ t }) => t.tenses.includes(tense));
    out.time = rng.pick(times).i;
  }
  if (rng.next() < p) out.place = rng.int(PLACES.length);
  if ("noun" in spec.subject && rng.next() < p)
    out.relative = randomRelative(rng, noun(spec.subject.noun), spec.subject.noun);
  if (out.relative === undefined) delete out.relative;
  if (spec.pattern.startsWith("subordinate") && rng.next() < p) {
    // "I know that he says that ...", never "I know that I know that".
    out.nested = [rng.pick(MATRIX_CLAUSES.map((_, i) => i).filter((i) => i !== spec.matrix))];
  }
  return out;
}

/**
 * A random specification of one or two elaborated clauses (a long-corpus sentence). `level` in [0, 1]
 * raises the chance of each elaboration and of a second clause: longer sentences.
 */
export function randomLongSpec(rng: Random, level = 0.5): SentenceSpec[] {
  const p = 0.1 + 0.8 * level;
  const first = elaborate(rng, randomSpec(rng), p);
  if (rng.next() >= level || first.pattern.includes("question") || first.pattern.startsWith("subordinate"))
    return [first];
  let second: SentenceSpec;
  do second = randomSpec(rng);
  while (second.pattern.includes("question"));
  return [first, elaborate(rng, second, p)];
}

/** Sentences the notebooks show (the tutorials' "she kissed him"); they open the corpus. */
export const SHOWCASE: SentenceSpec[] = [
  { pattern: "past", subject: { pronoun: "she" }, verb: "kiss", object: { pronoun: "he" } },
  { pattern: "perfect", subject: { pronoun: "she" }, verb: "kiss", object: { pronoun: "he" } },
  { pattern: "present", subject: { pronoun: "she" }, verb: "call", object: { pronoun: "he" } },
  { pattern: "subordinate", subject: { pronoun: "he" }, verb: "see", object: { pronoun: "she" }, matrix: 0 },
  { pattern: "question", subject: { noun: "dog", det: "the" }, verb: "see", object: { pronoun: "she" } },
  { pattern: "modal", subject: { pronoun: "we" }, verb: "read", object: { noun: "book", det: "a" } },
];

export interface GeneratedPair extends AlignedPair {
  /** The first clause's pattern. */
  pattern: Pattern;
}

/** `count` distinct pairs from the grammar (the showcase first), the same for the same seed. */
export function generateCorpus(count: number, seed = 2015): GeneratedPair[] {
  const rng = new Random(seed);
  return distinctPairs(
    count,
    SHOWCASE.slice(0, count).map((s) => [s]),
    () => [randomSpec(rng)],
  );
}

/** Source-length buckets of the long corpus (English tokens, punctuation included), equally filled. */
export const LONG_CORPUS_BUCKETS: Array<[number, number]> = [
  [4, 9],
  [10, 14],
  [15, 19],
  [20, 24],
  [25, 29],
  [30, 45],
];

/**
 * `count` distinct pairs of one or two elaborated clauses (relative clauses, adverbials, nested `dass`
 * clauses, coordination), the same for the same seed, spread equally over `LONG_CORPUS_BUCKETS` of
 * English length: the long-sentence corpus of notebook 08 (see data/README.md).
 */
export function generateLongCorpus(count: number, seed = 30): GeneratedPair[] {
  const rng = new Random(seed);
  const buckets = LONG_CORPUS_BUCKETS;
  const out: GeneratedPair[] = [];
  const seen = new Set<string>();
  // Pair i goes to bucket i mod 6; sentences are drawn at that bucket's level of elaboration until one fits.
  for (let i = 0, tries = 0; out.length < count;) {
    const k = i % buckets.length;
    if (++tries > count * 100) throw new Error(`generateLongCorpus: only ${out.length} pairs after ${tries} tries`);
    const pair = aligned(randomLongSpec(rng, k / (buckets.length - 1)));
    const length = tokenize(pair.english).length;
    if (length < buckets[k][0] || length > buckets[k][1] || seen.has(pair.english)) continue;
    seen.add(pair.english);
    out.push(pair);
    i++;
  }
  return out;
}

function aligned(clauses: SentenceSpec[]): GeneratedPair {
  return { ...renderAligned(clauses), pattern: clauses[0].pattern };
}

/** The given specifications first, then fresh ones until `count` distinct English sentences. */
function distinctPairs(count: number, first: SentenceSpec[][], fresh: () => SentenceSpec[]): GeneratedPair[] {
  const seen = new Set<string>();
  const out: GeneratedPair[] = [];
  let tries = 0;
  for (const spec of first) {
    const pair = aligned(spec);
    seen.add(pair.english);
    out.push(pair);
  }
  while (out.length < count) {
    if (++tries > count * 50) throw new Error(`generateCorpus: only ${out.length} distinct pairs after ${tries} tries`);
    const pair = aligned(fresh());
    if (seen.has(pair.english)) continue;
    seen.add(pair.english);
    out.push(pair);
  }
  return out;
}

/** The label in a generated pair's third column: where it comes from and the constructions it shows. */
export const GRAMMAR_ATTRIBUTION = "workbook grammar";

/**
 * The corpus as a pairs file: `English<TAB>German` lines, and for aligned pairs a third column
 * (`workbook grammar: <constructions>`) and a fourth (the gold alignment, `formatAlignment`).
 */
export function corpusTsv(pairs: Array<{ english: string; german: string } & Partial<AlignedPair>>): string {
  return pairs
    .map((p) =>
      p.alignment
        ? `${p.english}\t${p.german}\t${GRAMMAR_ATTRIBUTION}: ${(p.constructions ?? []).join(", ")}\t${formatAlignment(p.alignment)}\n`
        : `${p.english}\t${p.german}\n`,
    )
    .join("");
}

/** The constructions named in a generated pair's third column (empty for other pairs). */
export function constructionsOf(pair: { attribution?: string }): Construction[] {
  const prefix = `${GRAMMAR_ATTRIBUTION}: `;
  if (!pair.attribution?.startsWith(prefix)) return [];
  return pair.attribution
    .slice(prefix.length)
    .split(", ")
    .filter((c): c is Construction => (CONSTRUCTIONS as string[]).includes(c));
}
