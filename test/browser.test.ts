/**
 * Figures in a real browser (headless Chromium driven by playwright-core), outside JupyterLab (see
 * jupyterlab.test.ts): (a) an executed notebook exported to HTML as JupyterLab's File > Save and Export
 * Notebook As > HTML does (nbconvert), moved to a folder outside the repository and opened offline;
 * (b) the classic Notebook after Run All, with the live loss chart growing while it trains; (d) the
 * notebook reopened untrusted; (c) a figure saved with saveFigure; (f) notebook 02 exported and opened offline
 * elsewhere, where its animations play and their sliders move them, then reopened untrusted, where every
 * figure (the drawings and the animations' final frames too) shows a static picture with its labels; (e) a
 * page with no plotly.js at all keeps its static picture; (g) the drawings of 00 and 08 saved as pages and
 * pictures. Every Plotly figure must render (an
 * SVG with the expected tick labels) with no JavaScript errors and no error text. Notebooks run from a
 * temporary copy; screenshots go to artifacts/screenshots/.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the classic Notebook's page objects (window.Jupyter, its cells) have no types */
import { describe, it, before, after } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, Browser, Page } from "playwright-core";
import { heatmap, architectureFigure, encoderDecoderFigure } from "attention-workbook";
import { saveFigure, standaloneHtml, drawingTexts, CHROMIUM, CHROMIUM_ARGS, Figure } from "attention-workbook/plots";
import { runNotebook, jupyterPython as pythonWith } from "./notebook-runner";
import { makeWorkspace, setFastEpochs, Workspace, root } from "./workspace";
import { SCREENSHOTS, graphTitled, increases, playAndSlide, startJupyter, watchErrors } from "./browser-helpers";

const classicPython = () => pythonWith(["notebook", "nbconvert"]);

const outDir = SCREENSHOTS;
const NOTEBOOK = "04-train-bahdanau.ipynb"; // a heatmap, a grid and a live training chart

interface FigureInfo {
  ticks: string[];
  svg: boolean;
}

async function figures(page: Page): Promise<FigureInfo[]> {
  return page.$$eval(".workbook-plotly", (divs) =>
    divs.map((d) => ({
      svg: Boolean(d.querySelector("svg.main-svg")),
      ticks: Array.from(d.querySelectorAll(".xtick text, .ytick text")).map((t) => (t as Element).textContent ?? ""),
    })),
  );
}

async function waitForFigures(page: Page, atLeast: number, timeout = 60000): Promise<FigureInfo[]> {
  const start = Date.now();
  for (;;) {
    const f = await figures(page);
    if (f.length >= atLeast && f.every((x) => x.svg)) return f;
    if (Date.now() - start > timeout) return f;
    await page.waitForTimeout(500);
  }
}

/**
 * Opens an executed notebook, copied into a folder of its own (so it is not trusted), in the classic Notebook:
 * every figure must show its static picture and no script may have run. For notebook 02: the drawings' labels,
 * the final frame of the decoding animation and the moving query's first position are in the pictures.
 */
async function untrustedPictures(browser: Browser, ws: Workspace, executed: string, name: string): Promise<void> {
  const dir = path.join(ws.dir, `untrusted-${name.slice(0, 2)}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(executed, path.join(dir, name));
  const server = await startJupyter(classicPython(), "notebook", dir);
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(`http://127.0.0.1:${server.port}/notebooks/${name}`);
    await page.waitForFunction(() => (window as any).Jupyter?.notebook?.get_cells?.().length > 0, undefined, {
      timeout: 60000,
    });
    await page.waitForTimeout(1000);
    assert.equal(await page.evaluate(() => (window as any).Jupyter.notebook.trusted), false);
    const pictures = await page.$$eval(".workbook-plotly", (divs) =>
      divs.map((d) => {
        const img = d.querySelector("img.workbook-static") as HTMLImageElement | null;
        const svg = img && img.src.startsWith("data:image/svg+xml;base64,") ? atob(img.src.split(",")[1]) : "";
        const doc = new DOMParser().parseFromString(
          new TextDecoder().decode(Uint8Array.from(svg, (c) => c.charCodeAt(0))),
          "image/svg+xml",
        );
        return {
          shown: Boolean(img && img.complete && img.naturalWidth > 0),
          labels: Array.from(doc.querySelectorAll("text")).map((t) => t.textContent ?? ""),
          plotly: Boolean(d.querySelector(".main-svg")),
        };
      }),
    );
    assert.ok(pictures.length >= 15, `figures: ${pictures.length}`);
    pictures.forEach((p, i) => {
      assert.ok(p.shown && !p.plotly, `figure ${i}: static picture ${p.shown}, scripts ran ${p.plotly}`);
      assert.ok(p.labels.length > 0, `figure ${i}: a picture without text`);
    });
    const all = pictures.flatMap((p) => p.labels);
    for (const label of ["query hₜ", "h̃ₜ = tanh(Wc[cₜ; hₜ])", "RNN step → hₜ", "0.964", "q", "kissed"])
      assert.ok(all.includes(label), `"${label}" missing from the static pictures`);
    await page
      .locator(".workbook-plotly")
      .first()
      .screenshot({ path: path.join(outDir, "untrusted-02-architecture.png") });
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await server.stop();
  }
}

