/**
 * `npm run export-web`: a model trained here (in a temporary folder, on the built-in corpus) exported as a
 * static site, opened from file:// in headless Chromium with the network blocked. Typed test sentences
 * must translate exactly as `npm run translate` translates them (greedy, and beam search of width 3), with a
 * heatmap whose rows sum to 1, and no console error; an empty box, a 3,000-character sentence, an unknown
 * word and a bad beam width get a message. The command line: --help, bad flags (one line, exit 2), and an
 * --out that holds someone's files (refused, untouched). Sizes and start-up time go to
 * artifacts/screenshots/export-web.json, with a screenshot.
 */
import { describe, it, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { chromium, Browser, Page } from "playwright-core";
import { prepareData, Vocabulary } from "attention-workbook";
import { CHROMIUM, CHROMIUM_ARGS } from "attention-workbook/plots";
import { checkBeamWidth, checkSentence } from "attention-workbook/dist/cli/web/messages";
import { cli, tmpDir } from "./helpers";
import { SCREENSHOTS, watchErrors } from "./browser-helpers";

/** The model: small enough to train in seconds, trained enough to write varied German. */
const TRAIN = ["--attention", "bahdanau", "--epochs", "3", "--hidden", "48", "--embedding", "32", "--seed", "1"];
const SENTENCES = 20;

interface CliTranslation {
  source: string;
  translation: string;
  outputLabels: string[];
  attention: number[][];
}

/** What the page shows for the sentence in its box, once it has translated it and drawn its heatmap. */
interface Shown {
  state: string;
  text: string;
  message: string;
  labels: string[];
  z: number[][];
}

/** Types `text` into the box (or fills it at once) and waits until the page shows the result for it. */
async function typeAndRead(page: Page, text: string, beam: number, typed = false): Promise<Shown> {
  const box = page.locator("#text");
  if (typed) {
    await box.fill("");
    await box.pressSequentially(text, { delay: 5 });
  } else await box.fill(text);
  await page.waitForFunction(
    ({ text, beam }) => {
      const out = document.getElementById("translation")!.dataset;
      if (out.source !== text) return false;
      if (out.state === "message") return true;
      return out.beam === String(beam) && document.getElementById("figures")!.dataset.drawn === `${beam}:${text}`;
    },
    { text, beam },
    { timeout: 30_000 },
  );
  return page.evaluate(() => {
    const graph = document.getElementById("heatmap") as unknown as {
      data?: Array<{ z: number[][] }>;
      layout?: { yaxis: { ticktext: string[] } };
    };
    return {
      state: document.getElementById("translation")!.dataset.state ?? "",
      text: document.getElementById("translation")!.dataset.text ?? "",
      message: document.getElementById("message")!.textContent ?? "",
      labels: graph.layout?.yaxis.ticktext ?? [],
      z: graph.data?.[0].z ?? [],
    };
  });
}

/** Checks what the page showed against the command line's translation of the same sentence. */
function assertSame(shown: Shown, expected: CliTranslation, what: string): void {
  assert.equal(shown.state, "done", `${what}: ${shown.message}`);
  assert.equal(shown.text, expected.translation, `${what}: the page's translation`);
  assert.deepEqual(shown.labels, expected.outputLabels, `${what}: the heatmap's rows`);
  assert.equal(shown.z.length, expected.attention.length, `${what}: heatmap rows`);
  shown.z.forEach((row, i) => {
    const sum = row.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-4, `${what}: heatmap row ${i} sums to ${sum}`);
    row.forEach((w, j) =>
      assert.ok(Math.abs(w - expected.attention[i][j]) < 2e-3, `${what}: weight [${i},${j}] ${w} vs the CLI's`),
    );
  });
}

