import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as http from "node:http";
import { zipOf } from "./zip-fixture";
import {
  parsePairs,
  loadPairs,
  tokenize,
  detokenize,
  Vocabulary,
  splitByEnglish,
  makeBatches,
  padBatch,
  batchTensors,
  paddingShare,
  prepareData,
  DEFAULT_CORPUS,
  encodeSentence,
  pairsFrame,
  vocabularyFrame,
  tf,
  LONG_CORPUS,
  LONG_CORPUS_BUCKETS,
} from "attention-workbook";
import {
  PAD_ID,
  SOS_ID,
  EOS_ID,
  UNK_ID,
  dropDuplicatePairs,
  renderSentence,
  generateCorpus,
  corpusTsv,
  DEFAULT_CORPUS_COUNT,
  DEFAULT_CORPUS_SEED,
  downloadTatoeba,
  frameHtml,
  Truecaser,
  renderAligned,
  generateLongCorpus,
  LONG_CORPUS_COUNT,
  LONG_CORPUS_SEED,
  parseAlignment,
  formatAlignment,
  constructionsOf,
  zipEntries,
  zipRead,
} from "attention-workbook/data";

const root = path.resolve(__dirname, "..");
/** Every 20th pair of a Tatoeba extract, committed with its attribution (test/fixtures/tatoeba-sample.md). */
const TATOEBA_SAMPLE = path.join(root, "test/fixtures/tatoeba-sample.tsv");

