/**
 * JupyterLab 4 as a participant uses it: the project-local environment that npm test prepares (.venv,
 * JupyterLab 4 with the `plotly` package), a server on a temporary copy of the notebooks, headless
 * Chromium opening a notebook and choosing Run > Run All Cells. For 01, 02, 04 and 07: every figure is
 * drawn by JupyterLab's Plotly renderer with tick labels (or, for the drawings, labelled boxes), and no cell
 * prints an error. For 02: its two animations (the moving query, the decoding) advance when played and move
 * with their sliders. For 04: the live loss chart grows while the training cell runs, on the first run and
 * on a rerun, ends with one point per batch, and the finished chart answers hover and zoom. Screenshots go to
 * artifacts/screenshots/ (one per figure of 01, 02 and 04 in pictures/).
 */
import { describe, it, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, Browser, Page } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS } from "attention-workbook/plots";
import { makeWorkspace, setFastEpochs, Workspace } from "./workspace";
import { jupyterPython } from "./notebook-runner";
import {
  SCREENSHOTS,
  graphTitled,
  increases,
  playAndSlide,
  startJupyter,
  JupyterServer,
  watchErrors,
  writeLabSettings,
} from "./browser-helpers";

const PLOTLY_MIME = "application/vnd.plotly.v1+json";

interface LabFigure {
  svg: boolean;
  ticks: string[];
  /** The texts of its annotations (the drawings label their boxes with them). */
  labels: string[];
  title: string;
}
interface Sample {
  t: number;
  points: number;
}

/** Every figure JupyterLab's Plotly renderer drew in the open notebook. */
function labFigures(page: Page): Promise<LabFigure[]> {
  return page.$$eval(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedPlotly", (divs) =>
    divs.map((d) => ({
      svg: Boolean(d.querySelector("svg.main-svg")),
      ticks: Array.from(d.querySelectorAll(".xtick text, .ytick text, .x2tick text, .y2tick text")).map(
        (t) => t.textContent ?? "",
      ),
      labels: Array.from(d.querySelectorAll(".annotation-text, .textpoint text")).map((t) => t.textContent ?? ""),
      title: d.querySelector(".gtitle")?.textContent ?? "",
    })),
  );
}

/** A figure is readable: it has tick labels, or (a drawing, whose axes are hidden) labels on its boxes. */
function readable(f: LabFigure): boolean {
  return [...f.ticks, ...f.labels].some((t) => t.trim() !== "");
}

/** Text of every output that reports an error (stderr streams and error tracebacks). */
function errorOutputs(page: Page): Promise<string[]> {
  return page.$$eval(
    `.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], .jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]`,
    (els) => els.map((e) => e.textContent ?? ""),
  );
}

/** Opens a notebook and waits until its kernel (the workbook's) has started and is idle. */
async function openNotebook(page: Page, port: number, name: string): Promise<void> {
  // A workspace of its own, so JupyterLab does not reopen the notebooks of the earlier tests.
  await page.goto(`http://127.0.0.1:${port}/lab/workspaces/test-${name.slice(0, 2)}/tree/${name}?reset`);
  await page.waitForSelector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell", { timeout: 120000 });
  await page
    .locator(".jp-StatusBar-TextItem", { hasText: /^TypeScript \(attention workbook\) \| Idle$/ })
    .waitFor({ timeout: 120000 });
}

/**
 * Run > Run All Cells, as a participant would, until the first code cell has started: a click in the
 * instant the kernel connects can go unheard, and a participant would simply choose it again.
 */
async function runAll(page: Page): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.locator(".lm-MenuBar-itemLabel", { hasText: /^Run$/ }).click();
    await page.locator(".lm-Menu-itemLabel", { hasText: /^Run All Cells$/ }).click();
    const started = await page
      .waitForFunction(
        () => {
          const first = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt");
          return /\[(\*|\d+)\]/.test(first?.textContent ?? "");
        },
        undefined,
        { timeout: 15000 },
      )
      .then(
        () => true,
        () => false,
      );
    if (started) return;
    assert.ok(attempt < 3, "Run All Cells did not start the first cell");
  }
}

