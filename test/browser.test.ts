/**
 * Figures in a real browser (headless Chromium driven by playwright-core):
 * (a) the nbconvert HTML of an executed notebook, (b) the notebook in a running Jupyter server after
 * running all cells, (c) a figure saved with saveFigure. Every Plotly figure must render (an SVG with
 * the expected tick labels) with no JavaScript errors. Screenshots are kept in artifacts/browser/.
 */
import { describe, it, before, after } from "node:test";
import * as assert from "node:assert/strict";
import { spawn, spawnSync, ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { chromium, Browser, Page } from "playwright-core";
import { saveFigure, heatmap, writePlotlyAsset, CHROMIUM, CHROMIUM_ARGS } from "attention-workbook";
import { runNotebook, jupyterPython as pythonWith } from "./notebook-runner";

const jupyterPython = () => pythonWith(["notebook", "nbconvert"]);

const root = path.resolve(__dirname, "..");
const outDir = path.join(root, "artifacts", "browser");
const NOTEBOOK = "04-train-bahdanau.ipynb"; // a heatmap, a grid and a live training chart


/** Collects JavaScript errors of a page (uncaught exceptions and console errors, but not offline CDN loads). */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const text = m.text();
    // nbconvert's template and the Notebook reach for CDNs (require.js, MathJax); this machine is offline.
    if (/Failed to load resource|net::ERR_|cdnjs|cdn\.jsdelivr|mathjax/i.test(text)) return;
    // The classic Notebook's own page asks for an icon font at about:blank, which Chromium refuses.
    if (/^Access to font at 'about:blank'/.test(text)) return;
    errors.push(`console: ${text}`);
  });
  return errors;
}

interface FigureInfo { ticks: string[]; svg: boolean }

