/**
 * The exported site's index.html: the text box, the beam switch, the translation, the figures, the model's
 * card and the backend line. The page's script (./page) fills them in; the scripts are plain `<script src>`
 * (no modules, no fetch) so that the page works from file:// as well as from a web server.
 */
import { escapeHtml } from "../../util/html";

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1d2330; background: #fafbfc; }
main { max-width: 980px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; }
h2 { font-size: 1.1rem; margin: 32px 0 8px; }
.lead, .small { color: #4a5365; }
.small { font-size: 0.85rem; }
label { font-weight: 600; }
textarea { width: 100%; box-sizing: border-box; font: inherit; font-size: 1.15rem; padding: 10px; border: 1px solid #b8c0cc; border-radius: 6px; }
.controls { margin: 8px 0; display: flex; gap: 20px; align-items: center; }
.controls label { font-weight: normal; }
#beam-width { width: 4.5em; font: inherit; }
#translation { font-size: 1.4rem; min-height: 1.6em; margin: 4px 0; }
.output-label { font-weight: 600; margin: 16px 0 0; }
#message.note { color: #6b4e00; background: #fff6d6; padding: 8px 10px; border-radius: 6px; }
#message.error { color: #8a1c12; background: #fde8e6; padding: 8px 10px; border-radius: 6px; }
.figure { margin: 12px 0; max-width: 100%; overflow-x: auto; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dt { font-weight: 600; }
dd { margin: 0; }
`;

/** The page; `title` names the model (the checkpoint's folder). */
export function indexHtml(title: string): string {
  const t = escapeHtml(title);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t}: English to German with attention</title>
<style>${STYLE}</style>
</head>
<body>
<main id="app" data-ready="false">
<h1>${t}: English to German with attention</h1>
<p class="lead">A model trained in the attention workbook, translating in your browser. Nothing you type leaves this page.</p>
<noscript><p id="noscript" class="error">This page needs JavaScript to translate.</p></noscript>
<label for="text">English</label>
<textarea id="text" rows="2" spellcheck="false" disabled placeholder="Loading the model…"></textarea>
<div class="controls">
<label><input type="checkbox" id="beam-on" disabled> beam search</label>
<label>width <input type="number" id="beam-width" value="3" min="1" max="100" step="1" disabled></label>
</div>
<p id="message" hidden></p>
<p class="output-label">German</p>
<p id="translation" aria-live="polite"></p>
<p id="timing" class="small"></p>
<section id="figures" hidden>
<h2>Attention</h2>
<p class="small">Each row is a German word the model wrote; the bright cells are the English words it looked at while writing it. Below, the same decoding one word per frame: press ▶ Play or drag the slider.</p>
<div id="heatmap" class="figure"></div>
<div id="motion" class="figure"></div>
</section>
<h2>The model</h2>
<dl id="card"></dl>
<p id="backend" class="small">Starting TensorFlow.js…</p>
</main>
<script src="model.js"></script>
<script src="app.js"></script>
</body>
</html>
`;
}
