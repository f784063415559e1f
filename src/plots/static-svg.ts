/**
 * A static SVG picture of a figure, written without a browser: heatmaps (one or a grid), bars and lines,
 * with their tick labels. It sits inside the HTML output, so a notebook reopened without being trusted
 * (scripts off, HTML sanitized) still shows the picture; when scripts run, Plotly replaces it.
 */
import { Figure, figureTitle, layoutSize } from "./figure";
import { escapeHtml } from "../util/html";
import { Frame, isPositioned, layoutMargin, positionedParts } from "./static-positioned";

const VIRIDIS = [
  "#440154",
  "#482878",
  "#3e4989",
  "#31688e",
  "#26828e",
  "#1f9e89",
  "#35b779",
  "#6ece58",
  "#b5de2b",
  "#fde725",
];

function viridis(t: number): string {
  const x = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  return VIRIDIS[Math.round(x)];
}

function diverging(t: number): string {
  // t in [0,1]: blue (0) - white (0.5) - red (1)
  const c = Math.max(0, Math.min(1, t));
  const lerp = (a: number, b: number, u: number) => Math.round(a + (b - a) * u);
  const [r, g, b] =
    c < 0.5
      ? [lerp(33, 247, c * 2), lerp(102, 247, c * 2), lerp(172, 247, c * 2)]
      : [lerp(247, 178, (c - 0.5) * 2), lerp(247, 24, (c - 0.5) * 2), lerp(247, 43, (c - 0.5) * 2)];
  return `rgb(${r},${g},${b})`;
}

type Axis = { domain?: number[]; ticktext?: string[]; autorange?: unknown };

function text(x: number, y: number, s: string, attrs = ""): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeHtml(s)}</text>`;
}

export function staticSvg(fig: Figure): string {
  const { width: W = 640, height: H = 400 } = layoutSize(fig);
  const positioned = isPositioned(fig);
  const m = positioned ? layoutMargin(fig) : { l: 100, r: 30, t: 50, b: 80 };
  const frame: Frame = { W, H, m, plotW: W - m.l - m.r, plotH: H - m.t - m.b };
  const title = figureTitle(fig).replace(/<[^>]+>/g, "");
  const parts: string[] = [`<rect width="${W}" height="${H}" fill="white"/>`];
  if (title) parts.push(text(W / 2, 28, title, `text-anchor="middle" font-size="16"`));
  fig.data.filter((d) => d.type === "heatmap").forEach((trace, k) => parts.push(...heatmapParts(fig, trace, k, frame)));
  if (positioned) parts.push(...positionedParts(fig, frame));
  else parts.push(...barAndLineParts(fig, frame));
  return `<svg xmlns="http://www.w3.org/2000/svg" class="workbook-static" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">${parts.join("")}</svg>`;
}

/** Heatmap trace `k` (on axes x{k+1}, y{k+1}): its cells, their values, the gold outlines and the tick labels. */
function heatmapParts(fig: Figure, trace: Record<string, unknown>, k: number, { m, plotW, plotH }: Frame): string[] {
  const parts: string[] = [];
  const suffix = typeof trace.xaxis === "string" ? trace.xaxis.slice(1) : k === 0 ? "" : String(k + 1);
  const xa = (fig.layout[`xaxis${suffix}`] ?? {}) as Axis,
    ya = (fig.layout[`yaxis${suffix}`] ?? {}) as Axis;
  const [x0, x1] = xa.domain ?? [0, 1],
    [y0, y1] = ya.domain ?? [0, 1];
  const z = trace.z as number[][];
  const rows = z.length,
    cols = z[0]?.length ?? 0;
  const left = m.l + x0 * plotW,
    top = m.t + (1 - y1) * plotH;
  const cw = ((x1 - x0) * plotW) / Math.max(cols, 1),
    ch = ((y1 - y0) * plotH) / Math.max(rows, 1);
  const zmin = (trace.zmin as number | undefined) ?? 0,
    zmax = (trace.zmax as number | undefined) ?? 1;
  const colour = trace.colorscale === "RdBu" ? diverging : viridis;
  z.forEach((row, i) =>
    row.forEach((v, j) => {
      const t = (v - zmin) / (zmax - zmin || 1);
      parts.push(
        `<rect x="${(left + j * cw).toFixed(1)}" y="${(top + i * ch).toFixed(1)}" width="${cw.toFixed(1)}" height="${ch.toFixed(1)}" fill="${colour(t)}"/>`,
      );
      const dark = colour === viridis ? t < 0.6 : t < 0.2 || t > 0.8;
      if (trace.texttemplate) {
        const attrs = `text-anchor="middle" font-size="11" fill="${dark ? "white" : "black"}"`;
        parts.push(text(left + (j + 0.5) * cw, top + (i + 0.5) * ch + 4, v.toFixed(2), attrs));
      }
    }),
  );
  // Gold cells (goldCellShapes) outlined.
  const shapes = (
    (fig.layout.shapes ?? []) as Array<{ xref?: string; x0: number; y0: number; line?: { color?: string } }>
  ).filter((sh) => sh.xref === `x${suffix}`);
  for (const sh of shapes) {
    parts.push(
      `<rect x="${(left + (sh.x0 + 0.5) * cw).toFixed(1)}" y="${(top + (sh.y0 + 0.5) * ch).toFixed(1)}" width="${cw.toFixed(1)}" height="${ch.toFixed(1)}" fill="none" stroke="${sh.line?.color ?? "red"}" stroke-width="2.5"/>`,
    );
  }
  (ya.ticktext ?? []).forEach((t, i) =>
    parts.push(text(left - 6, top + (i + 0.5) * ch + 4, t, `text-anchor="end" font-size="12"`)),
  );
  (xa.ticktext ?? []).forEach((t, j) => {
    const [x, y] = [left + (j + 0.5) * cw, top + rows * ch + 14];
    parts.push(
      text(x, y, t, `text-anchor="end" font-size="12" transform="rotate(-45 ${x.toFixed(1)} ${y.toFixed(1)})"`),
    );
  });
  return parts;
}

