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
 * `npm run corpus` regenerates data/default-corpus.tsv (see data/README.md).
 */
import { Random } from "../util/random";

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
    de: { present: ["sehe", "siehst", "sieht", "sehen", "sehen"], past: ["sah", "sahst", "sah", "sahen", "sahen"], participle: "gesehen", infinitive: "sehen" },
    objects: ["person", "animal", "thing", "food", "readable", "openable"],
  },
  {
    en: { base: "kiss", s: "kisses", past: "kissed", participle: "kissed" },
    de: { present: ["küsse", "küsst", "küsst", "küssen", "küssen"], past: ["küsste", "küsstest", "küsste", "küssten", "küssten"], participle: "geküsst", infinitive: "küssen" },
    objects: ["person"],
  },
  {
    en: { base: "love", s: "loves", past: "loved", participle: "loved" },
    de: { present: ["liebe", "liebst", "liebt", "lieben", "lieben"], past: ["liebte", "liebtest", "liebte", "liebten", "liebten"], participle: "geliebt", infinitive: "lieben" },
    objects: ["person", "animal"],
  },
  {
    en: { base: "find", s: "finds", past: "found", participle: "found" },
    de: { present: ["finde", "findest", "findet", "finden", "finden"], past: ["fand", "fandest", "fand", "fanden", "fanden"], participle: "gefunden", infinitive: "finden" },
    objects: ["person", "animal", "thing", "readable"],
  },
  {
    en: { base: "hear", s: "hears", past: "heard", participle: "heard" },
    de: { present: ["höre", "hörst", "hört", "hören", "hören"], past: ["hörte", "hörtest", "hörte", "hörten", "hörten"], participle: "gehört", infinitive: "hören" },
    objects: ["person", "animal"],
  },
  {
    en: { base: "visit", s: "visits", past: "visited", participle: "visited" },
    de: { present: ["besuche", "besuchst", "besucht", "besuchen", "besuchen"], past: ["besuchte", "besuchtest", "besuchte", "besuchten", "besuchten"], participle: "besucht", infinitive: "besuchen" },
    objects: ["person"],
  },
  {
    en: { base: "read", s: "reads", past: "read", participle: "read" },
    de: { present: ["lese", "liest", "liest", "lesen", "lesen"], past: ["las", "last", "las", "lasen", "lasen"], participle: "gelesen", infinitive: "lesen" },
    objects: ["readable"],
  },
  {
    en: { base: "buy", s: "buys", past: "bought", participle: "bought" },
    de: { present: ["kaufe", "kaufst", "kauft", "kaufen", "kaufen"], past: ["kaufte", "kauftest", "kaufte", "kauften", "kauften"], participle: "gekauft", infinitive: "kaufen" },
    objects: ["thing", "food", "readable", "animal"],
  },
  {
    en: { base: "eat", s: "eats", past: "ate", participle: "eaten" },
    de: { present: ["esse", "isst", "isst", "essen", "essen"], past: ["aß", "aßest", "aß", "aßen", "aßen"], participle: "gegessen", infinitive: "essen" },
    objects: ["food"],
  },
  {
    en: { base: "call", s: "calls", past: "called", participle: "called" },
    de: { present: ["rufe", "rufst", "ruft", "rufen", "rufen"], past: ["rief", "riefst", "rief", "riefen", "riefen"], participle: "angerufen", infinitive: "anrufen", particle: "an" },
    objects: ["person"],
  },
  {
    en: { base: "open", s: "opens", past: "opened", participle: "opened" },
    de: { present: ["mache", "machst", "macht", "machen", "machen"], past: ["machte", "machtest", "machte", "machten", "machten"], participle: "aufgemacht", infinitive: "aufmachen", particle: "auf" },
    objects: ["openable"],
  },
  {
    en: { base: "invite", s: "invites", past: "invited", participle: "invited" },
    de: { present: ["lade", "lädst", "lädt", "laden", "laden"], past: ["lud", "ludst", "lud", "luden", "luden"], participle: "eingeladen", infinitive: "einladen", particle: "ein" },
    objects: ["person"],
  },
  {
    en: { base: "pick", s: "picks", past: "picked", participle: "picked", particle: "up" },
    de: { present: ["hole", "holst", "holt", "holen", "holen"], past: ["holte", "holtest", "holte", "holten", "holten"], participle: "abgeholt", infinitive: "abholen", particle: "ab" },
    objects: ["person", "animal"],
  },
];

const HABEN: Forms = ["habe", "hast", "hat", "haben", "haben"];
const WOLLEN: Forms = ["will", "willst", "will", "wollen", "wollen"];

