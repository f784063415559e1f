/** Shared pieces of the browser tests: Chromium, a Jupyter server on a free port, JavaScript errors. */
import * as assert from "node:assert/strict";
import { spawn, ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import type { Locator, Page } from "playwright-core";
import { root } from "./workspace";

/** Where the browser tests put their screenshots (the README names this folder; git ignores it). */
export const SCREENSHOTS = path.join(root, "artifacts", "screenshots");

/** Collects JavaScript errors of a page (uncaught exceptions and console errors, but not offline CDN loads). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => {
    // JupyterLab's debugger extension asks every kernel for a debug session; tslab has none, and the
    // extension reports that as an uncaught error. Nothing a participant sees, and not the workbook's.
    if (e.message === "No active debugger session") return;
    errors.push(`pageerror: ${e.message}`);
  });
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const text = m.text();
    // nbconvert's template and the Notebook reach for CDNs (require.js, MathJax); this machine is offline,
    // and a live figure looks for _static/plotly.js before it finds the copy in the page.
    if (/Failed to load resource|net::ERR_|cdnjs|cdn\.jsdelivr|mathjax/i.test(text)) return;
    // The classic Notebook's own page asks for an icon font at about:blank, which Chromium refuses.
    if (/^Access to font at 'about:blank'/.test(text)) return;
    // The classic Notebook 6 always loads the ipywidgets extension (nbextensions/widgets/notebook/js/ or, from
    // Debian's configuration, nbextensions/jupyter-js-widgets/); where ipywidgets is not installed the server
    // answers with an HTML page, which Chromium refuses to run. Another extension's, not the workbook's.
    const widgets =
      /^(Refused to execute script from '[^']*\/nbextensions\/|Failed to load extension: \[nbextensions\/)(widgets\/notebook\/js|jupyter-js-widgets)\/extension/;
    if (widgets.test(text)) return;
    errors.push(`console: ${text}`);
  });
  return errors;
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface JupyterServer {
  port: number;
  process: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts `python -m app` (jupyterlab or notebook) on a free loopback port, without token, serving `dir`,
 * and waits until it answers.
 */
export async function startJupyter(
  python: string,
  app: "jupyterlab" | "notebook",
  dir: string,
  env: NodeJS.ProcessEnv = {},
): Promise<JupyterServer> {
  const port = await freePort();
  const args =
    app === "jupyterlab"
      ? [
          "-m",
          "jupyterlab",
          "--no-browser",
          `--port=${port}`,
          "--ip=127.0.0.1",
          "--ServerApp.token=",
          "--ServerApp.password=",
          `--ServerApp.root_dir=${dir}`,
          "--allow-root",
        ]
      : [
          "-m",
          "notebook",
          "--no-browser",
          `--port=${port}`,
          "--ip=127.0.0.1",
          "--NotebookApp.token=",
          "--NotebookApp.password=",
          `--notebook-dir=${dir}`,
          "--allow-root",
        ];
  const child = spawn(python, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout?.on("data", (d) => (log += d));
  child.stderr?.on("data", (d) => (log += d));
  const start = Date.now();
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api`);
      if (r.ok) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() - start > 90000) assert.fail(`${app} did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  // The notebooks name the workbook's kernel; the server must see it (npm test registers it).
  const specs = (await (await fetch(`http://127.0.0.1:${port}/api/kernelspecs`)).json()) as {
    kernelspecs: Record<string, unknown>;
  };
  assert.ok(
    "attention-workbook" in specs.kernelspecs,
    `${app} does not list the kernel attention-workbook (JUPYTER_DATA_DIR=${process.env.JUPYTER_DATA_DIR}): ${Object.keys(specs.kernelspecs).join(", ")}`,
  );
  return {
    port,
    process: child,
    log: () => log,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 10000).unref();
      }),
  };
}

/** Writes JupyterLab user settings into `dir` (a JUPYTERLAB_SETTINGS_DIR). */
export function writeLabSettings(dir: string, settings: Record<string, Record<string, unknown>>): void {
  for (const [plugin, values] of Object.entries(settings)) {
    const [pkg, name] = plugin.split(":");
    const file = path.join(dir, pkg, `${name}.jupyterlab-settings`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(values));
  }
}