/** Bar and line traces on one pair of axes: the axes, the y range's ends, the bars with labels, the lines with names. */
function barAndLineParts(fig: Figure, { H, m, plotW, plotH }: Frame): string[] {
  const bars = fig.data.filter((d) => d.type === "bar");
  const lines = fig.data.filter((d) => d.type === "scatter");
  if (!bars.length && !lines.length) return [];
  const ys = [...bars, ...lines].flatMap((d) => (d.y as number[]).filter(Number.isFinite));
  // A fixed y range (barChart's yRange) wins over the range of the values.
  const range = (fig.layout.yaxis as { range?: [number, number] } | undefined)?.range;
  const lo = range ? range[0] : Math.min(0, ...ys),
    hi = range ? range[1] : Math.max(...ys, lo + 1e-9);
  const sy = (v: number) => m.t + plotH - ((v - lo) / (hi - lo)) * plotH;
  const parts = [
    `<line x1="${m.l}" y1="${sy(lo)}" x2="${m.l + plotW}" y2="${sy(lo)}" stroke="#888"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${m.t + plotH}" stroke="#888"/>`,
    text(m.l - 6, sy(hi) + 4, hi.toPrecision(3), `text-anchor="end" font-size="11"`),
    text(m.l - 6, sy(lo) + 4, lo.toPrecision(3), `text-anchor="end" font-size="11"`),
  ];
  for (const b of bars) {
    const y = b.y as number[];
    const labels = (fig.layout.xaxis as Axis | undefined)?.ticktext ?? y.map((_, i) => String(i));
    const bw = plotW / Math.max(y.length, 1);
    y.forEach((v, i) => {
      parts.push(
        `<rect x="${(m.l + i * bw + bw * 0.15).toFixed(1)}" y="${Math.min(sy(v), sy(0)).toFixed(1)}" width="${(bw * 0.7).toFixed(1)}" height="${Math.abs(sy(v) - sy(0)).toFixed(1)}" fill="#3b6ea5"/>`,
        text(m.l + (i + 0.5) * bw, m.t + plotH + 16, labels[i] ?? "", `text-anchor="middle" font-size="12"`),
      );
    });
  }
  if (!lines.length) return parts;
  const xs = lines.flatMap((d) => (d.x as number[]).filter(Number.isFinite));
  const xlo = Math.min(...xs),
    xhi = Math.max(...xs, xlo + 1e-9);
  const sx = (v: number) => m.l + ((v - xlo) / (xhi - xlo)) * plotW;
  const colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"];
  lines.forEach((l, k) => {
    const colour = colours[k % colours.length];
    const pts = (l.x as number[]).map((x, i) => `${sx(x).toFixed(1)},${sy((l.y as number[])[i]).toFixed(1)}`).join(" ");
    parts.push(
      `<polyline points="${pts}" fill="none" stroke="${colour}" stroke-width="2"/>`,
      text(m.l + 10 + 150 * k, H - 12, String(l.name ?? ""), `font-size="12" fill="${colour}"`),
    );
  });
  return parts;
}
