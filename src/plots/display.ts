/**
 * Showing figures in tslab. One output carries a MIME bundle, as plotly.py's renderers do:
 * - `application/vnd.plotly.v1+json`: JupyterLab's Plotly renderer (the Python `plotly` package);
 * - `text/html`: a static picture of the figure (for untrusted notebooks, where scripts do not run) and a
 *   script that replaces it with the interactive figure, for the classic Notebook and nbconvert HTML.
 *   The script uses `window.Plotly`: from the page, from the one copy that `includePlotly()` puts in
 *   the notebook (so saved and exported notebooks work offline anywhere), or from `_static/plotly.js`
 *   beside the notebook (written by set-up, see `writePlotlyAsset`);
 * - `text/plain`: a one-line description.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { Figure, cssSize, figureTitle } from "./figure";
import { escapeHtml } from "../util/html";
import { staticSvg } from "./static-svg";

type WriteDisplayData = (
  content: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: Record<string, unknown> },
  update: boolean,
) => void;

/** The tslab kernel's display writer, or undefined outside tslab. */
function tslabWriter(): WriteDisplayData | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- tslab's display channel exists only inside the kernel
    const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData: WriteDisplayData | null };
    return jupyter.lastWriteDisplayData ?? undefined;
  } catch {
    return undefined;
  }
}

/** True inside a running tslab kernel. */
export function inTslab(): boolean {
  return tslabWriter() !== undefined;
}

/** Where a page finds plotly.js, relative to the notebook (or HTML file). */
export const PLOTLY_ASSET = "_static/plotly.js";

/** The path of plotly.js in node_modules. */
export function plotlyJsPath(): string {
  return require.resolve("plotly.js-dist/plotly.js");
}

/** Copies plotly.js to `<dir>/_static/plotly.js` (done by set-up for notebooks/, and by saveFigure). */
export function writePlotlyAsset(dir: string): string {
  const target = path.join(dir, PLOTLY_ASSET);
  const source = plotlyJsPath();
  const fresh = fs.existsSync(target) && fs.statSync(target).size === fs.statSync(source).size;
  if (!fresh) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(source, target);
  }
  return target;
}

/**
 * The page-side function that finds plotly.js for a figure, as JavaScript source. In order: a page that
 * already has `window.Plotly`; the copy embedded once in the notebook by `includePlotly()` (saved and
 * exported notebooks); `_static/plotly.js` beside the notebook or one folder up (written by set-up).
 * It resolves to undefined when none is there: the figure then keeps its static picture, never an error.
 */
const FIND_PLOTLY = `function findPlotly(sources) {
  var w = window;
  if (w.Plotly) return Promise.resolve(w.Plotly);
  var embedded = w.__workbookPlotlyEmbedded || Promise.resolve(undefined);
  return embedded.then(function (p) {
    if (p || w.Plotly) return p || w.Plotly;
    if (!w.__workbookPlotlyFile) w.__workbookPlotlyFile = new Promise(function (resolve) {
      var amd = w.define;
      function load(i) {
        if (i >= sources.length) { w.define = amd; resolve(undefined); return; }
        var s = document.createElement("script");
        w.define = undefined; // load plotly.js as a global even where require.js is on the page
        s.src = sources[i];
        s.charset = "utf-8";
        s.onload = function () { w.define = amd; resolve(w.Plotly); };
        s.onerror = function () { load(i + 1); };
        document.head.appendChild(s);
      }
      load(0);
    });
    return w.__workbookPlotlyFile;
  });
}`;

/**
 * The script that draws `fig` into the div `id` once plotly.js is found (see FIND_PLOTLY). Without
 * plotly.js the div keeps its static picture.
 */
export function figureScript(fig: Figure, id: string, src: string = PLOTLY_ASSET): string {
  const json = JSON.stringify(plotlyJson(fig)).replace(/</g, "\\u003c");
  return `(function () {
  var fig = ${json};
  ${FIND_PLOTLY}
  findPlotly([${JSON.stringify(src)}, ${JSON.stringify(`../${src}`)}]).then(function (Plotly) {
    var el = document.getElementById(${JSON.stringify(id)});
    if (!el || !Plotly) return; // no plotly.js here: the static picture stays
    el.innerHTML = "";
    Plotly.newPlot(el, fig); // data, layout, config and any animation frames
  });
})();`;
}

/** What plotly.js draws: data, layout, config, and the animation frames where the figure has them. */
export function plotlyJson(fig: Figure): Record<string, unknown> {
  return {
    data: fig.data,
    layout: fig.layout,
    config: fig.config ?? {},
    ...(fig.frames ? { frames: fig.frames } : {}),
  };
}

let embeddedPlotly: string | undefined;

/** plotly.js, gzip-compressed and base64-encoded (about 2.6 MB instead of 11 MB), computed once. */
function compressedPlotlyJs(): string {
  embeddedPlotly ??= gzipSync(fs.readFileSync(plotlyJsPath()), { level: 9 }).toString("base64");
  return embeddedPlotly;
}

let plotlyVersion: string | undefined;

/** The version of plotly.js the figures use (read once). */
export function plotlyJsVersion(): string {
  plotlyVersion ??= (
    JSON.parse(fs.readFileSync(path.join(path.dirname(plotlyJsPath()), "package.json"), "utf8")) as { version: string }
  ).version;
  return plotlyVersion;
}