interface Pronoun { en: string; enObj: string; de: string; deAcc: string; slot: number }
export const PRONOUNS: Record<string, Pronoun> = {
  i: { en: "I", enObj: "me", de: "ich", deAcc: "mich", slot: 0 },
  you: { en: "you", enObj: "you", de: "du", deAcc: "dich", slot: 1 },
  he: { en: "he", enObj: "him", de: "er", deAcc: "ihn", slot: 2 },
  she: { en: "she", enObj: "her", de: "sie", deAcc: "sie", slot: 2 },
  we: { en: "we", enObj: "us", de: "wir", deAcc: "uns", slot: 3 },
  they: { en: "they", enObj: "them", de: "sie", deAcc: "sie", slot: 4 },
};

/** The main clauses that introduce a `dass` clause. */
export const MATRIX_CLAUSES = [
  { en: "I know that", de: "Ich weiß, dass" },
  { en: "he says that", de: "Er sagt, dass" },
  { en: "we think that", de: "Wir glauben, dass" },
  { en: "she hopes that", de: "Sie hofft, dass" },
];

export type Ref = { pronoun: keyof typeof PRONOUNS } | { noun: string; det: "the" | "a" };

export type Pattern = "present" | "past" | "perfect" | "modal" | "subordinate" | "subordinate-perfect" | "question" | "question-perfect" | "what-question";

