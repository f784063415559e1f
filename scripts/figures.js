#!/usr/bin/env node
/**
 * `npm run figures [-- --reference DIR] [--out DIR] [--only 04,08]`: small PNG pictures of the reference
 * run's figures for the teacher's guide. Opens each executed notebook that `npm run timings` rendered to
 * HTML (docs/reference/) in headless Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH), finds the Plotly
 * figure by its title, draws it at 560 × 360 pixels (a grid larger) and saves it as docs/figures/<name>.png.
 *
 * The pictures show what a full run on the measuring machine drew; regenerate them after `npm run timings`.
 */
/* global document, window -- the functions given to page.evaluate run in the page */
const fs = require("node:fs");
const path = require("node:path");
const { root, log } = require("./lib");

/**
 * [notebook, the figure's title starts with, picture name, optional [width, height] in pixels (560 × 360), or
 * "own" for the figure's own size (the drawings, measured in pixels, and the animations)].
 */
const FIGURES = [
  ["00-setup", "A made-up attention map", "00-attention-map"],
  ["00-setup", "The encoder-decoder with attention", "00-encoder-decoder", "own"],
  ["01-bahdanau-step-by-step", "Bahdanau: s", "01-architecture", "own"],
  ["01-bahdanau-step-by-step", "Step 2:", "01-step2-additive-score", "own"],
  ["01-bahdanau-step-by-step", "Step 3:", "01-step3-softmax", "own"],
  ["01-bahdanau-step-by-step", "Step 4:", "01-step4-context", "own"],
  ["01-bahdanau-step-by-step", "Step 5: the RNN step", "01-step5-rnn-step", "own"],
  ["01-bahdanau-step-by-step", "Step 5: the classifier", "01-step5-word-probabilities", "own"],
  ["01-bahdanau-step-by-step", "Attention weights while writing", "01-first-step-weights"],
  ["01-bahdanau-step-by-step", "Bahdanau decoding", "01-decoding-animation", "own"],
  ["02-luong-step-by-step", "Luong: RNN step", "02-architecture", "own"],
  ["02-luong-step-by-step", "When attention runs", "02-before-or-after", "own"],
  ["02-luong-step-by-step", "Step 3: the concat score", "02-step3-concat", "own"],
  ["02-luong-step-by-step", "Move the query", "02-moving-query", "own"],
  ["02-luong-step-by-step", "Step 6:", "02-step6-attentional-state", "own"],
  ["02-luong-step-by-step", "Luong decoding", "02-decoding-animation", "own"],
  ["08-why-attention", "No attention:", "08-bottleneck", "own"],
  ["04-train-bahdanau", "Bahdanau: loss per target token", "04-loss"],
  ["04-train-bahdanau", "Bahdanau: She has kissed him.", "04-heatmap"],
  ["06-compare", "Forced decoding of", "06-gold-alignment", [760, 820]],
  ["08-why-attention", "Test BLEU by English sentence length", "08-bleu-by-length"],
  ["09-beam-search-and-teacher-forcing", "Beam 4:", "09-beam-tree", [760, 480]],
  ["10-seed-experiment", "The seed's experiment:", "10-seed-heatmap"],
];

function parse(argv) {
  const out = { reference: path.join(root, "docs/reference"), out: path.join(root, "docs/figures"), only: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--reference") out.reference = path.resolve(argv[++i] ?? "");
    else if (a === "--out") out.out = path.resolve(argv[++i] ?? "");
    else if (a === "--only") out.only = (argv[++i] ?? "").split(",").filter(Boolean);
    else throw new Error(`unknown argument ${JSON.stringify(a)}: use --reference DIR, --out DIR or --only 04,08`);
  }
  if (out.only && out.only.length === 0) throw new Error("--only needs notebook numbers, e.g. --only 04,08");
  return out;
}

async function picture(page, file, titleStart, [width, height], png) {
  await page.goto(`file://${file}`);
  await page.waitForFunction(() => document.querySelectorAll(".js-plotly-plot").length > 0, null, { timeout: 30000 });
  const found = await page.evaluate(
    async ({ start, width, height }) => {
      const plots = [...document.querySelectorAll(".js-plotly-plot")];
      const titleOf = (p) => {
        const t = p.layout?.title;
        return typeof t === "string" ? t : (t?.text ?? "");
      };
      const plot = plots.find((p) => titleOf(p).startsWith(start));
      if (!plot) return plots.map(titleOf);
      plot.id = "figure-to-take";
      document.body.replaceChildren(plot); // alone on the page: nothing else overlaps the picture
      if (width) await window.Plotly.relayout(plot, { width, height, "title.font.size": 13 });
      return true;
    },
    { start: titleStart, width, height },
  );
  if (found !== true)
    throw new Error(`${path.basename(file)}: no figure titled "${titleStart}..." (titles: ${found.join(" | ")})`);
  await page.locator("#figure-to-take .main-svg").first().screenshot({ path: png });
}

async function main() {
  const args = parse(process.argv.slice(2));
  const { chromium } = require("playwright-core");
  const chosen = FIGURES.filter(([nb]) => !args.only || args.only.some((n) => nb.startsWith(n)));
  for (const [nb] of chosen) {
    const file = path.join(args.reference, `${nb}.html`);
    if (!fs.existsSync(file)) throw new Error(`${file}: no reference run of ${nb}; run \`npm run timings\` first`);
  }
  fs.mkdirSync(args.out, { recursive: true });
  // The library's Chromium and flags, as saveFigure uses them (src/plots/save.ts).
  const { CHROMIUM, CHROMIUM_ARGS } = require(path.join(root, "dist/plots/save.js"));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    for (const [nb, title, name, size] of chosen) {
      const png = path.join(args.out, `${name}.png`);
      const pixels = size === "own" ? [undefined, undefined] : (size ?? [560, 360]);
      await picture(page, path.join(args.reference, `${nb}.html`), title, pixels, png);
      log(`figures: ${path.relative(root, png)} (${Math.round(fs.statSync(png).size / 1024)} KiB)`);
    }
  } finally {
    await browser.close();
  }
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`error: ${e.message.split("\n")[0]}\n`);
    process.exit(1);
  });
}
module.exports = { FIGURES };