/**
 * The HTML output that carries plotly.js inside the notebook (as plotly.py's notebook renderer does):
 * it defines `window.Plotly` when its script runs, so a saved notebook, or its HTML export moved to any
 * folder and opened offline, draws every figure. The browser decompresses it (DecompressionStream).
 */
export function plotlyEmbedHtml(): string {
  const note = `plotly.js ${plotlyJsVersion()} is included in this notebook, so saved and exported copies draw their figures offline.`;
  return `<div class="workbook-plotly-embed" style="font-size:smaller;color:#777">${escapeHtml(note)}</div>
<script type="text/javascript">
(function () {
  var w = window;
  if (w.Plotly || w.__workbookPlotlyEmbedded) return;
  var data = "${compressedPlotlyJs()}";
  w.__workbookPlotlyEmbedded = (function () {
    try {
      var bytes = Uint8Array.from(atob(data), function (c) { return c.charCodeAt(0); });
      var text = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      return new Response(text).text().then(function (code) {
        var s = document.createElement("script");
        var amd = w.define;
        w.define = undefined;
        s.textContent = code;
        document.head.appendChild(s);
        w.define = amd;
        return w.Plotly;
      }, function () { return undefined; });
    } catch (e) {
      return Promise.resolve(undefined); // an old browser: figures look for _static/plotly.js instead
    }
  })();
})();
</script>`;
}

/**
 * Includes plotly.js once in the running notebook (call it in the notebook's first cell). Outside tslab
 * it does nothing. Every figure also looks for `_static/plotly.js`, so notebooks work without it in a
 * live session; it is what makes saved and exported notebooks self-contained.
 */
export function includePlotly(): void {
  const write = tslabWriter();
  if (!write) return;
  write(
    {
      data: { "text/html": plotlyEmbedHtml(), "text/plain": `plotly.js ${plotlyJsVersion()} included` },
      metadata: {},
      transient: {},
    },
    false,
  );
}

/** The figure's div (holding `picture`, its static picture by default) and the script that draws it. */
export function figureHtml(
  fig: Figure,
  id = `wb-plot-${randomBytes(6).toString("hex")}`,
  src: string = PLOTLY_ASSET,
  picture = staticPicture(fig),
): string {
  const { width, height } = cssSize(fig, 420);
  return `<div id="${id}" class="workbook-plotly" style="width:${width};height:${height}">${picture}</div>\n<script type="text/javascript">\n${figureScript(fig, id, src)}\n</script>`;
}

/**
 * The static picture of a figure as an <img> with an SVG data URI: HTML sanitizers (untrusted
 * notebooks) keep images but strip inline <svg>.
 */
function staticPicture(fig: Figure): string {
  return `<img class="workbook-static" alt="${escapeHtml(describe(fig))}" src="data:image/svg+xml;base64,${Buffer.from(staticSvg(fig), "utf8").toString("base64")}">`;
}

function describe(fig: Figure): string {
  const title = figureTitle(fig) || "figure";
  return `<Plotly figure: ${title} (${fig.data.length} trace${fig.data.length === 1 ? "" : "s"})>`;
}

/** The MIME bundle of a figure (see the module comment); `picture` is its static picture, when made already. */
export function mimeBundle(fig: Figure, picture = staticPicture(fig)): Record<string, unknown> {
  return {
    "application/vnd.plotly.v1+json": plotlyJson(fig),
    "text/html": figureHtml(fig, undefined, PLOTLY_ASSET, picture),
    "text/plain": describe(fig),
  };
}

/**
 * A display that can be shown once and then updated in place (update_display_data).
 *
 * JupyterLab reuses an output's renderer only while the output's preferred MIME type stays the same,
 * and its Plotly renderer ignores new data once a graph is drawn. So each update is sent twice: first
 * as the figure's static picture alone (`text/html`, a different MIME type: JupyterLab drops the Plotly
 * renderer), then as the full bundle (a fresh Plotly renderer draws the new data). The classic Notebook
 * and nbclient simply keep the last one.
 */
export class LiveDisplay {
  private shown = false;
  readonly id = randomBytes(8).toString("hex");

  /** Shows the figure, or replaces what this display showed before. */
  update(fig: Figure): void {
    const write = tslabWriter();
    if (!write) return;
    const transient = { display_id: this.id };
    const picture = staticPicture(fig);
    if (this.shown)
      write({ data: { "text/html": picture, "text/plain": describe(fig) }, metadata: {}, transient }, true);
    write({ data: mimeBundle(fig, picture), metadata: {}, transient }, this.shown);
    this.shown = true;
  }
}

/**
 * Shows a figure inline in tslab. Outside a notebook it prints the one-line description instead
 * (use `saveFigure` to write an HTML file).
 */
export function show(fig: Figure): void {
  const write = tslabWriter();
  if (!write) {
    process.stdout.write(`${describe(fig)}\n`);
    return;
  }
  write({ data: mimeBundle(fig), metadata: {}, transient: {} }, false);
}

/** A standalone HTML page (UTF-8) for a figure; plotly.js is loaded from `src`. */
export function standaloneHtml(fig: Figure, src: string = PLOTLY_ASSET): string {
  const title = escapeHtml(figureTitle(fig) || "figure");
  return `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${title}</title>\n</head>\n<body>\n${figureHtml(fig, "figure", src)}\n</body>\n</html>\n`;
}