export interface SentenceSpec {
  pattern: Pattern;
  subject: Ref;
  /** The English base form of the verb ("see", "call", "pick" for "pick up"). */
  verb: string;
  /** Absent only for "what-question" (the object is "what"). */
  object?: Ref;
  /** Index into MATRIX_CLAUSES, for the subordinate patterns. */
  matrix?: number;
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

function slotOf(ref: Ref): number {
  if ("pronoun" in ref) return PRONOUNS[ref.pronoun].slot;
  return noun(ref.noun).gender === "pl" ? 4 : 2;
}

function english(ref: Ref, role: "subject" | "object"): string {
  if ("pronoun" in ref) return role === "subject" ? PRONOUNS[ref.pronoun].en : PRONOUNS[ref.pronoun].enObj;
  const n = noun(ref.noun);
  if (ref.det === "the" || n.gender === "pl" || n.mass) return `the ${n.en}`;
  return `${/^[aeiou]/.test(n.en) ? "an" : "a"} ${n.en}`;
}

function german(ref: Ref, kase: "nom" | "acc"): string {
  if ("pronoun" in ref) return kase === "nom" ? PRONOUNS[ref.pronoun].de : PRONOUNS[ref.pronoun].deAcc;
  const n = noun(ref.noun);
  const det = (ref.det === "the" || n.gender === "pl" || n.mass ? DEF : INDEF)[kase][n.gender];
  return `${det} ${kase === "acc" && n.deAcc ? n.deAcc : n.de}`;
}

/** English verb phrase with its object, particle placed as English wants it ("picks him up", "picks up the dog"). */
function englishVerbObject(form: string, v: Verb, object: Ref | undefined): string {
  const obj = object ? english(object, "object") : "";
  if (!v.en.particle) return obj ? `${form} ${obj}` : form;
  if (!object) return `${form} ${v.en.particle}`;
  return "pronoun" in object ? `${form} ${obj} ${v.en.particle}` : `${form} ${v.en.particle} ${obj}`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Renders one pair from an explicit specification (what the tests and the generator use). */
export function renderSentence(spec: SentenceSpec): { english: string; german: string } {
  const v = verb(spec.verb);
  const slot = slotOf(spec.subject);
  const third = slot === 2;
  const enSubj = english(spec.subject, "subject");
  const deSubj = german(spec.subject, "nom");
  const deObj = spec.object ? german(spec.object, "acc") : "";
  const p = v.de.particle;
  const join = (...parts: string[]) => parts.filter((x) => x !== "").join(" ");
  if (spec.pattern !== "what-question" && !spec.object) throw new Error(`corpus: pattern ${spec.pattern} needs an object`);
  let en: string, de: string;
  switch (spec.pattern) {
    case "present":
      en = join(enSubj, englishVerbObject(third ? v.en.s : v.en.base, v, spec.object)) + ".";
      de = join(deSubj, v.de.present[slot], deObj, p ?? "") + ".";
      break;
    case "past":
      en = join(enSubj, englishVerbObject(v.en.past, v, spec.object)) + ".";
      de = join(deSubj, v.de.past[slot], deObj, p ?? "") + ".";
      break;
    case "perfect":
      en = join(enSubj, third ? "has" : "have", englishVerbObject(v.en.participle, v, spec.object)) + ".";
      de = join(deSubj, HABEN[slot], deObj, v.de.participle) + ".";
      break;
    case "modal":
      en = join(enSubj, third ? "wants to" : "want to", englishVerbObject(v.en.base, v, spec.object)) + ".";
      de = join(deSubj, WOLLEN[slot], deObj, v.de.infinitive) + ".";
      break;
    case "subordinate":
    case "subordinate-perfect": {
      const m = MATRIX_CLAUSES[spec.matrix ?? 0];
      if (!m) throw new Error(`corpus: no matrix clause ${spec.matrix}`);
      const perfect = spec.pattern === "subordinate-perfect";
      const enVerb = perfect ? join(third ? "has" : "have", englishVerbObject(v.en.participle, v, spec.object)) : englishVerbObject(third ? v.en.s : v.en.base, v, spec.object);
      en = join(m.en, enSubj, enVerb) + ".";
      // Verb-final: the separable particle joins the finite verb again ("dass sie ihn anruft").
      const deVerb = perfect ? join(v.de.participle, HABEN[slot]) : `${p ?? ""}${v.de.present[slot]}`;
      de = join(m.de, deSubj, deObj, deVerb) + ".";
      break;
    }
    case "question":
      en = join(third ? "does" : "do", enSubj, englishVerbObject(v.en.base, v, spec.object)) + "?";
      de = join(v.de.present[slot], deSubj, deObj, p ?? "") + "?";
      break;
    case "question-perfect":
      en = join(third ? "has" : "have", enSubj, englishVerbObject(v.en.participle, v, spec.object)) + "?";
      de = join(HABEN[slot], deSubj, deObj, v.de.participle) + "?";
      break;
    case "what-question":
      en = join("what", third ? "does" : "do", enSubj, englishVerbObject(v.en.base, v, undefined)) + "?";
      de = join("was", v.de.present[slot], deSubj, p ?? "") + "?";
      break;
    default:
      throw new Error(`corpus: unknown pattern ${spec.pattern as string}`);
  }
  return { english: capitalise(en), german: capitalise(de) };
}

const PATTERN_WEIGHTS: Array<[Pattern, number]> = [
  ["present", 3], ["past", 2], ["perfect", 3], ["modal", 1], ["subordinate", 2], ["subordinate-perfect", 1],
  ["question", 2], ["question-perfect", 1], ["what-question", 1],
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

/** A random, grammatical and sensible specification. */
export function randomSpec(rng: Random): SentenceSpec {
  for (;;) {
    const pattern = pickPattern(rng);
    const v = rng.pick(VERBS);
    const subject: Ref = rng.next() < 0.5
      ? { pronoun: rng.pick(Object.keys(PRONOUNS)) as keyof typeof PRONOUNS }
      : { noun: rng.pick(NOUNS.filter((n) => n.kinds.includes("person") || n.kinds.includes("animal"))).en, det: rng.next() < 0.7 ? "the" : "a" };
    if ("noun" in subject && noun(subject.noun).kinds.includes("animal") && !["see", "find", "hear", "love", "eat"].includes(v.en.base)) continue;
    if (pattern === "what-question") {
      if (!v.objects.some((k) => ["thing", "food", "readable", "openable"].includes(k))) continue;
      return { pattern, subject, verb: v.en.base };
    }
    const animate = v.objects.includes("person");
    let object: Ref;
    if (animate && rng.next() < 0.4) {
      object = { pronoun: rng.pick(Object.keys(PRONOUNS)) as keyof typeof PRONOUNS };
      // no reflexive readings: "I see me", "I hear us", "you visit you"
      if ("pronoun" in subject && reflexive(subject.pronoun, object.pronoun)) continue;
    } else {
      const candidates = NOUNS.filter((n) => n.kinds.some((k) => v.objects.includes(k)));
      object = { noun: rng.pick(candidates).en, det: rng.next() < 0.6 ? "the" : "a" };
      if ("noun" in subject && subject.noun === object.noun) continue;
    }
    const spec: SentenceSpec = { pattern, subject, verb: v.en.base, object };
    if (pattern.startsWith("subordinate")) spec.matrix = rng.int(MATRIX_CLAUSES.length);
    return spec;
  }
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

/** `count` distinct pairs from the grammar (the showcase first), the same for the same seed. */
export function generateCorpus(count: number, seed = 2015): Array<{ english: string; german: string; pattern: Pattern }> {
  const rng = new Random(seed);
  const seen = new Set<string>();
  const out: Array<{ english: string; german: string; pattern: Pattern }> = [];
  let tries = 0;
  for (const spec of SHOWCASE.slice(0, count)) {
    const pair = renderSentence(spec);
    seen.add(pair.english);
    out.push({ ...pair, pattern: spec.pattern });
  }
  while (out.length < count) {
    if (++tries > count * 50) throw new Error(`generateCorpus: only ${out.length} distinct pairs after ${tries} tries`);
    const spec = randomSpec(rng);
    const pair = renderSentence(spec);
    if (seen.has(pair.english)) continue;
    seen.add(pair.english);
    out.push({ ...pair, pattern: spec.pattern });
  }
  return out;
}

/** The corpus as a pairs file: `English<TAB>German` lines. */
export function corpusTsv(pairs: Array<{ english: string; german: string }>): string {
  return pairs.map((p) => `${p.english}\t${p.german}\n`).join("");
}