describe("figures in headless Chromium", () => {
  let browser: Browser;
  let ws: Workspace;
  let executed: string;
  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (npm test installs Debian's chromium)`);
    fs.mkdirSync(outDir, { recursive: true });
    ws = makeWorkspace("workbook-browser-");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    ws?.remove();
  });

  it("(a) an executed notebook exported to HTML, moved to another folder and opened offline, shows every figure", async () => {
    executed = path.join(ws.dir, "executed", NOTEBOOK);
    const r = runNotebook(path.join(ws.notebooks, NOTEBOOK), executed, false);
    assert.equal(r.status, 0, r.output);
    const nb = JSON.parse(fs.readFileSync(executed, "utf8"));
    const outputs = nb.cells.flatMap((c: { outputs?: Array<{ data?: Record<string, unknown> }> }) => c.outputs ?? []);
    const figureOutputs = outputs.filter(
      (o: { data?: Record<string, unknown> }) => o.data?.["application/vnd.plotly.v1+json"],
    );
    assert.ok(figureOutputs.length >= 3, `figures: ${figureOutputs.length}`);
    // Each figure stays small; plotly.js is in the notebook once (includePlotly in the first cell).
    for (const o of figureOutputs)
      assert.ok(
        JSON.stringify(o).length < 100 * 1024,
        `a figure output of ${Math.round(JSON.stringify(o).length / 1024)} KB`,
      );
    const embeds = outputs.filter((o: { data?: Record<string, string> }) =>
      String(o.data?.["text/html"] ?? "").includes('class="workbook-plotly-embed"'),
    );
    assert.equal(embeds.length, 1, "plotly.js is included exactly once");

    // As JupyterLab's export does (nbconvert, HTML, the lab template), then moved away from notebooks/.
    const exportDir = fs.mkdtempSync(path.join(os.tmpdir(), "workbook-export-"));
    try {
      const conv = spawnSync(
        pythonWith(["nbconvert", "jupyterlab"]),
        ["-m", "nbconvert", "--to", "html", "--output-dir", exportDir, executed],
        { encoding: "utf8" },
      );
      assert.equal(conv.status, 0, conv.stderr);
      const html = path.join(exportDir, NOTEBOOK.replace(/\.ipynb$/, ".html"));
      const moved = path.join(
        fs.mkdtempSync(path.join(os.tmpdir(), "workbook-downloads-")),
        "shared-with-a-friend.html",
      );
      fs.renameSync(html, moved);
      fs.rmSync(exportDir, { recursive: true, force: true });
      assert.ok(!fs.existsSync(path.join(path.dirname(moved), "_static")), "nothing beside the exported file");
      const sizes = {
        savedNotebookBytes: fs.statSync(executed).size,
        exportedHtmlBytes: fs.statSync(moved).size,
        committedNotebookBytes: fs.statSync(path.join(root, "notebooks", NOTEBOOK)).size,
      };
      fs.writeFileSync(path.join(outDir, "sizes.json"), `${JSON.stringify(sizes, null, 1)}\n`);
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors = watchErrors(page);
      await page.route(/^(https?|wss?):/, (route) => route.abort()); // offline: nothing from the network
      await page.goto(`file://${moved}`);
      const figs = await waitForFigures(page, figureOutputs.length);
      await page.screenshot({ path: path.join(outDir, "exported-html.png"), fullPage: true });
      assert.equal(figs.length, figureOutputs.length);
      figs.forEach((f, i) => assert.ok(f.svg, `figure ${i} is not drawn (no interactive SVG)`));
      const ticks = figs.flatMap((f) => f.ticks);
      for (const token of ["she", "has", "kissed", "him"])
        assert.ok(ticks.includes(token), `tick label ${token} missing: ${ticks.join(" ")}`);
      const text = await page.evaluate(() => document.body.innerText);
      assert.doesNotMatch(text, /not found|npm start|Error/, "error text in the exported page");
      assert.deepEqual(errors, []);
      await page.close();
      fs.rmSync(path.dirname(moved), { recursive: true, force: true });

      // The README's way to typeset equations offline: export with a MathJax on this machine.
      const mathjax = "/usr/share/javascript/mathjax/MathJax.js";
      assert.ok(fs.existsSync(mathjax), `no MathJax at ${mathjax} (npm test installs Debian's libjs-mathjax)`);
      const withMath = spawnSync(
        pythonWith(["nbconvert", "jupyterlab"]),
        [
          "-m",
          "nbconvert",
          "--to",
          "html",
          `--HTMLExporter.mathjax_url=file://${mathjax}?config=TeX-AMS_CHTML`,
          "--output-dir",
          exportDir,
          executed,
        ],
        { encoding: "utf8" },
      );
      assert.equal(withMath.status, 0, withMath.stderr);
      const mathPage = await browser.newPage();
      await mathPage.route(/^(https?|wss?):/, (route) => route.abort());
      await mathPage.goto(`file://${path.join(exportDir, NOTEBOOK.replace(/\.ipynb$/, ".html"))}`);
      await mathPage.waitForFunction(
        () => document.querySelectorAll(".MathJax_CHTML, .mjx-chtml").length > 0,
        undefined,
        { timeout: 30000 },
      );
      assert.doesNotMatch(
        await mathPage.evaluate(() => document.body.innerText),
        /\$v\^\\top/,
        "raw TeX left in the page",
      );
      await mathPage.close();
    } finally {
      fs.rmSync(exportDir, { recursive: true, force: true });
    }
  });

  it("(b) the classic Notebook after Run All shows every figure, and the live chart grows while it trains", async () => {
    const live = path.join(ws.dir, "classic");
    fs.cpSync(ws.notebooks, live, { recursive: true });
    // A longer fast-mode run in this copy (100 epochs, 800 batches), so the chart's growth can be watched
    // at its default pace of at most one redraw a second.
    setFastEpochs(path.join(live, NOTEBOOK), 100);
    const server = await startJupyter(classicPython(), "notebook", live, { WORKBOOK_FAST: "1" });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors = watchErrors(page);
      await page.goto(`http://127.0.0.1:${server.port}/notebooks/${NOTEBOOK}`);
      await page.waitForFunction(() => (window as any).Jupyter?.notebook?.kernel?.is_connected?.(), undefined, {
        timeout: 60000,
      });
      // Record the live chart's point count (the figure in the cell that starts the chart) as it changes.
      await page.evaluate(() => {
        const w = window as any;
        w.__samples = [];
        w.__sampler = setInterval(() => {
          const cell = w.Jupyter.notebook.get_cells().find((c: any) => c.get_text().includes("s04.chart.start()"));
          const graph = cell?.output_area?.element?.[0]?.querySelector(".workbook-plotly");
          const points = graph?.data?.[0]?.x?.length ?? -1;
          const last = w.__samples[w.__samples.length - 1];
          if (!last || last.points !== points) w.__samples.push({ points });
        }, 15);
      });
      await page.evaluate(() => (window as any).Jupyter.notebook.execute_all_cells());
      await page.waitForFunction(
        () => {
          const nb = (window as any).Jupyter.notebook;
          return (
            nb
              .get_cells()
              .filter((c: any) => c.cell_type === "code")
              .every((c: any) => typeof c.input_prompt_number === "number") && nb.kernel_busy === false
          );
        },
        undefined,
        { timeout: 300000, polling: 1000 },
      );
      const samples: Array<{ points: number }> = await page.evaluate(() => {
        const w = window as any;
        clearInterval(w.__sampler);
        return w.__samples;
      });
      const figs = await waitForFigures(page, 3);
      await page.screenshot({ path: path.join(outDir, "classic-notebook.png"), fullPage: true });
      assert.ok(figs.length >= 3, `figures in the live notebook: ${figs.length}`);
      figs.forEach((f, i) => assert.ok(f.svg, `live figure ${i} has no SVG`));
      assert.ok(figs.flatMap((f) => f.ticks).includes("kissed"), "the heatmap's tick labels");
      const grew = increases(samples);
      const batches = Number(/(\d+) batches in all/.exec(await page.evaluate(() => document.body.innerText))?.[1]);
      console.log(`live chart, classic Notebook: ${grew} increases seen`);
      assert.ok(grew >= 3, `the chart grew ${grew} times: ${JSON.stringify(samples)}`);
      assert.equal(
        samples[samples.length - 1].points,
        batches,
        `the chart ends with ${samples[samples.length - 1].points} points for ${batches} batches`,
      );
      const errorOutputs = await page.$$eval(".output_error, .output_stderr", (els) => els.map((e) => e.textContent));
      assert.deepEqual(errorOutputs, []);
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      await server.stop();
    }
  });

  it("(d) reopened without being trusted, the notebook still shows a static picture of every figure", async () => {
    assert.ok(executed && fs.existsSync(executed), "test (a) writes the executed notebook");
    const dir = path.join(ws.dir, "untrusted");
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(executed, path.join(dir, NOTEBOOK)); // outputs from elsewhere, not signed: untrusted
    const server = await startJupyter(classicPython(), "notebook", dir);
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors = watchErrors(page);
      await page.goto(`http://127.0.0.1:${server.port}/notebooks/${NOTEBOOK}`);
      await page.waitForFunction(() => (window as any).Jupyter?.notebook?.get_cells?.().length > 0, undefined, {
        timeout: 60000,
      });
      await page.waitForTimeout(1000);
      const trusted = await page.evaluate(() => (window as any).Jupyter.notebook.trusted);
      assert.equal(trusted, false, "the copied notebook opens untrusted");
      const pictures = await page.$$eval(".workbook-plotly", (divs) =>
        divs.map((d) => {
          const img = d.querySelector("img.workbook-static") as HTMLImageElement | null;
          const svg = img && img.src.startsWith("data:image/svg+xml;base64,") ? atob(img.src.split(",")[1]) : "";
          return {
            staticSvg: Boolean(img && img.complete && img.naturalWidth > 0),
            labels: Array.from(new DOMParser().parseFromString(svg, "image/svg+xml").querySelectorAll("text")).map(
              (t) => t.textContent,
            ),
            plotly: Boolean(d.querySelector(".main-svg")),
          };
        }),
      );
      await page.locator(".workbook-plotly").nth(1).scrollIntoViewIfNeeded();
      await page
        .locator(".workbook-plotly")
        .nth(1)
        .screenshot({ path: path.join(outDir, "untrusted.png") });
      assert.ok(pictures.length >= 3, `figures: ${pictures.length}`);
      pictures.forEach((p, i) => {
        assert.ok(p.staticSvg, `figure ${i}: no static picture`);
        assert.ok(!p.plotly, `figure ${i}: scripts ran in an untrusted notebook`);
      });
      assert.ok(
        pictures.some((p) => p.labels.includes("kissed")),
        "the heatmap's labels are in the picture",
      );
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      await server.stop();
    }
  });

  it("(f) notebook 02's pictures: exported and opened offline elsewhere, the animations play and their sliders move them; untrusted, each shows its picture", async () => {
    const name = "02-luong-step-by-step.ipynb";
    const executed02 = path.join(ws.dir, "executed", name);
    const r = runNotebook(path.join(ws.notebooks, name), executed02, false);
    assert.equal(r.status, 0, r.output);
    const exportDir = fs.mkdtempSync(path.join(os.tmpdir(), "workbook-export-02-"));
    const away = fs.mkdtempSync(path.join(os.tmpdir(), "workbook-downloads-02-"));
    try {
      const conv = spawnSync(
        pythonWith(["nbconvert", "jupyterlab"]),
        ["-m", "nbconvert", "--to", "html", "--output-dir", exportDir, executed02],
        { encoding: "utf8" },
      );
      assert.equal(conv.status, 0, conv.stderr);
      const moved = path.join(away, "luong.html");
      fs.renameSync(path.join(exportDir, name.replace(/\.ipynb$/, ".html")), moved);
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors = watchErrors(page);
      await page.route(/^(https?|wss?):/, (route) => route.abort()); // offline
      await page.goto(`file://${moved}`);
      const figs = await waitForFigures(page, 15);
      figs.forEach((f, i) => assert.ok(f.svg, `figure ${i} is not drawn`));
      for (const title of ["Move the query", "Luong decoding"]) {
        const played = await playAndSlide(page, graphTitled(page, ".workbook-plotly", title), errors);
        console.log(`exported ${title}: ${played.frames} frames, played; slider to ${played.slid.join(", ")}`);
      }
      await graphTitled(page, ".workbook-plotly", "Move the query").screenshot({
        path: path.join(outDir, "exported-html-moving-query.png"),
      });
      assert.doesNotMatch(await page.evaluate(() => document.body.innerText), /not found|npm start|Error/);
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      fs.rmSync(exportDir, { recursive: true, force: true });
      fs.rmSync(away, { recursive: true, force: true });
    }
    await untrustedPictures(browser, ws, executed02, name);
  });

  it("(g) the drawings of 00 and 08, saved as pages and pictures, draw every label they hold", async () => {
    const dir = path.join(outDir, "pictures");
    const figs: Array<[string, Figure]> = [
      ["00-encoder-decoder", encoderDecoderFigure()],
      ["08-bottleneck", architectureFigure("none", { sourceWords: ["she", "kissed", "him", "."] })],
    ];
    for (const [name, fig] of figs) {
      const saved = await saveFigure(fig, path.join(dir, `library-${name}.html`), { png: true });
      assert.ok(saved.png && fs.statSync(saved.png).size > 5000, `${name}: ${saved.pngSkipped ?? "no picture"}`);
      const page = await browser.newPage();
      const errors = watchErrors(page);
      await page.goto(`file://${path.resolve(saved.html)}`);
      await page.waitForSelector("#figure .main-svg");
      const labels = await page.$$eval("#figure .annotation-text", (els) => els.map((e) => e.textContent ?? ""));
      for (const label of drawingTexts(fig)) assert.ok(labels.includes(label), `${name}: "${label}" not drawn`);
      assert.deepEqual(errors, []);
      await page.close();
    }
  });

  it("(c) saveFigure writes a standalone UTF-8 page whose 12-token heatmap labels are readable", async () => {
    const source = "the girl has picked the young dog near the old house .".split(" ");
    const target = "das mädchen hat den jungen hund beim alten haus abgeholt küsste .".split(" ");
    const weights = target.map((_, i) => source.map((_, j) => (i === j ? 0.6 : 0.4 / (source.length - 1))));
    const saved = await saveFigure(
      heatmap(weights, source, target, { title: "Zwölf Wörter: küsste, Mädchen" }),
      path.join(outDir, "heatmap-12"),
    );
    assert.ok(saved.png && fs.existsSync(saved.png), `no PNG: ${saved.pngSkipped}`);
    assert.match(fs.readFileSync(saved.html, "utf8"), /<meta charset="utf-8">/);
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`file://${path.resolve(saved.html)}`);
    await page.waitForSelector("#figure .main-svg");
    const ticks = await page.$$eval("#figure .ytick text", (els) => els.map((e) => e.textContent));
    assert.ok(ticks.includes("küsste") && ticks.includes("mädchen"), `umlauts: ${ticks.join(" ")}`);
    assert.equal(ticks.length, 12);
    const xs = await page.$$eval("#figure .xtick text", (els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
      }),
    );
    assert.equal(xs.length, 12);
    const overlap = (a: { left: number; right: number; top: number; bottom: number }, b: typeof a) =>
      a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    for (let i = 1; i < xs.length; i++)
      assert.ok(!overlap(xs[i - 1], xs[i]), `x tick labels ${i - 1} and ${i} overlap`);
    assert.deepEqual(errors, []);
    await page.close();
  });
  it("(e) a figure page with no plotly.js anywhere keeps its static picture, with no error text", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workbook-noplotly-"));
    try {
      const fig = heatmap(
        [
          [0.9, 0.1],
          [0.2, 0.8],
        ],
        ["she", "kissed"],
        ["sie", "küsste"],
        { title: "No plotly.js here" },
      );
      fs.writeFileSync(path.join(dir, "figure.html"), standaloneHtml(fig)); // looks for _static/plotly.js: not there
      const page = await browser.newPage();
      const errors = watchErrors(page);
      await page.route(/^(https?|wss?):/, (route) => route.abort());
      await page.goto(`file://${path.join(dir, "figure.html")}`);
      await page.waitForTimeout(1500);
      const state = await page.evaluate(() => ({
        picture: Boolean((document.querySelector("img.workbook-static") as HTMLImageElement | null)?.naturalWidth),
        text: document.body.innerText,
      }));
      assert.ok(state.picture, "the static picture is gone");
      assert.doesNotMatch(state.text, /not found|npm start|error/i);
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