function tmpFile(name: string, content: string | Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-data-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

describe("pairs loader", () => {
  it("reads 2 and 3 columns, keeps the attribution, strips a BOM, handles CRLF and normalises to NFC", () => {
    const decomposed = "Gru\u0308n.";
    const text = `\uFEFFGo.\tGeh.\r\nGreen.\t${decomposed}\tCC-BY 2.0 (France) Attribution: tatoeba.org #1 (x) & #2 (y)\r\n\r\n`;
    const { pairs, report } = parsePairs(text, "mini.tsv");
    assert.equal(pairs.length, 2);
    assert.deepEqual(pairs[0], { english: "Go.", german: "Geh.", line: 1 });
    assert.equal(pairs[1].german, "Grün.");
    assert.equal(pairs[1].german.length, 5, "NFC: ü is one code point");
    assert.match(pairs[1].attribution!, /^CC-BY 2.0/);
    assert.equal(report.withAttribution, 1);
    assert.equal(report.lines, 2);
  });

  const bad: Array<[string, string, RegExp]> = [
    ["no tab", "Go.\tGeh.\nNo tab here\n", /bad\.tsv:2: no tab/],
    ["empty English", "Go.\tGeh.\nHi.\tHallo.\n\tLeer.\n", /bad\.tsv:3: empty English side/],
    ["empty German", "Go.\t \n", /bad\.tsv:1: empty German side/],
    ["five columns", "Go.\tGeh.\nA\tB\tC\tD\tE\n", /bad\.tsv:2: 5 tab-separated columns: expected 2 to 4/],
    ["a fourth column that is no alignment", "Go.\tGeh.\nA\tB\tC\tD\n", /bad\.tsv:2: alignment column "D" is not "i-j/],
  ];
  for (const [what, text, message] of bad) {
    it(`rejects a malformed line (${what}) with the file and line number`, () => {
      const file = tmpFile("bad.tsv", text);
      assert.throws(() => loadPairs(file), message);
      const { pairs, report } = loadPairs(file, { skipBadLines: true });
      assert.equal(report.skipped.length, 1);
      assert.equal(pairs.length + report.skipped.length, report.lines);
    });
  }

  it("says when the file is missing", () => {
    assert.throws(
      () => loadPairs("/nonexistent/deu.txt"),
      /cannot read pairs file \/nonexistent\/deu\.txt: no such file/,
    );
  });

  it("loads a sample of the Tatoeba file with no error and the same counts on every run", () => {
    const a = prepareData({ file: TATOEBA_SAMPLE });
    const b = prepareData({ file: TATOEBA_SAMPLE });
    const lines = fs.readFileSync(TATOEBA_SAMPLE, "utf8").split("\n").filter(Boolean).length;
    assert.equal(a.counts.loaded, lines, `loaded ${a.counts.loaded} of ${lines} pairs`);
    assert.equal(a.report.skipped.length, 0);
    assert.deepEqual(a.counts, b.counts);
    assert.equal(a.sourceVocab.size, b.sourceVocab.size);
    assert.equal(a.targetVocab.size, b.targetVocab.size);
    assert.deepEqual(
      a.splits.test.slice(0, 5).map((p) => p.english),
      b.splits.test.slice(0, 5).map((p) => p.english),
    );
    const train = new Set(a.splits.train.map((p) => p.english));
    for (const p of [...a.splits.validation, ...a.splits.test])
      assert.ok(!train.has(p.english), `${p.english} is in two splits`);
  });
});

describe("tokenizer", () => {
  const cases: Array<[string, string[]]> = [
    ["She kissed him.", ["she", "kissed", "him", "."]],
    ["Don't go, Tom!", ["don't", "go", ",", "tom", "!"]],
    ["Wie geht's?", ["wie", "geht's", "?"]],
    ["Wie geht’s dir?", ["wie", "geht’s", "dir", "?"]],
    ["Er sagte: „Ich weiß es nicht.“", ["er", "sagte", ":", "„", "ich", "weiß", "es", "nicht", ".", "“"]],
    ['He said "no".', ["he", "said", '"', "no", '"', "."]],
    ["Die Mädchen hören Grüße.", ["die", "mädchen", "hören", "grüße", "."]],
    ["Ich schreibe eine E-Mail.", ["ich", "schreibe", "eine", "e-mail", "."]],
    ["The boys’ toys...", ["the", "boys", "’", "toys", ".", ".", "."]],
    ["STRASSE und Straße", ["strasse", "und", "straße"]],
  ];
  for (const [text, tokens] of cases) {
    it(`tokenizes ${JSON.stringify(text)}`, () => assert.deepEqual(tokenize(text), tokens));
  }
  it("keeps case when asked", () => {
    assert.deepEqual(tokenize("Der Hund sieht Öl.", { lowercase: false }), ["Der", "Hund", "sieht", "Öl", "."]);
  });
  it("detokenizes for display", () => {
    assert.equal(detokenize(["sie", "hat", "ihn", "geküsst", "."]), "sie hat ihn geküsst.");
    assert.equal(detokenize(["ich", "weiß", ",", "dass", "er", "sie", "sieht", "."]), "ich weiß, dass er sie sieht.");
    assert.equal(detokenize(["er", "sagte", ":", "„", "nein", "“", "."]), "er sagte: „nein“.");
    assert.equal(detokenize(["he", "said", '"', "no", '"', "."]), 'he said "no".');
    assert.equal(detokenize(["wie", "geht's", "?"]), "wie geht's?");
  });
});

describe("vocabulary", () => {
  const sentences = [["a", "b", "a"], ["c", "a", "b"], ["d"]];
  it("has the special tokens at fixed ids and orders words by frequency", () => {
    const v = Vocabulary.build(sentences);
    assert.deepEqual(v.words.slice(0, 4), ["_PAD", "_SOS", "_EOS", "_UNK"]);
    assert.deepEqual([PAD_ID, SOS_ID, EOS_ID, UNK_ID], [0, 1, 2, 3]);
    assert.deepEqual(v.words.slice(4), ["a", "b", "c", "d"]);
    assert.deepEqual(v.counts.slice(4), [3, 2, 1, 1]);
  });
  it("applies minFreq and maxSize; unknown words map to _UNK", () => {
    const v = Vocabulary.build(sentences, { minFreq: 2 });
    assert.deepEqual(v.words.slice(4), ["a", "b"]);
    assert.deepEqual(v.encode(["a", "c", "zebra"], { sos: true, eos: true }), [SOS_ID, 4, UNK_ID, UNK_ID, EOS_ID]);
    assert.deepEqual(Vocabulary.build(sentences, { maxSize: 5 }).words, ["_PAD", "_SOS", "_EOS", "_UNK", "a"]);
    assert.deepEqual(v.unknownWords(["a", "zebra"]), ["zebra"]);
    assert.deepEqual(v.decode([SOS_ID, 4, 5, EOS_ID, 4]), ["a", "b"]);
    assert.throws(() => v.decode([99]), /id 99 at position 0 is outside 0\.\.5/);
  });
  it("saves and loads as JSON", () => {
    const v = Vocabulary.build(sentences);
    const w = Vocabulary.fromJSON(JSON.parse(JSON.stringify(v)));
    assert.deepEqual(w.words, v.words);
    assert.equal(w.id("c"), v.id("c"));
    assert.throws(
      () => Vocabulary.fromJSON({ words: ["x"] }, "ckpt/vocab.json"),
      /ckpt\/vocab\.json: not a workbook vocabulary/,
    );
  });
  it("encodeSentence rejects an empty sentence and lists unknown words", () => {
    const v = Vocabulary.build([["she", "kissed", "him", "."]]);
    assert.throws(() => encodeSentence("  ", v), /empty sentence/);
    const e = encodeSentence("She kissed Tom.", v);
    assert.deepEqual(e.unknown, ["tom"]);
    assert.equal(e.ids[2], UNK_ID);
  });
});

describe("truecaser", () => {
  it("restores German capitalisation learned from training sentences", () => {
    const t = Truecaser.learn([
      "Der Hund sieht die Katze.",
      "Sie sieht den Hund.",
      "Ich weiß, dass sie ihn sieht.",
      "Hunde bellen.",
    ]);
    assert.deepEqual(t.apply(["sie", "sieht", "die", "katze", "."]), ["Sie", "sieht", "die", "Katze", "."]);
    assert.deepEqual(t.apply(["ich", "sehe", "den", "hund", "."]), ["Ich", "sehe", "den", "Hund", "."]);
    assert.deepEqual(
      t.apply(["„", "ja", "“"]),
      ["„", "Ja", "“"],
      "the first word, not the first token, is capitalised",
    );
    assert.deepEqual(Truecaser.fromJSON(JSON.parse(JSON.stringify(t))).forms, t.forms);
    assert.throws(() => Truecaser.fromJSON({}), /not a workbook truecaser/);
  });
});

describe("splits and batches", () => {
  const pairs = [
    { english: "Hi.", german: "Hallo.", line: 1 },
    { english: "Hi.", german: "Servus.", line: 2 },
    { english: "Hi.", german: "Hallo.", line: 3 },
    { english: "Run!", german: "Lauf!", line: 4 },
    ...Array.from({ length: 40 }, (_, i) => ({ english: `S${i % 20}.`, german: `D${i}.`, line: 5 + i })),
  ];
  it("drops exact duplicates only", () => {
    const d = dropDuplicatePairs(pairs);
    assert.equal(d.length, pairs.length - 1);
    assert.deepEqual(
      d.slice(0, 2).map((p) => p.german),
      ["Hallo.", "Servus."],
    );
  });
  it("splits by English sentence: no English sentence in two splits, reproducibly", () => {
    const s = splitByEnglish(pairs, { validation: 0.2, test: 0.2, seed: 3 });
    assert.equal(s.train.length + s.validation.length + s.test.length, pairs.length);
    const sets = [s.train, s.validation, s.test].map((x) => new Set(x.map((p) => p.english)));
    for (let i = 0; i < 3; i++)
      for (let j = i + 1; j < 3; j++) for (const e of sets[i]) assert.ok(!sets[j].has(e), `${e} in two splits`);
    assert.ok(s.test.length > 0 && s.validation.length > 0);
    assert.deepEqual(splitByEnglish(pairs, { validation: 0.2, test: 0.2, seed: 3 }), s);
    assert.notDeepEqual(splitByEnglish(pairs, { validation: 0.2, test: 0.2, seed: 4 }).test, s.test);
  });
  it("pads batches with _SOS/_EOS framing and masks", () => {
    const b = padBatch([
      { source: [5, 6, 7], target: [8] },
      { source: [9], target: [10, 11, 12] },
    ]);
    assert.equal(b.sourceLength, 3);
    assert.equal(b.targetLength, 4);
    assert.deepEqual([...b.source], [5, 6, 7, 9, 0, 0]);
    assert.deepEqual([...b.sourceMask], [1, 1, 1, 1, 0, 0]);
    assert.deepEqual([...b.decoderInput], [SOS_ID, 8, 0, 0, SOS_ID, 10, 11, 12]);
    assert.deepEqual([...b.decoderTarget], [8, EOS_ID, 0, 0, 10, 11, 12, EOS_ID]);
    assert.deepEqual([...b.targetMask], [1, 1, 0, 0, 1, 1, 1, 1]);
    assert.equal(b.targetTokens, 6);
    const t = batchTensors(b);
    assert.deepEqual(t.source.shape, [2, 3]);
    assert.equal(t.source.dtype, "int32");
    assert.deepEqual(t.decoderTarget.shape, [2, 4]);
    assert.equal(t.targetMask.dtype, "float32");
    tf.dispose(Object.values(t));
    assert.throws(() => padBatch([{ source: [], target: [1] }]), /example 0 has an empty source sentence/);
  });
  it("covers every example once; bucketing reduces padding", () => {
    const data = prepareData();
    const plain = makeBatches(data.train, { batchSize: 32, seed: 1 });
    const bucketed = makeBatches(data.train, { batchSize: 32, seed: 1, bucket: true });
    for (const batches of [plain, bucketed]) {
      const seen = batches.flatMap((b) => b.indices).sort((a, b) => a - b);
      assert.deepEqual(
        seen,
        data.train.map((_, i) => i),
      );
    }
    const p = paddingShare(plain),
      q = paddingShare(bucketed);
    assert.ok(
      q.source < p.source && q.target < p.target,
      `padding plain ${JSON.stringify(p)} vs bucketed ${JSON.stringify(q)}`,
    );
  });
});

describe("the built-in corpus", () => {
  it("renders each word-order pattern as hand-written German", () => {
    const expect: Array<[Parameters<typeof renderSentence>[0], string, string]> = [
      [
        { pattern: "past", subject: { pronoun: "she" }, verb: "kiss", object: { pronoun: "he" } },
        "She kissed him.",
        "Sie küsste ihn.",
      ],
      [
        { pattern: "perfect", subject: { pronoun: "she" }, verb: "kiss", object: { pronoun: "he" } },
        "She has kissed him.",
        "Sie hat ihn geküsst.",
      ],
      [
        {
          pattern: "perfect",
          subject: { noun: "children", det: "the" },
          verb: "invite",
          object: { noun: "boy", det: "a" },
        },
        "The children have invited a boy.",
        "Die Kinder haben einen Jungen eingeladen.",
      ],
      [
        {
          pattern: "subordinate",
          subject: { noun: "man", det: "the" },
          verb: "see",
          object: { noun: "woman", det: "the" },
          matrix: 0,
        },
        "I know that the man sees the woman.",
        "Ich weiß, dass der Mann die Frau sieht.",
      ],
      [
        { pattern: "subordinate", subject: { pronoun: "she" }, verb: "call", object: { pronoun: "he" }, matrix: 1 },
        "He says that she calls him.",
        "Er sagt, dass sie ihn anruft.",
      ],
      [
        {
          pattern: "subordinate-perfect",
          subject: { pronoun: "you" },
          verb: "find",
          object: { noun: "key", det: "a" },
          matrix: 2,
        },
        "We think that you have found a key.",
        "Wir glauben, dass du einen Schlüssel gefunden hast.",
      ],
      [
        { pattern: "present", subject: { pronoun: "he" }, verb: "open", object: { noun: "window", det: "the" } },
        "He opens the window.",
        "Er macht das Fenster auf.",
      ],
      [
        { pattern: "past", subject: { noun: "girl", det: "the" }, verb: "pick", object: { pronoun: "you" } },
        "The girl picked you up.",
        "Das Mädchen holte dich ab.",
      ],
      [
        { pattern: "present", subject: { pronoun: "we" }, verb: "pick", object: { noun: "dog", det: "the" } },
        "We pick up the dog.",
        "Wir holen den Hund ab.",
      ],
      [
        { pattern: "question", subject: { pronoun: "he" }, verb: "invite", object: { noun: "man", det: "a" } },
        "Does he invite a man?",
        "Lädt er einen Mann ein?",
      ],
      [
        {
          pattern: "question-perfect",
          subject: { noun: "cat", det: "the" },
          verb: "eat",
          object: { noun: "soup", det: "a" },
        },
        "Has the cat eaten the soup?",
        "Hat die Katze die Suppe gegessen?",
      ],
      [{ pattern: "what-question", subject: { pronoun: "you" }, verb: "read" }, "What do you read?", "Was liest du?"],
      [
        { pattern: "modal", subject: { pronoun: "i" }, verb: "eat", object: { noun: "apple", det: "a" } },
        "I want to eat an apple.",
        "Ich will einen Apfel essen.",
      ],
    ];
    for (const [spec, en, de] of expect) assert.deepEqual(renderSentence(spec), { english: en, german: de });
  });

  it("is committed exactly as the generator makes it", () => {
    const text = fs.readFileSync(DEFAULT_CORPUS, "utf8");
    assert.equal(text, corpusTsv(generateCorpus(DEFAULT_CORPUS_COUNT, DEFAULT_CORPUS_SEED)));
  });

  it("writes the gold word alignment of hand-checked sentences (English token - German token)", () => {
    type Spec = Parameters<typeof renderAligned>[0];
    const expect: Array<[Spec, string, string, string, string[]]> = [
      [
        { pattern: "past", subject: { pronoun: "she" }, verb: "kiss", object: { pronoun: "he" } },
        "She kissed him.",
        "Sie küsste ihn.",
        "0-0 1-1 2-2 3-3",
        ["same-order"],
      ],
      [
        { pattern: "perfect", subject: { pronoun: "she" }, verb: "kiss", object: { pronoun: "he" } },
        "She has kissed him.",
        "Sie hat ihn geküsst.",
        "0-0 1-1 2-3 3-2 4-4",
        ["participle-final"],
      ],
      [
        { pattern: "present", subject: { pronoun: "she" }, verb: "call", object: { pronoun: "he" } },
        "She calls him.",
        "Sie ruft ihn an.",
        "0-0 1-1 1-3 2-2 3-4",
        ["separable-particle"],
      ],
      [
        { pattern: "subordinate", subject: { pronoun: "he" }, verb: "see", object: { pronoun: "she" }, matrix: 0 },
        "I know that he sees her.",
        "Ich weiß, dass er sie sieht.",
        "0-0 1-1 2-3 3-4 4-6 5-5 6-7",
        ["verb-final-dass"],
      ],
      [
        { pattern: "question", subject: { noun: "dog", det: "the" }, verb: "see", object: { pronoun: "she" } },
        "Does the dog see her?",
        "Sieht der Hund sie?",
        "0-0 1-1 2-2 3-0 4-3 5-4",
        ["question-inversion"],
      ],
      [
        { pattern: "modal", subject: { pronoun: "we" }, verb: "read", object: { noun: "book", det: "a" } },
        "We want to read a book.",
        "Wir wollen ein Buch lesen.",
        "0-0 1-1 2-4 3-4 4-2 5-3 6-5",
        ["modal-infinitive"],
      ],
      [
        { pattern: "present", subject: { pronoun: "we" }, verb: "pick", object: { noun: "dog", det: "the" } },
        "We pick up the dog.",
        "Wir holen den Hund ab.",
        "0-0 1-1 1-4 2-1 2-4 3-2 4-3 5-5",
        ["separable-particle"],
      ],
      [
        { pattern: "what-question", subject: { pronoun: "you" }, verb: "read" },
        "What do you read?",
        "Was liest du?",
        "0-0 1-1 2-2 3-1 4-3",
        ["question-inversion"],
      ],
      [
        {
          pattern: "subordinate-perfect",
          subject: { pronoun: "you" },
          verb: "find",
          object: { noun: "key", det: "a" },
          matrix: 2,
        },
        "We think that you have found a key.",
        "Wir glauben, dass du einen Schlüssel gefunden hast.",
        "0-0 1-1 2-3 3-4 4-8 5-7 6-5 7-6 8-9",
        ["participle-final", "verb-final-dass"],
      ],
      [
        {
          pattern: "perfect",
          subject: { noun: "man", det: "the" },
          verb: "see",
          object: { pronoun: "she" },
          relative: { verb: "call", object: { pronoun: "he" }, tense: "present" },
          time: 1,
          place: 0,
        },
        "The man who calls him has seen her in the garden today.",
        "Der Mann, der ihn anruft, hat sie heute im Garten gesehen.",
        "0-0 1-1 2-3 3-5 4-4 5-7 6-12 7-8 8-10 9-10 10-11 11-9 12-13",
        ["participle-final", "relative-clause", "adverbials"],
      ],
      [
        [
          { pattern: "present", subject: { pronoun: "she" }, verb: "open", object: { noun: "door", det: "the" } },
          { pattern: "past", subject: { pronoun: "we" }, verb: "pick", object: { pronoun: "they" }, time: 0 },
        ],
        "She opens the door and we picked them up yesterday.",
        "Sie macht die Tür auf und wir holten sie gestern ab.",
        "0-0 1-1 1-4 2-2 3-3 4-5 5-6 6-7 6-10 7-8 8-7 8-10 9-9 10-11",
        ["separable-particle", "adverbials", "coordination"],
      ],
      [
        {
          pattern: "subordinate-perfect",
          subject: { noun: "children", det: "the" },
          verb: "invite",
          object: { noun: "boy", det: "a" },
          matrix: 0,
          nested: [1],
          place: 1,
        },
        "I know that he says that the children have invited a boy at home.",
        "Ich weiß, dass er sagt, dass die Kinder einen Jungen zu Hause eingeladen haben.",
        "0-0 1-1 2-3 3-4 4-5 5-7 6-8 7-9 8-15 9-14 10-10 11-11 12-12 13-13 14-16",
        ["participle-final", "verb-final-dass", "adverbials"],
      ],
      [
        {
          pattern: "question-perfect",
          subject: { noun: "cat", det: "the" },
          verb: "eat",
          object: { noun: "soup", det: "a" },
          place: 3,
        },
        "Has the cat eaten the soup at school?",
        "Hat die Katze die Suppe in der Schule gegessen?",
        "0-0 1-1 2-2 3-8 4-3 5-4 6-5 6-6 7-7 8-9",
        ["participle-final", "question-inversion", "adverbials"],
      ],
      [
        // A relative clause that ends the German sentence takes no closing comma.
        {
          pattern: "what-question",
          subject: { noun: "boy", det: "the" },
          verb: "read",
          relative: { verb: "pick", object: { pronoun: "we" }, tense: "past" },
        },
        "What does the boy who picked us up read?",
        "Was liest der Junge, der uns abholte?",
        "0-0 1-1 2-2 3-3 4-5 5-7 6-6 7-7 8-1 9-8",
        ["question-inversion", "relative-clause"],
      ],
    ];
    const sorted = (links: Array<[number, number]>) =>
      formatAlignment([...links].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
    for (const [spec, en, de, links, constructions] of expect) {
      const r = renderAligned(spec);
      assert.deepEqual({ english: r.english, german: r.german }, { english: en, german: de });
      assert.equal(sorted(r.alignment), sorted(parseAlignment(links)), en);
      assert.deepEqual([...r.constructions].sort(), [...constructions].sort(), en);
    }
  });

  it("loads the alignment column; a malformed or out-of-range alignment is refused with its line", () => {
    const { pairs } = parsePairs(
      "She calls him.\tSie ruft ihn an.\tworkbook grammar: separable-particle\t0-0 1-1 1-3 2-2 3-4\n",
    );
    assert.deepEqual(pairs[0].alignment, [
      [0, 0],
      [1, 1],
      [1, 3],
      [2, 2],
      [3, 4],
    ]);
    assert.deepEqual(constructionsOf(pairs[0]), ["separable-particle"]);
    assert.throws(
      () => parsePairs("a b.\tc d.\tx\t0-0 1+1\n", "f.tsv"),
      /f\.tsv:1: alignment column "0-0 1\+1" is not "i-j/,
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-align-"));
    const file = path.join(dir, "pairs.tsv");
    fs.writeFileSync(file, "She calls him.\tSie ruft ihn an.\tx\t0-0\nHe sees her.\tEr sieht sie.\tx\t0-0 9-1\n");
    assert.throws(
      () => prepareData({ file }),
      (e: Error) => e.message === `${file}:2: alignment link 9-1 is outside the pair's 4 English and 4 German tokens`,
    );
    fs.rmSync(dir, { recursive: true });
  });

  it("the long corpus is committed exactly as the generator makes it, its lengths spread over the buckets", () => {
    const pairs = generateLongCorpus(LONG_CORPUS_COUNT, LONG_CORPUS_SEED);
    assert.equal(fs.readFileSync(LONG_CORPUS, "utf8"), corpusTsv(pairs));
    const lengths = pairs.map((p) => tokenize(p.english).length);
    for (const [lo, hi] of LONG_CORPUS_BUCKETS) {
      const n = lengths.filter((l) => l >= lo && l <= hi).length;
      assert.ok(Math.abs(n - LONG_CORPUS_COUNT / LONG_CORPUS_BUCKETS.length) <= 1, `${n} pairs of ${lo}-${hi} tokens`);
    }
    assert.ok(Math.max(...lengths) >= 35, `longest ${Math.max(...lengths)}`);
    assert.ok(!pairs.some((p) => /,[.?]$/.test(p.german)), "a comma right before the final mark");
    // Every alignment points inside its pair, and every German word but commas is linked.
    for (const p of pairs.slice(0, 500)) {
      const en = tokenize(p.english),
        de = tokenize(p.german);
      for (const [i, j] of p.alignment) assert.ok(i < en.length && j < de.length, `${p.english}: ${i}-${j}`);
      de.forEach((w, j) =>
        assert.ok(w === "," || p.alignment.some(([, jj]) => jj === j), `${p.german}: "${w}" unlinked`),
      );
    }
  });

  it("loads, splits and tokenizes", () => {
    const data = prepareData();
    assert.equal(data.counts.loaded, DEFAULT_CORPUS_COUNT);
    assert.equal(data.counts.duplicates, 0);
    assert.ok(
      data.counts.train > 3000 && data.counts.test > 300 && data.counts.validation > 300,
      JSON.stringify(data.counts),
    );
    const sample = data.pairs.find((p) => p.english === "She has kissed him.")!;
    assert.deepEqual(sample.sourceTokens, ["she", "has", "kissed", "him", "."]);
    assert.deepEqual(sample.targetTokens, ["sie", "hat", "ihn", "geküsst", "."]);
    assert.ok(data.targetVocab.has("geküsst") && data.targetVocab.has("weiß") && data.targetVocab.has("lädt"));
    assert.ok(
      data.sourceVocab.size < 120 && data.targetVocab.size < 200,
      `${data.sourceVocab.size} / ${data.targetVocab.size}`,
    );
  });
});

describe("Tatoeba download", () => {
  it("fetches a zip over HTTP, extracts deu.txt atomically, and the loader reads it", async () => {
    const content = Buffer.from(
      "Go.\tGeh.\tCC-BY 2.0 (France) Attribution: tatoeba.org #2877272 (CM) & #8597805 (Roujin)\nHi.\tHallo!\tCC-BY 2.0 (France) Attribution: tatoeba.org #538123 (CM) & #380701 (cburgmer)\n",
    );
    const zip = zipOf("deu.txt", content, { deflate: true });
    const server = http.createServer((req, res) => {
      if (req.url === "/anki/deu-eng.zip") {
        res.writeHead(200, { "content-type": "application/zip" });
        res.end(zip);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wb-dl-")), "tatoeba", "deu.txt");
      const r = await downloadTatoeba({ url: `http://127.0.0.1:${port}/anki/deu-eng.zip`, out });
      assert.equal(r.lines, 2);
      assert.deepEqual(fs.readFileSync(out), content);
      assert.deepEqual(fs.readdirSync(path.dirname(out)), ["deu.txt"], "no temporary file left behind");
      const { pairs } = loadPairs(out);
      assert.equal(pairs[1].german, "Hallo!");
      assert.match(pairs[1].attribution!, /tatoeba\.org #538123/);
      await assert.rejects(downloadTatoeba({ url: `http://127.0.0.1:${port}/missing.zip`, out }), /HTTP 404/);
      const corrupt = Buffer.from(zip);
      corrupt[40] ^= 0xff;
      assert.throws(() => zipRead(corrupt, zipEntries(corrupt)[0]), /corrupt|invalid|incorrect/i);
    } finally {
      server.close();
    }
  });
});

describe("danfo.js tables", () => {
  it("renders pairs and vocabulary frequencies as HTML tables", () => {
    const data = prepareData();
    const html = frameHtml(pairsFrame(data.pairs, 3), "Sample pairs");
    assert.match(html, /<caption>Sample pairs<\/caption>/);
    assert.match(html, /<td style="text-align:left">Sie küsste ihn\.<\/td>/);
    assert.equal((html.match(/<tr>/g) ?? []).length, 4);
    const vf = vocabularyFrame(data.targetVocab, 5);
    assert.deepEqual(vf.columns, ["id", "word", "count"]);
    const counts = vf.values.map((r) => r[2] as number);
    assert.deepEqual(
      counts,
      [...counts].sort((a, b) => b - a),
    );
    assert.equal(vf.values.length, 5);
    assert.match(frameHtml(pairsFrame([{ english: "<b>", german: "&", line: 1 }])), /&lt;b&gt;.*&amp;/s);
  });
});
