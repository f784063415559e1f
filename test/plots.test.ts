/**
 * Figures without a browser: the static picture that stands in for a figure where scripts cannot run,
 * the line chart's layout, and the script that never puts an error text in place of a figure.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { barChart, lineChart, heatmap, heatmapGrid } from "attention-workbook";
import { staticSvg, figureHtml, plotlyEmbedHtml, plotlyJsVersion } from "attention-workbook/plots";
import { gunzipSync } from "node:zlib";
import * as fs from "node:fs";

/** The [y, height] of each bar <rect> in a static picture (the first rect is the white background). */
function barRects(svg: string): Array<{ y: number; height: number }> {
  return [...svg.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="#3b6ea5"\/>/g)].map(
    (m) => ({ y: Number(m[1]), height: Number(m[2]) }),
  );
}

describe("figures", () => {
  it("a heatmap outlines the gold cells, in Plotly and in its static picture", () => {
    const w = [
      [0.9, 0.1],
      [0.2, 0.8],
    ];
    const fig = heatmap(w, ["she", "him"], ["sie", "ihn"], {
      gold: [
        [0, 0],
        [1, 1],
      ],
    });
    const shapes = fig.layout.shapes as Array<{ x0: number; x1: number; y0: number; y1: number; xref: string }>;
    assert.deepEqual(
      shapes.map((s) => [s.x0, s.x1, s.y0, s.y1, s.xref]),
      [
        [-0.5, 0.5, -0.5, 0.5, "x"],
        [0.5, 1.5, 0.5, 1.5, "x"],
      ],
    );
    assert.equal((staticSvg(fig).match(/fill="none" stroke="#e8453c"/g) ?? []).length, 2);
    const grid = heatmapGrid([
      { weights: w, sourceTokens: ["a", "b"], targetTokens: ["c", "d"], title: "one" },
      { weights: w, sourceTokens: ["a", "b"], targetTokens: ["c", "d"], title: "two", gold: [[1, 0]] },
    ]);
    assert.deepEqual(
      (grid.layout.shapes as Array<{ xref: string; x0: number }>).map((s) => [s.xref, s.x0]),
      [["x2", 0.5]],
    );
    assert.equal((staticSvg(grid).match(/stroke="#e8453c"/g) ?? []).length, 1);
  });

  it("a bar chart's static picture follows yRange: bars of 0.2 and 0.4 fill a fifth and two fifths of [0, 1]", () => {
    const fixed = barRects(staticSvg(barChart([0.2, 0.4], ["a", "b"], { yRange: [0, 1] })));
    const free = barRects(staticSvg(barChart([0.2, 0.4], ["a", "b"])));
    assert.equal(fixed.length, 2);
    const plotHeight = 320 - 50 - 80; // the picture's height less its top and bottom margins
    assert.ok(Math.abs(fixed[0].height - 0.2 * plotHeight) < 0.2, `bar 0.2: ${fixed[0].height} of ${plotHeight}`);
    assert.ok(Math.abs(fixed[1].height - 0.4 * plotHeight) < 0.2, `bar 0.4: ${fixed[1].height} of ${plotHeight}`);
    // Without yRange the tallest bar reaches the top, as before.
    assert.ok(Math.abs(free[1].height - plotHeight) < 0.2, `free range: ${free[1].height}`);
  });

  it("the line chart's legend stands right of the plot, away from the x-axis title", () => {
    const fig = lineChart([{ name: "loss", x: [1, 2], y: [3, 2] }], { xTitle: "step" });
    const legend = fig.layout.legend as { x: number; xanchor: string; orientation: string };
    assert.equal(legend.orientation, "v");
    assert.ok(legend.x >= 1 && legend.xanchor === "left", JSON.stringify(legend));
  });

  it("a figure's HTML keeps its static picture when plotly.js is nowhere: no error text in its place", () => {
    const html = figureHtml(barChart([0.5], ["x"]), "fig-1");
    assert.match(html, /<img class="workbook-static"/);
    assert.doesNotMatch(html, /not found|npm start/);
    assert.match(html, /if \(!el \|\| !Plotly\) return; \/\/ no plotly\.js here: the static picture stays/);
  });

  it("the notebook's copy of plotly.js is the package's plotly.js, gzip-compressed", () => {
    const html = plotlyEmbedHtml();
    const data = /var data = "([A-Za-z0-9+/=]+)";/.exec(html)?.[1];
    assert.ok(data, "no embedded data");
    const js = gunzipSync(Buffer.from(data, "base64"));
    const original = fs.readFileSync(require.resolve("plotly.js-dist/plotly.js"));
    assert.ok(js.equals(original), "the decompressed copy differs from plotly.js");
    assert.ok(data.length < original.length * 0.3, `${data.length} base64 characters for ${original.length} bytes`);
    assert.match(html, new RegExp(`plotly\\.js ${plotlyJsVersion().replace(/\./g, "\\.")} is included`));
  });
});