/** Waits until every code cell has run (an execution count in its prompt) and the kernel is idle. */
async function waitForAllCells(
  page: Page,
  timeout = Number(process.env.WORKBOOK_LAB_TIMEOUT_MS ?? 600000),
): Promise<void> {
  await page
    .waitForFunction(
      () => {
        const prompts = Array.from(
          document.querySelectorAll(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt"),
        );
        const idle = document.querySelector(`.jp-Notebook-ExecutionIndicator[data-status="idle"]`);
        return prompts.length > 0 && prompts.every((p) => /\[\d+\]/.test(p.textContent ?? "")) && Boolean(idle);
      },
      undefined,
      { timeout, polling: 500 },
    )
    .catch(async (e) => {
      await page.screenshot({ path: path.join(SCREENSHOTS, "jupyterlab-timeout.png") });
      const prompts = await page.$$eval(".jp-CodeCell .jp-InputPrompt", (els) =>
        els.map((p) => p.textContent).join(" "),
      );
      throw new Error(
        `${(e as Error).message}; prompts: ${prompts}; screenshot: artifacts/screenshots/jupyterlab-timeout.png`,
      );
    });
}

/** Saves the notebook (Ctrl+S) and returns the saved file's JSON. */
async function saveNotebook(
  page: Page,
  file: string,
): Promise<{ cells: Array<{ outputs?: Array<{ data?: Record<string, unknown> }> }> }> {
  const before = fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0;
  await page.keyboard.press("Control+s");
  // Until the file has changed and reads as whole JSON (the server may still be writing it).
  for (let i = 0; ; i++) {
    try {
      if (fs.statSync(file).mtimeMs !== before) return JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
      if (i >= 120) throw e;
    }
    assert.ok(i < 120, `${file} was not saved`);
    await page.waitForTimeout(250);
  }
}

function plotlyOutputCount(nb: { cells: Array<{ outputs?: Array<{ data?: Record<string, unknown> }> }> }): number {
  return nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data?.[PLOTLY_MIME]).length;
}

/**
 * Starts recording, in the page, the point count of the live chart in the cell whose code contains
 * `marker` (-1 while there is none): a sample each time it changes, polled every 15 ms.
 */
async function startSampling(page: Page, marker: string): Promise<void> {
  await page.evaluate((m) => {
    const w = window as unknown as { __samples: Array<{ t: number; points: number }>; __sampler?: number };
    if (w.__sampler) clearInterval(w.__sampler);
    w.__samples = [];
    w.__sampler = window.setInterval(() => {
      const cell = Array.from(document.querySelectorAll(".jp-CodeCell")).find((c) =>
        (c.querySelector(".cm-content")?.textContent ?? "").includes(m),
      );
      const graph = cell?.querySelector(".jp-RenderedPlotly.js-plotly-plot") as
        (Element & { data?: Array<{ x?: unknown[] }> }) | null | undefined;
      const points = graph?.data?.[0]?.x?.length ?? -1;
      const last = w.__samples[w.__samples.length - 1];
      if (!last || last.points !== points) w.__samples.push({ t: performance.now(), points });
    }, 15);
  }, marker);
}

async function stopSampling(page: Page): Promise<Sample[]> {
  return page.evaluate(() => {
    const w = window as unknown as { __samples: Array<{ t: number; points: number }>; __sampler?: number };
    if (w.__sampler) clearInterval(w.__sampler);
    return w.__samples;
  });
}

/** The text of the outputs of the cell whose code contains `marker`. */
function cellOutputText(page: Page, marker: string): Promise<string> {
  return page.evaluate((m) => {
    const cell = Array.from(document.querySelectorAll(".jp-CodeCell")).find((c) =>
      (c.querySelector(".cm-content")?.textContent ?? "").includes(m),
    );
    return cell?.querySelector(".jp-OutputArea")?.textContent ?? "";
  }, marker);
}

/**
 * A screenshot of every figure of the open notebook, as JupyterLab drew it, in artifacts/screenshots/pictures/
 * (`jupyterlab-NN-KK.png`), and their titles in `jupyterlab-NN.json`.
 */
async function picturesOf(page: Page, notebook: string, figures: LabFigure[]): Promise<void> {
  const dir = path.join(SCREENSHOTS, "pictures");
  fs.mkdirSync(dir, { recursive: true });
  const graphs = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedPlotly.js-plotly-plot");
  const index: Record<string, string> = {};
  for (let k = 0; k < figures.length; k++) {
    const file = `jupyterlab-${notebook}-${String(k).padStart(2, "0")}.png`;
    await graphs.nth(k).scrollIntoViewIfNeeded();
    await graphs.nth(k).screenshot({ path: path.join(dir, file) });
    index[file] = figures[k].title;
  }
  fs.writeFileSync(path.join(dir, `jupyterlab-${notebook}.json`), `${JSON.stringify(index, null, 1)}\n`);
}