describe("export-web: a checkpoint as a static site", () => {
  let work: string;
  let checkpoint: string;
  let site: string;
  let sentences: string[];
  let browser: Browser;
  const measured: Record<string, unknown> = {};

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (npm test installs Debian's chromium)`);
    work = tmpDir("workbook-export-web-");
    checkpoint = path.join(work, "04-bahdanau");
    site = path.join(work, "site");
    const trained = cli("train.js", [...TRAIN, "--out", checkpoint], 120_000);
    assert.equal(trained.status, 0, trained.stderr);
    sentences = prepareData({ seed: 1 })
      .splits.test.slice(0, SENTENCES)
      .map((p) => p.english);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
    if (Object.keys(measured).length) {
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      fs.writeFileSync(path.join(SCREENSHOTS, "export-web.json"), `${JSON.stringify(measured, null, 1)}\n`);
    }
  });

  it("writes index.html, one bundle, model.js and its marker; prints where the page is", () => {
    const r = cli("export-web.js", ["--checkpoint", checkpoint, "--out", site], 120_000);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^open it: file:\/\/\S+\/site\/index\.html in any browser/m);
    const names = fs.readdirSync(site).sort();
    assert.deepEqual(names, ["app.js", "index.html", "model.js", "workbook-export.json"]);
    const sizes = Object.fromEntries(names.map((n) => [n, fs.statSync(path.join(site, n)).size]));
    measured.siteBytes = sizes;
    measured.siteTotalBytes = Object.values(sizes).reduce((a, b) => a + b, 0);
    measured.exportSeconds = r.json.seconds;
    assert.deepEqual(
      Object.fromEntries((r.json.files as Array<{ name: string; bytes: number }>).map((f) => [f.name, f.bytes])),
      sizes,
      "the sizes it printed",
    );
    for (const file of ["index.html", "app.js", "model.js", "workbook-export.json"])
      assert.ok(!fs.readFileSync(path.join(site, file), "utf8").includes(work), `${file} names the local folder`);
  });

  it("the model's card holds the BLEU that npm run evaluate measures on the checkpoint's test split", () => {
    const ev = cli("evaluate.js", ["--checkpoint", checkpoint, "--split", "test"], 120_000);
    assert.equal(ev.status, 0, ev.stderr);
    const text = fs.readFileSync(path.join(site, "model.js"), "utf8");
    const model = JSON.parse(
      text
        .slice(text.indexOf("=") + 1)
        .trim()
        .replace(/;$/, ""),
    ) as {
      card: Array<{ label: string; value: string }>;
    };
    const line = model.card.find((l) => l.label === "BLEU on the test split")?.value ?? "";
    const bleu = (ev.json.bleu as number).toFixed(1);
    const lower = (ev.json.bleuLowercase as number).toFixed(1);
    assert.equal(
      line,
      `${bleu} (lower-cased ${lower}) on its ${ev.json.sentences} test sentences, greedy, measured at export`,
    );
    measured.cardBleu = line;
  });

  it("translates typed sentences as npm run translate does (greedy and beam 3), offline from file://", async () => {
    const greedy = cli("translate.js", ["--checkpoint", checkpoint, "--json", ...sentences], 60_000);
    const beam = cli("translate.js", ["--checkpoint", checkpoint, "--json", "--beam", "3", ...sentences], 60_000);
    assert.equal(greedy.status, 0, greedy.stderr);
    assert.equal(beam.status, 0, beam.stderr);
    const expected = {
      1: greedy.json.translations as CliTranslation[],
      3: beam.json.translations as CliTranslation[],
    };
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors = watchErrors(page);
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.route(/^(https?|wss?):/, (route) => route.abort());
    const opened = Date.now();
    await page.goto(`file://${path.join(site, "index.html")}`);
    await page.waitForFunction(() => document.getElementById("app")!.dataset.ready !== "false", null, {
      timeout: 60_000,
    });
    const app = await page.evaluate(() => ({ ...document.getElementById("app")!.dataset }));
    assert.equal(app.ready, "true", (await page.locator("#message").textContent()) ?? "");
    measured.firstTranslationMs = Number(app.firstTranslationMs);
    measured.firstFiguresMs = Number(app.firstFiguresMs);
    measured.readyMsFromGoto = Date.now() - opened;
    measured.backend = app.backend;
    measured.backendLine = await page.locator("#backend").textContent();
    for (const width of [1, 3] as const) {
      if (width === 3) {
        await page.locator("#beam-on").check();
        await page.locator("#beam-width").fill("3");
      }
      for (const [i, sentence] of sentences.entries()) {
        const shown = await typeAndRead(page, sentence, width, i === 0);
        assertSame(shown, expected[width][i], `sentence ${i + 1} (${JSON.stringify(sentence)}), beam ${width}`);
      }
    }
    measured.secondsFor40Translations = (Date.now() - opened) / 1000;
    await page.screenshot({ path: path.join(SCREENSHOTS, "export-web.png"), fullPage: true });
    assert.deepEqual(
      requests.filter((u) => !u.startsWith("file:") && !u.startsWith("data:")),
      [],
      "requests beyond the site",
    );
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("served by a static host, says what is wrong with an empty box, an over-long sentence, unknown words and a bad beam width", async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.route(/^(https?|wss?):/, (route) => route.abort());
    // A static host: the site's files as they are, with their content types (routes run newest first).
    const types: Record<string, string> = {
      ".html": "text/html",
      ".js": "text/javascript",
      ".json": "application/json",
    };
    await page.route("http://workbook.test/**", (route) => {
      const file = path.join(site, new URL(route.request().url()).pathname);
      return route.fulfill({ path: file, contentType: types[path.extname(file)] ?? "application/octet-stream" });
    });
    await page.goto("http://workbook.test/index.html");
    await page.waitForFunction(() => document.getElementById("app")!.dataset.ready === "true", null, {
      timeout: 60_000,
    });
    const empty = await typeAndRead(page, "   ", 1);
    assert.equal(empty.state, "message");
    assert.match(empty.message, /empty/);
    const long = await typeAndRead(page, "she kissed him . ".repeat(200).slice(0, 3000), 1);
    assert.equal(long.state, "message");
    assert.match(long.message, /3,000 characters; a sentence may have at most 2,000/);
    const unknown = await typeAndRead(page, "She kissed the xylophone.", 1);
    assert.equal(unknown.state, "done");
    assert.match(unknown.message, /Not in the model's vocabulary: “xylophone”/);
    const none = await typeAndRead(page, "😀 qwertz", 1);
    assert.match(none.message, /None of these words/);
    await page.locator("#beam-on").check();
    await page.locator("#beam-width").fill("0");
    await page.waitForFunction(() =>
      /^Beam width "0": expected an integer in \[1, 100\]/.test(document.getElementById("message")!.textContent ?? ""),
    );
    assert.equal(await page.evaluate(() => document.getElementById("translation")!.dataset.state), "message");
    const text = await page.locator("body").innerText();
    assert.doesNotMatch(text, /\bat \S+\.js:\d+|TypeError|ReferenceError/, "no stack trace in the page");
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("--help answers; bad flags get one error line and exit 2; an --out with other files is refused untouched", () => {
    const help = cli("export-web.js", ["--help"]);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^usage: npm run export-web -- --checkpoint DIR --out SITE/);
    const foreign = path.join(work, "my-files");
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, "thesis.tex"), "mine");
    const file = path.join(work, "a-file");
    fs.writeFileSync(file, "x");
    const cases: Array<[string[], RegExp]> = [
      [["--checkpoint", checkpoint, "--out", site, "--bogus"], /unknown flag --bogus/],
      [["--out", site], /--checkpoint DIR is required/],
      [["--checkpoint", checkpoint], /--out SITE is required/],
      [["--checkpoint", path.join(work, "nowhere"), "--out", site], /--checkpoint .*nowhere: no such directory/],
      [["--checkpoint", work, "--out", site], /--checkpoint .*: not a checkpoint/],
      [["--checkpoint", checkpoint, "--out", foreign], /--out .*my-files already holds other files \(thesis\.tex\)/],
      [["--checkpoint", checkpoint, "--out", file], /--out .*a-file is a file, not a directory/],
      [["--checkpoint", checkpoint, "--out", site, "extra"], /unexpected argument "extra"/],
    ];
    for (const [args, expected] of cases) {
      const r = cli("export-web.js", args);
      assert.equal(r.status, 2, `${args.join(" ")}: exit ${r.status}\n${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^error: /);
      assert.match(lines[0], expected);
    }
    assert.deepEqual(fs.readdirSync(foreign), ["thesis.tex"]);
    assert.equal(fs.readFileSync(file, "utf8"), "x");
  });

  it("a second export replaces the earlier one and keeps files the user added to it", () => {
    fs.writeFileSync(path.join(site, "CNAME"), "translate.example.org\n");
    const r = cli(
      "export-web.js",
      ["--checkpoint", checkpoint, "--out", site, "--example", "Does the dog see her?"],
      120_000,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(site).sort(), [
      "CNAME",
      "app.js",
      "index.html",
      "model.js",
      "workbook-export.json",
    ]);
    assert.match(fs.readFileSync(path.join(site, "model.js"), "utf8"), /"example":"Does the dog see her\?"/);
  });

  it("checks input as the translate CLI does (the page's messages, in Node)", () => {
    const vocab = new Vocabulary(["_PAD", "_SOS", "_EOS", "_UNK", "she", "kissed", "him", "."]);
    assert.deepEqual(checkSentence("She kissed him.", vocab, {}), { ok: true });
    assert.equal(checkSentence("", vocab, {}).ok, false);
    assert.equal(checkSentence("x".repeat(2001), vocab, {}).ok, false);
    assert.equal(checkSentence("x".repeat(2000), vocab, {}).ok, true);
    assert.deepEqual(checkBeamWidth("3"), { ok: true, beam: 3 });
    for (const bad of ["0", "101", "2.5", "", "three"]) assert.equal(checkBeamWidth(bad).ok, false, bad);
  });
});