async function figures(page: Page): Promise<FigureInfo[]> {
  return page.$$eval(".workbook-plotly", (divs) => divs.map((d) => ({
    svg: Boolean(d.querySelector("svg.main-svg")),
    ticks: Array.from(d.querySelectorAll(".xtick text, .ytick text")).map((t) => (t as Element).textContent ?? ""),
  })));
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

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe("figures in headless Chromium", () => {
  let browser: Browser;
  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (npm test installs Debian's chromium)`);
    fs.mkdirSync(outDir, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
  });

  it("(a) the nbconvert HTML of an executed notebook shows every figure", async () => {
    const executed = path.join(outDir, NOTEBOOK);
    const r = runNotebook(path.join(root, "notebooks", NOTEBOOK), executed, false);
    assert.equal(r.status, 0, r.output);
    // Size: each figure output adds less than 100 KB to the notebook.
    const clean = fs.statSync(path.join(root, "notebooks", NOTEBOOK)).size;
    const nb = JSON.parse(fs.readFileSync(executed, "utf8"));
    const figureOutputs = nb.cells.flatMap((c: { outputs?: Array<{ data?: Record<string, unknown> }> }) => c.outputs ?? []).filter((o: { data?: Record<string, unknown> }) => o.data?.["application/vnd.plotly.v1+json"]);
    assert.ok(figureOutputs.length >= 3, `figures: ${figureOutputs.length}`);
    const perFigure = (fs.statSync(executed).size - clean) / figureOutputs.length;
    assert.ok(perFigure < 100 * 1024, `${Math.round(perFigure / 1024)} KB per figure`);

    const conv = spawnSync(jupyterPython(), ["-m", "nbconvert", "--to", "html", "--output-dir", outDir, executed], { encoding: "utf8" });
    assert.equal(conv.status, 0, conv.stderr);
    writePlotlyAsset(outDir); // plotly.js beside the HTML, as set-up puts it beside the notebooks
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(`file://${path.join(outDir, NOTEBOOK.replace(/\.ipynb$/, ".html"))}`);
    const figs = await waitForFigures(page, figureOutputs.length);
    await page.screenshot({ path: path.join(outDir, "nbconvert.png"), fullPage: true });
    assert.equal(figs.length, figureOutputs.length);
    figs.forEach((f, i) => assert.ok(f.svg, `figure ${i} has no SVG`));
    const ticks = figs.flatMap((f) => f.ticks);
    for (const token of ["she", "has", "kissed", "him"]) assert.ok(ticks.includes(token), `tick label ${token} missing: ${ticks.join(" ")}`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("(b) the notebook in a running Jupyter server, after running all cells, shows every figure", async () => {
    const live = path.join(root, "artifacts", "browser-live");
    fs.rmSync(live, { recursive: true, force: true });
    fs.mkdirSync(live, { recursive: true });
    fs.copyFileSync(path.join(root, "notebooks", NOTEBOOK), path.join(live, NOTEBOOK)); // the server autosaves: not the committed copy
    writePlotlyAsset(live);
    const port = await freePort();
    const server: ChildProcess = spawn(jupyterPython(), [
      "-m", "notebook", "--no-browser", `--port=${port}`, "--ip=127.0.0.1", "--NotebookApp.token=", "--NotebookApp.password=",
      `--notebook-dir=${live}`, "--allow-root",
    ], { env: { ...process.env, WORKBOOK_FAST: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    server.stdout?.on("data", (d) => (log += d));
    server.stderr?.on("data", (d) => (log += d));
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors = watchErrors(page);
      const url = `http://127.0.0.1:${port}/notebooks/${NOTEBOOK}`;
      for (let i = 0; ; i++) {
        try { await page.goto(url); break; } catch (e) { if (i > 40) throw new Error(`server did not start: ${log}`); await page.waitForTimeout(500); }
      }
      await page.waitForFunction(() => (window as any).Jupyter?.notebook?.kernel?.is_connected?.(), undefined, { timeout: 60000 });
      await page.evaluate(() => (window as any).Jupyter.notebook.execute_all_cells());
      await page.waitForFunction(() => {
        const nb = (window as any).Jupyter.notebook;
        return nb.get_cells().filter((c: any) => c.cell_type === "code").every((c: any) => typeof c.input_prompt_number === "number") && nb.kernel_busy === false;
      }, undefined, { timeout: 300000, polling: 1000 });
      const figs = await waitForFigures(page, 3);
      await page.screenshot({ path: path.join(outDir, "jupyter.png"), fullPage: true });
      assert.ok(figs.length >= 3, `figures in the live notebook: ${figs.length}`);
      figs.forEach((f, i) => assert.ok(f.svg, `live figure ${i} has no SVG`));
      const ticks = figs.flatMap((f) => f.ticks);
      assert.ok(ticks.includes("kissed"), `tick labels: ${ticks.join(" ")}`);
      const errorOutputs = await page.$$eval(".output_error, .output_stderr", (els) => els.map((e) => e.textContent));
      assert.deepEqual(errorOutputs, []);
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      server.kill("SIGTERM");
    }
  });

  it("(d) reopened without being trusted, the notebook still shows a static picture of every figure", async () => {
    const executed = path.join(outDir, NOTEBOOK);
    assert.ok(fs.existsSync(executed), "test (a) writes the executed notebook");
    const dir = path.join(root, "artifacts", "browser-untrusted");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(executed, path.join(dir, NOTEBOOK)); // outputs from elsewhere, not signed: untrusted
    const port = await freePort();
    const server = spawn(jupyterPython(), ["-m", "notebook", "--no-browser", `--port=${port}`, "--ip=127.0.0.1", "--NotebookApp.token=", "--NotebookApp.password=", `--notebook-dir=${dir}`, "--allow-root"], { stdio: "ignore" });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors = watchErrors(page);
      for (let i = 0; ; i++) {
        try { await page.goto(`http://127.0.0.1:${port}/notebooks/${NOTEBOOK}`); break; } catch (e) { if (i > 40) throw e; await page.waitForTimeout(500); }
      }
      await page.waitForFunction(() => (window as any).Jupyter?.notebook?.get_cells?.().length > 0, undefined, { timeout: 60000 });
      await page.waitForTimeout(1000);
      const trusted = await page.evaluate(() => (window as any).Jupyter.notebook.trusted);
      assert.equal(trusted, false, "the copied notebook opens untrusted");
      const pictures = await page.$$eval(".workbook-plotly", (divs) => divs.map((d) => {
        const img = d.querySelector("img.workbook-static") as HTMLImageElement | null;
        const svg = img && img.src.startsWith("data:image/svg+xml;base64,") ? atob(img.src.split(",")[1]) : "";
        return {
          staticSvg: Boolean(img && img.complete && img.naturalWidth > 0),
          labels: Array.from(new DOMParser().parseFromString(svg, "image/svg+xml").querySelectorAll("text")).map((t) => t.textContent),
          plotly: Boolean(d.querySelector(".main-svg")),
        };
      }));
      await page.locator(".workbook-plotly").nth(1).scrollIntoViewIfNeeded();
      await page.locator(".workbook-plotly").nth(1).screenshot({ path: path.join(outDir, "untrusted.png") });
      assert.ok(pictures.length >= 3, `figures: ${pictures.length}`);
      pictures.forEach((p, i) => {
        assert.ok(p.staticSvg, `figure ${i}: no static picture`);
        assert.ok(!p.plotly, `figure ${i}: scripts ran in an untrusted notebook`);
      });
      assert.ok(pictures.some((p) => p.labels.includes("kissed")), "the heatmap's labels are in the picture");
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      server.kill("SIGTERM");
    }
  });

  it("(c) saveFigure writes a standalone UTF-8 page whose 12-token heatmap labels are readable", async () => {
    const source = "the girl has picked the young dog near the old house .".split(" ");
    const target = "das mädchen hat den jungen hund beim alten haus abgeholt küsste .".split(" ");
    const weights = target.map((_, i) => source.map((_, j) => (i === j ? 0.6 : 0.4 / (source.length - 1))));
    const saved = await saveFigure(heatmap(weights, source, target, { title: "Zwölf Wörter: küsste, Mädchen" }), path.join(outDir, "heatmap-12"));
    assert.ok(saved.png && fs.existsSync(saved.png), `no PNG: ${saved.pngSkipped}`);
    assert.match(fs.readFileSync(saved.html, "utf8"), /<meta charset="utf-8">/);
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`file://${path.resolve(saved.html)}`);
    await page.waitForSelector("#figure .main-svg");
    const ticks = await page.$$eval("#figure .ytick text", (els) => els.map((e) => e.textContent));
    assert.ok(ticks.includes("küsste") && ticks.includes("mädchen"), `umlauts: ${ticks.join(" ")}`);
    assert.equal(ticks.length, 12);
    const xs = await page.$$eval("#figure .xtick text", (els) => els.map((e) => { const r = e.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom }; }));
    assert.equal(xs.length, 12);
    const overlap = (a: { left: number; right: number; top: number; bottom: number }, b: typeof a) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    for (let i = 1; i < xs.length; i++) assert.ok(!overlap(xs[i - 1], xs[i]), `x tick labels ${i - 1} and ${i} overlap`);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
