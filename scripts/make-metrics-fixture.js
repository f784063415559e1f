#!/usr/bin/env node
/**
 * Writes test/fixtures/metrics-multiref.json: the hypotheses and references that the BLEU/chrF test scores,
 * before sacrebleu adds its numbers to it (scripts/sacrebleu_fixture.py).
 *
 *   npm run train -- --attention luong-general --epochs 3 --out /tmp/fx-model
 *   node scripts/make-metrics-fixture.js /tmp/fx-model
 *   python3 -m pip install sacrebleu==2.6.0 && python3 scripts/sacrebleu_fixture.py
 *
 * 120 sentences come from the built-in grammar (seed 77): the hypothesis is the greedy translation of a
 * model trained for 3 epochs on the built-in corpus (so it has real mistakes), and the references are the
 * grammar's German plus, for a past-tense sentence, its perfect-tense German (both translate the English
 * simple past), and for a perfect-tense sentence its simple-past German. 16 hand-written sentences follow,
 * for what 13a tokenization and lower-casing must get right: quotes, numbers, dashes, HTML entities,
 * apostrophes, capitals, an empty hypothesis, and three or four references.
 */
const fs = require("node:fs");
const path = require("node:path");
const wb = { ...require("../dist"), ...require("../dist/data") };

async function main() {
  const dir = process.argv[2];
  if (!dir) throw new Error("usage: node scripts/make-metrics-fixture.js CHECKPOINT_DIR");
  await wb.ready();
  const tm = wb.loadCheckpoint(dir);
  const rng = new wb.Random(77);
  const seen = new Set();
  const items = [];
  while (items.length < 120) {
    const spec = wb.randomSpec(rng);
    const { english, german } = wb.renderSentence(spec);
    if (seen.has(english)) continue;
    seen.add(english);
    const references = [german];
    if (spec.pattern === "past") references.push(wb.renderSentence({ ...spec, pattern: "perfect" }).german);
    if (spec.pattern === "perfect") references.push(wb.renderSentence({ ...spec, pattern: "past" }).german);
    items.push({ source: english, references });
  }
  const hypotheses = wb
    .translateAll(
      tm,
      items.map((x) => x.source),
    )
    .map((t) => t.text);
  const sentences = items.map((x, i) => ({ source: x.source, hypothesis: hypotheses[i], references: x.references }));
  const handWritten = [
    { hypothesis: "", references: ["Ja."] },
    { hypothesis: "Er sagte: „Nein!“", references: ["Er sagte: „Nein!“", 'Er sagte "nein".'] },
    { hypothesis: "Das kostet 3,50 Euro.", references: ["Es kostet 3,50 Euro.", "Das kostet 3.50 €."] },
    {
      hypothesis: "Meine E-Mail-Adresse ist neu.",
      references: ["Meine E-Mail-Adresse ist neu.", "Ich habe eine neue E-Mail - Adresse."],
    },
    {
      hypothesis: "&quot;Hallo&quot;, sagte sie &amp; ging.",
      references: ['"Hallo", sagte sie und ging.', "„Hallo“, sagte sie & ging."],
    },
    { hypothesis: "Geht's dir gut?", references: ["Geht es dir gut?", "Geht's dir gut?", "Wie geht's?"] },
    { hypothesis: "DAS IST GUT.", references: ["Das ist gut.", "Das ist schön."] },
    {
      hypothesis: "Tom ist   im Büro.",
      references: ["Tom ist im Büro.", "Tom ist in seinem Büro.", "Tom arbeitet im Büro.", "Tom ist gerade im Büro."],
    },
    {
      hypothesis: "Wir treffen uns um 10:30 Uhr.",
      references: ["Wir treffen uns um 10.30 Uhr.", "Wir sehen uns um halb elf."],
    },
    {
      hypothesis: "Es sind 1.000.000 Menschen.",
      references: ["Es sind eine Million Menschen.", "Das sind 1.000.000 Menschen."],
    },
    {
      hypothesis: "Kannst du mir (bitte) helfen?",
      references: ["Kannst du mir bitte helfen?", "Hilfst du mir bitte?"],
    },
    {
      hypothesis: "Ich mag Äpfel, Birnen und Öl.",
      references: ["Ich mag Äpfel, Birnen und Öl.", "Äpfel, Birnen und Öl mag ich."],
    },
    { hypothesis: "Straße", references: ["Die Straße.", "Eine Straße."] },
    { hypothesis: "Sie lacht... und lacht.", references: ["Sie lacht und lacht.", "Sie lacht … und lacht."] },
    {
      hypothesis: "Das ist Toms Hund!",
      references: ["Das ist Toms Hund!", "Der Hund gehört Tom.", "Das ist der Hund von Tom!"],
    },
    { hypothesis: "Wo ist der Bahnhof?Ich weiß es nicht.", references: ["Wo ist der Bahnhof? Ich weiß es nicht."] },
  ];
  const out = {
    description:
      "BLEU/chrF fixture: 136 sentences, 1 to 4 references each. Made by scripts/make-metrics-fixture.js; the sacrebleu block by scripts/sacrebleu_fixture.py.",
    sentences: [...sentences, ...handWritten.map((x) => ({ source: null, ...x }))],
  };
  const file = path.join(__dirname, "..", "test", "fixtures", "metrics-multiref.json");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(out, null, 1) + "\n");
  console.log(JSON.stringify({ file, sentences: out.sentences.length }));
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
