/**
 * Showing figures in tslab. One output carries a MIME bundle, as plotly.py's renderers do:
 * - `application/vnd.plotly.v1+json`: JupyterLab's Plotly renderer (the Python `plotly` package);
 * - `text/html`: a div and a script for the classic Notebook and nbconvert HTML. It uses `window.Plotly`
 *   when a page already has it, else loads `_static/plotly.js` beside the notebook (written by set-up,
 *   see `writePlotlyAsset`) once per page, so plotly.js is never embedded in an output;
 * - `text/plain`: a one-line description.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { Figure, escapeHtml } from "./figure";
import { staticSvg } from "./static-svg";

type WriteDisplayData = (content: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: Record<string, unknown> }, update: boolean) => void;

/** The tslab kernel's display writer, or undefined outside tslab. */
function tslabWriter(): WriteDisplayData | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
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

/** The script that draws `fig` into the div `id`, loading plotly.js from `src` if the page has none. */
export function figureScript(fig: Figure, id: string, src: string = PLOTLY_ASSET): string {
  const json = JSON.stringify({ data: fig.data, layout: fig.layout, config: fig.config ?? {} }).replace(/</g, "\\u003c");
  return `(function () {
  var fig = ${json};
  function draw() {
    var el = document.getElementById(${JSON.stringify(id)});
    if (!el) return;
    el.innerHTML = ""; // the static picture, for when scripts do not run
    window.Plotly.newPlot(el, fig.data, fig.layout, fig.config);
  }
  if (window.Plotly) { draw(); return; }
  var queue = window.__workbookPlotlyQueue = window.__workbookPlotlyQueue || [];
  queue.push(draw);
  if (queue.length > 1) return;
  // Beside the notebook, or one folder up (notebooks/solutions/).
  var sources = [${JSON.stringify(src)}, ${JSON.stringify(`../${src}`)}];
  var amd = window.define;
  function load(i) {
    var s = document.createElement("script");
    window.define = undefined; // load plotly.js as a global even where require.js is on the page
    s.src = sources[i];
    s.charset = "utf-8";
    s.onload = function () { window.define = amd; while (queue.length) queue.shift()(); };
    s.onerror = function () {
      window.define = amd;
      if (i + 1 < sources.length) return load(i + 1);
      var el = document.getElementById(${JSON.stringify(id)});
      if (el) el.textContent = "plotly.js not found at " + s.src + ": run npm start (or node scripts/setup.js) to install it";
    };
    document.head.appendChild(s);
  }
  load(0);
})();`;
}

export function figureHtml(fig: Figure, id = `wb-plot-${randomBytes(6).toString("hex")}`, src: string = PLOTLY_ASSET): string {
  const width = typeof fig.layout.width === "number" ? `${fig.layout.width}px` : "100%";
  const height = typeof fig.layout.height === "number" ? `${fig.layout.height}px` : "420px";
  // The static picture is an <img> with an SVG data URI: HTML sanitizers (untrusted notebooks) keep
  // images but strip inline <svg>.
  const picture = `<img class="workbook-static" alt="${escapeHtml(describe(fig))}" src="data:image/svg+xml;base64,${Buffer.from(staticSvg(fig), "utf8").toString("base64")}">`;
  return `<div id="${id}" class="workbook-plotly" style="width:${width};height:${height}">${picture}</div>\n<script type="text/javascript">\n${figureScript(fig, id, src)}\n</script>`;
}

function describe(fig: Figure): string {
  const title = (fig.layout.title as { text?: string } | undefined)?.text ?? "figure";
  return `<Plotly figure: ${title} (${fig.data.length} trace${fig.data.length === 1 ? "" : "s"})>`;
}

/** The MIME bundle of a figure (see the module comment). */
export function mimeBundle(fig: Figure): Record<string, unknown> {
  return {
    "application/vnd.plotly.v1+json": { data: fig.data, layout: fig.layout, config: fig.config ?? {} },
    "text/html": figureHtml(fig),
    "text/plain": describe(fig),
  };
}

/** A display that can be shown once and then updated in place (tslab's update_display_data). */
export class LiveDisplay {
  private shown = false;
  readonly id = randomBytes(8).toString("hex");

  /** Shows the figure, or replaces what this display showed before. */
  update(fig: Figure): void {
    const write = tslabWriter();
    if (!write) return;
    write({ data: mimeBundle(fig), metadata: {}, transient: { display_id: this.id } }, this.shown);
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
  const title = escapeHtml((fig.layout.title as { text?: string } | undefined)?.text ?? "figure");
  return `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${title}</title>\n</head>\n<body>\n${figureHtml(fig, "figure", src)}\n</body>\n</html>\n`;
}