/** How many times a live chart's point count went up between drawn samples (-1: no graph at that moment). */
export function increases(samples: Array<{ points: number }>): number {
  // -1: no graph at that moment (a redraw in progress: JupyterLab shows the static picture while a new
  // Plotly renderer starts); it is skipped, and each drawn sample is compared with the previous drawn one.
  const drawn = samples.filter((s) => s.points >= 0);
  let n = 0;
  for (let i = 1; i < drawn.length; i++) if (drawn[i].points > drawn[i - 1].points) n++;
  return n;
}

/**
 * plotly.js's own Pause button and slider stop a running animation by starting another, and plotly.js then
 * rejects the first animation's promise, which its buttons never catch: the page logs an unhandled rejection
 * with no reason ("pageerror: undefined") for each click that interrupts. Nothing a participant sees, and not
 * the workbook's; removes at most `clicks` of them, so that any other error still fails the test.
 */
function forgiveInterruptions(errors: string[], clicks: number): void {
  for (let k = 0; k < clicks; k++) {
    const i = errors.indexOf("pageerror: undefined");
    if (i < 0) return;
    errors.splice(i, 1);
  }
}

/** A Plotly graph div in the page (`.js-plotly-plot`) whose title starts with `title`. */
export function graphTitled(page: Page, selector: string, title: string): Locator {
  return page.locator(`${selector}.js-plotly-plot`).filter({ has: page.locator(".gtitle", { hasText: title }) });
}

/** What a graph draws now: every trace's coordinates, texts, values and line widths. */
function drawnData(graph: Locator): Promise<string> {
  return graph.evaluate((g) =>
    JSON.stringify(
      (g as unknown as { data: Array<Record<string, unknown>> }).data.map((d) => [
        d.x,
        d.y,
        d.z,
        d.text,
        (d.line as { width?: number } | undefined)?.width,
      ]),
    ),
  );
}

/** The slider's active step of an animated graph. */
function activeStep(graph: Locator): Promise<number> {
  return graph.evaluate(
    (g) => (g as unknown as { _fullLayout: { sliders: Array<{ active: number }> } })._fullLayout.sliders[0].active,
  );
}

/** Waits up to `ms` for the graph to draw something other than `before`; returns what it draws then. */
async function changed(page: Page, graph: Locator, before: string, ms = 10000): Promise<string> {
  for (const start = Date.now(); Date.now() - start < ms; await page.waitForTimeout(100)) {
    const now = await drawnData(graph);
    if (now !== before) return now;
  }
  throw new Error(`the graph did not change within ${ms} ms`);
}

/**
 * Plays an animated figure as a participant would: ▶ Play (a frame change must be seen), ❚❚ Pause, then a click
 * on the slider's rail at a quarter and at three quarters of its length (each must move the figure to the
 * frame under the click). Returns the frame count and the steps the slider went to.
 */
export async function playAndSlide(
  page: Page,
  graph: Locator,
  errors: string[],
): Promise<{ frames: number; slid: number[] }> {
  await graph.scrollIntoViewIfNeeded();
  const frames = await graph.evaluate(
    (g) => (g as unknown as { _transitionData: { _frames: unknown[] } })._transitionData._frames.length,
  );
  assert.ok(frames >= 2, `an animation of ${frames} frames`);
  let before = await drawnData(graph);
  await graph.locator(".updatemenu-button").first().click();
  before = await changed(page, graph, before);
  await graph.locator(".updatemenu-button").nth(1).click();
  await page.waitForTimeout(800);
  const slid: number[] = [];
  for (const at of [0.25, 0.75]) {
    const rail = await graph.locator(".slider-rail-rect").boundingBox();
    assert.ok(rail, "the slider has no rail");
    const expected = Math.round(at * (frames - 1));
    before = await drawnData(graph);
    await page.mouse.click(rail.x + rail.width * at, rail.y + rail.height / 2);
    if (expected !== (await activeStep(graph))) before = await changed(page, graph, before);
    const step = await activeStep(graph);
    assert.ok(
      Math.abs(step - expected) <= 1,
      `a click at ${at * 100}% of the slider went to step ${step} of ${frames}`,
    );
    slid.push(step);
  }
  await page.waitForTimeout(300);
  forgiveInterruptions(errors, 3);
  return { frames, slid };
}