describe("JupyterLab 4 in headless Chromium (Run All, as a participant)", () => {
  let browser: Browser;
  let ws: Workspace;
  let server: JupyterServer;
  let settingsDir: string;
  const labPython = () => jupyterPython(["jupyterlab", "plotly"]);

  before(async () => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const py = labPython();
    const version = (await import("node:child_process")).spawnSync(
      py,
      ["-c", "import jupyterlab, plotly; print(jupyterlab.__version__, plotly.__version__)"],
      { encoding: "utf8" },
    );
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, /^4\./, `JupyterLab 4 expected, found ${version.stdout}`);
    ws = makeWorkspace("workbook-lab-");
    // As a participant would: more epochs in this copy of 04, so a fast-mode run lasts long enough
    // (800 batches, 10 to 20 seconds with the native kernels) to watch its chart grow on a 2-core machine.
    setFastEpochs(path.join(ws.notebooks, "04-train-bahdanau.ipynb"), 100);
    settingsDir = fs.mkdtempSync(path.join(os.tmpdir(), "workbook-lab-settings-"));
    // Every cell stays in the page (no windowing), so the test can read every figure; no news pop-ups.
    writeLabSettings(settingsDir, {
      "@jupyterlab/notebook-extension:tracker": { windowingMode: "none" },
      "@jupyterlab/apputils-extension:notification": { fetchNews: "false", checkForUpdates: false },
    });
    server = await startJupyter(py, "jupyterlab", ws.notebooks, {
      JUPYTERLAB_SETTINGS_DIR: settingsDir,
      WORKBOOK_FAST: "1",
      // The live chart redraws at most once a second, as a participant sees it (the default).
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    ws?.remove();
    if (settingsDir) fs.rmSync(settingsDir, { recursive: true, force: true });
  });

  for (const [name, tickLabel] of [
    ["01-bahdanau-step-by-step.ipynb", "kissed"],
    ["02-luong-step-by-step.ipynb", "kissed"],
    ["07-workshop.ipynb", undefined],
  ] as const) {
    it(`${name}: Run All draws every figure with tick labels and prints no error`, async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
      const errors = watchErrors(page);
      await openNotebook(page, server.port, name);
      await runAll(page);
      await waitForAllCells(page);
      const saved = await saveNotebook(page, path.join(ws.notebooks, name));
      const expected = plotlyOutputCount(saved);
      await page.waitForFunction(
        (n) => document.querySelectorAll(".jp-RenderedPlotly svg.main-svg").length >= n,
        expected,
        { timeout: 60000 },
      );
      const figures = await labFigures(page);
      await page.screenshot({ path: path.join(SCREENSHOTS, `jupyterlab-${name.slice(0, 2)}.png`) });
      assert.ok(expected >= 1, `${name}: no figure outputs`);
      assert.equal(figures.length, expected, `${name}: ${figures.length} figures drawn, ${expected} in the notebook`);
      figures.forEach((f, i) => {
        assert.ok(f.svg, `figure ${i} has no SVG`);
        assert.ok(readable(f), `figure ${i} (${f.title}) has neither tick labels nor labels`);
      });
      if (tickLabel) assert.ok(figures.flatMap((f) => f.ticks).includes(tickLabel), `tick label ${tickLabel} missing`);
      if (name !== "07-workshop.ipynb") await picturesOf(page, name.slice(0, 2), figures);
      if (name.startsWith("02")) {
        // Attention in motion: the moving query and the decoding play, and their sliders move them.
        for (const title of ["Move the query", "Luong decoding"]) {
          const played = await playAndSlide(page, graphTitled(page, ".jp-RenderedPlotly", title), errors);
          console.log(`${title}: ${played.frames} frames, played; the slider went to steps ${played.slid.join(", ")}`);
        }
      }
      assert.deepEqual(await errorOutputs(page), []);
      assert.deepEqual(errors, []);
      await page.close();
    });
  }

  it("04-train-bahdanau.ipynb: the live loss chart grows on the first run and on a rerun, and ends interactive", async () => {
    const name = "04-train-bahdanau.ipynb";
    const marker = "s04.chart.start()";
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    const errors = watchErrors(page);
    await openNotebook(page, server.port, name);
    await startSampling(page, marker);
    await runAll(page);
    await waitForAllCells(page);
    const first = await stopSampling(page);
    const firstText = await cellOutputText(page, marker);
    const firstBatches = Number(/(\d+) batches in all/.exec(firstText)?.[1]);
    assert.ok(firstBatches > 0, `no batch count in the training cell's output: ${firstText}`);
    console.log(
      `live chart, first run: ${increases(first)} increases seen, points ${first.map((x) => x.points).join(" ")}`,
    );
    assert.ok(increases(first) >= 3, `first run: the chart grew ${increases(first)} times: ${JSON.stringify(first)}`);
    assert.equal(
      first[first.length - 1].points,
      firstBatches,
      `first run ends with ${first[first.length - 1].points} points for ${firstBatches} batches`,
    );

    // Every figure of the notebook, as in 01 and 07.
    const saved = await saveNotebook(page, path.join(ws.notebooks, name));
    const figures = await labFigures(page);
    assert.equal(figures.length, plotlyOutputCount(saved));
    figures.forEach((f, i) => assert.ok(f.svg && readable(f), `figure ${i}: svg ${f.svg}, ${f.ticks.length} ticks`));
    await picturesOf(page, "04", figures);
    assert.ok(figures.flatMap((f) => f.ticks).includes("kissed"), "the heatmap's tick labels");
    await page.screenshot({ path: path.join(SCREENSHOTS, "jupyterlab-04.png") });

    // Rerun the training cell: the chart keeps the first run's points and grows on.
    await startSampling(page, marker);
    const cell = page.locator(".jp-CodeCell", { has: page.locator(".cm-content", { hasText: marker }) });
    await cell.locator(".jp-InputPrompt").click();
    await page.keyboard.press("Shift+Enter");
    await page.waitForFunction(
      (m) => {
        const c = Array.from(document.querySelectorAll(".jp-CodeCell")).find((x) =>
          (x.querySelector(".cm-content")?.textContent ?? "").includes(m),
        );
        return (
          /\d+ batches in all/.test(c?.querySelector(".jp-OutputArea")?.textContent ?? "") &&
          Boolean(document.querySelector(`.jp-Notebook-ExecutionIndicator[data-status="idle"]`))
        );
      },
      marker,
      { timeout: 300000, polling: 250 },
    );
    await page.waitForTimeout(500);
    const rerun = await stopSampling(page);
    const allBatches = Number(/(\d+) batches in all/.exec(await cellOutputText(page, marker))?.[1]);
    assert.ok(allBatches > firstBatches, `rerun: ${allBatches} batches in all after ${firstBatches}`);
    console.log(
      `live chart, rerun: ${increases(rerun)} increases seen, points ${rerun.map((x) => x.points).join(" ")}`,
    );
    assert.ok(increases(rerun) >= 3, `rerun: the chart grew ${increases(rerun)} times: ${JSON.stringify(rerun)}`);
    assert.equal(rerun[rerun.length - 1].points, allBatches);

    // The finished chart: hover shows a label, a drag zooms the x axis, the legend clears the axis title.
    const graph = cell.locator(".jp-RenderedPlotly.js-plotly-plot");
    await graph.scrollIntoViewIfNeeded();
    let box = await graph.locator(".nsewdrag").first().boundingBox();
    assert.ok(box, "no plot area");
    // The hover label, within 10 s. The chart's last redraw can land just after the first mouse move (on two
    // busy cores): the mouse is moved again, over the plot area as it is then, every 2 s.
    const hovered = (m: string) => {
      const c = Array.from(document.querySelectorAll(".jp-CodeCell")).find((x) =>
        (x.querySelector(".cm-content")?.textContent ?? "").includes(m),
      );
      return (c?.querySelectorAll(".hoverlayer .hovertext").length ?? 0) > 0;
    };
    for (let attempt = 1; ; attempt++) {
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
      await page.mouse.move(box.x + box.width * (0.5 + 0.02 * attempt), box.y + box.height * 0.5);
      try {
        await page.waitForFunction(hovered, marker, { timeout: 2000 });
        break;
      } catch (e) {
        if (attempt >= 5) throw e;
        box = (await graph.locator(".nsewdrag").first().boundingBox()) ?? box;
      }
    }
    const rangeBefore = await graph.evaluate((g) =>
      (g as unknown as { _fullLayout: { xaxis: { range: number[] } } })._fullLayout.xaxis.range.slice(),
    );
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 8 });
    await page.mouse.up();
    await page.waitForTimeout(500);
    const rangeAfter = await graph.evaluate((g) =>
      (g as unknown as { _fullLayout: { xaxis: { range: number[] } } })._fullLayout.xaxis.range.slice(),
    );
    assert.ok(
      rangeAfter[1] - rangeAfter[0] < (rangeBefore[1] - rangeBefore[0]) * 0.6,
      `zoom: x range ${rangeBefore} -> ${rangeAfter}`,
    );
    const overlap = await graph.evaluate((g) => {
      const a = g.querySelector(".legend")?.getBoundingClientRect();
      const b = g.querySelector(".g-xtitle")?.getBoundingClientRect();
      if (!a || !b) return "missing legend or x-axis title";
      return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom ? "overlap" : "clear";
    });
    assert.equal(overlap, "clear", "the legend and the x-axis title");
    await graph.screenshot({ path: path.join(SCREENSHOTS, "jupyterlab-04-live-chart.png") });
    assert.deepEqual(await errorOutputs(page), []);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
