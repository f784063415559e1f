/**
 * `saveFigure(fig, path)`: a standalone HTML file for slides (UTF-8, plotly.js embedded so the file works
 * offline on its own), and a PNG beside it when headless Chromium is available.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Figure, cssSize, figureTitle } from "./figure";
import { escapeHtml } from "../util/html";
import { figureScript, plotlyJsPath } from "./display";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic",
];

/** The HTML of a figure with plotly.js inlined. */
export function selfContainedHtml(fig: Figure): string {
  const title = escapeHtml(figureTitle(fig) || "figure");
  const plotly = fs.readFileSync(plotlyJsPath(), "utf8").replace(/<\/script/gi, "<\\/script");
  const { width, height } = cssSize(fig, 480);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<script type="text/javascript">${plotly}</script>
</head>
<body>
<div id="figure" style="width:${width};height:${height}"></div>
<script type="text/javascript">
${figureScript(fig, "figure")}
</script>
</body>
</html>
`;
}

export interface SaveResult {
  html: string;
  png?: string;
  /** Why no PNG was written, when none was. */
  pngSkipped?: string;
}

/** Writes `<path>` (HTML) and, when Chromium and playwright-core are there, `<path minus .html>.png`. */
export async function saveFigure(fig: Figure, file: string, options: { png?: boolean } = {}): Promise<SaveResult> {
  const html = file.endsWith(".html") ? file : `${file}.html`;
  fs.mkdirSync(path.dirname(path.resolve(html)), { recursive: true });
  fs.writeFileSync(html, selfContainedHtml(fig), "utf8");
  const result: SaveResult = { html };
  if (options.png === false) return result;
  if (!fs.existsSync(CHROMIUM)) return { ...result, pngSkipped: `no Chromium at ${CHROMIUM}` };
  let playwright: typeof import("playwright-core");
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- playwright-core is a dev dependency, needed only to save PNGs
    playwright = require("playwright-core");
  } catch {
    return { ...result, pngSkipped: "playwright-core is not installed" };
  }
  const browser = await playwright.chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ deviceScaleFactor: 2 });
    await page.goto(`file://${path.resolve(html)}`);
    await page.waitForSelector("#figure .main-svg", { timeout: 15000 });
    const png = html.replace(/\.html$/, ".png");
    await page.locator("#figure").screenshot({ path: png });
    result.png = png;
  } finally {
    await browser.close();
  }
  return result;
}
