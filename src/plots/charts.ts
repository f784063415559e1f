/**
 * Step-by-step charts for the walkthroughs: a vector as labelled bars (alignment scores, then weights),
 * a small matrix as an annotated heatmap (encoder outputs, W·h), a grid of attention heatmaps with one
 * colour scale, and loss curves.
 */
import { Figure, Matrix, toMatrix } from "./figure";
import { goldCellShapes, heatmap, heatmapTrace, HeatmapOptions } from "./heatmap";

export interface BarOptions {
  title?: string;
  yTitle?: string;
  /** Fix the y range (e.g. [0, 1] for weights). */
  yRange?: [number, number];
  color?: string;
}

/** A vector as labelled bars, each bar showing its value. */
export function barChart(values: ArrayLike<number>, labels: string[], options: BarOptions = {}): Figure {
  const v = Array.from(values);
  if (v.length !== labels.length) throw new Error(`barChart: ${v.length} values but ${labels.length} labels`);
  return {
    data: [
      {
        type: "bar",
        x: labels.map((_, i) => i),
        y: v,
        text: v.map((x) => x.toFixed(3)),
        textposition: "outside",
        customdata: labels,
        hovertemplate: "%{customdata}: %{y:.4f}<extra></extra>",
        marker: { color: options.color ?? "#3b6ea5" },
      },
    ],
    layout: {
      title: { text: options.title ?? "" },
      xaxis: { tickmode: "array", tickvals: labels.map((_, i) => i), ticktext: labels, automargin: true },
      yaxis: {
        title: { text: options.yTitle ?? "" },
        ...(options.yRange ? { range: options.yRange } : {}),
        zeroline: true,
      },
      width: Math.max(320, 120 + 70 * labels.length),
      height: 320,
      margin: { t: 50 },
    },
    config: { responsive: true, displaylogo: false },
  };
}

/** A small matrix as an annotated heatmap; the colour range follows the values unless given. */
export function matrixHeatmap(
  matrix: Matrix,
  rowLabels: string[],
  columnLabels: string[],
  options: HeatmapOptions = {},
): Figure {
  const z = toMatrix(matrix, "matrixHeatmap");
  const flat = z.flat();
  const lo = Math.min(...flat),
    hi = Math.max(...flat);
  const bound = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  return heatmap(z, columnLabels, rowLabels, {
    zmin: lo < 0 ? -bound : 0,
    zmax: bound,
    colorscale: lo < 0 ? "RdBu" : "Viridis",
    annotate: true,
    xName: "column",
    yName: "row",
    valueName: "value",
    title: options.title ?? "",
    ...options,
  });
}

export interface GridItem {
  weights: Matrix;
  sourceTokens: string[];
  targetTokens: string[];
  title: string;
  /** Gold word links `[source index, output index]` to outline. */
  gold?: Array<[number, number]>;
}

/** Several attention heatmaps side by side with one shared colour scale [0, 1]. */
export function heatmapGrid(items: GridItem[], options: { title?: string; columns?: number } = {}): Figure {
  if (items.length === 0) throw new Error("heatmapGrid: no heatmaps");
  const columns = Math.min(options.columns ?? 2, items.length);
  const rows = Math.ceil(items.length / columns);
  const data: Array<Record<string, unknown>> = [];
  const layout: Record<string, unknown> = {
    title: { text: options.title ?? "Attention weights" },
    coloraxis: { cmin: 0, cmax: 1, colorscale: "Viridis", colorbar: { title: { text: "weight" } } },
    annotations: [] as unknown[],
    shapes: [] as unknown[],
    width: 40 + columns * Math.max(300, 100 + 40 * Math.max(...items.map((i) => i.sourceTokens.length))),
    height: 60 + rows * Math.max(280, 120 + 36 * Math.max(...items.map((i) => i.targetTokens.length))),
    margin: { t: 70, l: 90, b: 80 },
  };
  items.forEach((item, k) => addGridCell(data, layout, item, k, gridCell(k, columns, rows)));
  return { data, layout, config: { responsive: true, displaylogo: false } };
}

/** Where item `k` of a grid sits, in paper coordinates: its left edge, its top, its width and height. */
function gridCell(k: number, columns: number, rows: number): { x0: number; y1: number; w: number; h: number } {
  const gap = 0.12;
  const w = (1 - gap * (columns - 1)) / columns;
  const h = (1 - gap * (rows - 1)) / rows;
  return { x0: (k % columns) * (w + gap), y1: 1 - Math.floor(k / columns) * (h + gap), w, h };
}

/** The x axis (source words) and y axis (output words, top down) of grid item `suffix` in its cell. */
function gridAxes(
  item: GridItem,
  suffix: string,
  { x0, y1, w, h }: { x0: number; y1: number; w: number; h: number },
): Record<string, unknown> {
  const tokenAxis = (tokens: string[]) => ({ tickmode: "array", tickvals: tokens.map((_, i) => i), ticktext: tokens });
  return {
    [`xaxis${suffix}`]: {
      domain: [x0, x0 + w],
      anchor: `y${suffix}`,
      ...tokenAxis(item.sourceTokens),
      tickangle: item.sourceTokens.length > 6 ? -45 : 0,
      showgrid: false,
      zeroline: false,
    },
    [`yaxis${suffix}`]: {
      domain: [y1 - h, y1],
      anchor: `x${suffix}`,
      ...tokenAxis(item.targetTokens),
      autorange: "reversed",
      showgrid: false,
      zeroline: false,
    },
  };
}

/** Adds grid item `k`: its heatmap trace on axes x{k+1}, y{k+1}, those axes, its gold outlines and its title. */
function addGridCell(
  data: Array<Record<string, unknown>>,
  layout: Record<string, unknown>,
  item: GridItem,
  k: number,
  { x0, y1, w, h }: { x0: number; y1: number; w: number; h: number },
): void {
  const z = toMatrix(item.weights, `heatmapGrid item ${k}`);
  if (z.length !== item.targetTokens.length || (z[0]?.length ?? 0) !== item.sourceTokens.length) {
    throw new Error(
      `heatmapGrid item ${k} (${item.title}): weights [${z.length},${z[0]?.length ?? 0}] but ${item.targetTokens.length} target and ${item.sourceTokens.length} source tokens`,
    );
  }
  const suffix = k === 0 ? "" : String(k + 1);
  const {
    zmin: _zmin,
    zmax: _zmax,
    colorscale: _colorscale,
    showscale: _showscale,
    ...trace
  } = heatmapTrace(z, item.sourceTokens, item.targetTokens);
  data.push({ ...trace, coloraxis: "coloraxis", xaxis: `x${suffix}`, yaxis: `y${suffix}` });
  Object.assign(layout, gridAxes(item, suffix, { x0, y1, w, h }));
  (layout.shapes as unknown[]).push(...goldCellShapes(item.gold ?? [], suffix));
  (layout.annotations as unknown[]).push({
    text: `<b>${item.title}</b>`,
    x: x0 + w / 2,
    y: y1,
    xref: "paper",
    yref: "paper",
    xanchor: "center",
    yanchor: "bottom",
    showarrow: false,
    yshift: 4,
  });
}

export interface Series {
  name: string;
  x: number[];
  y: number[];
  dash?: "solid" | "dash" | "dot";
}

/** Line chart of several series (loss curves overlaid). */
export function lineChart(
  series: Series[],
  options: { title?: string; xTitle?: string; yTitle?: string; logY?: boolean } = {},
): Figure {
  return {
    data: series.map((s) => ({
      type: "scatter",
      mode: "lines+markers",
      name: s.name,
      x: s.x,
      y: s.y,
      line: { dash: s.dash ?? "solid" },
      marker: { size: 4 },
    })),
    layout: {
      title: { text: options.title ?? "" },
      xaxis: { title: { text: options.xTitle ?? "" } },
      yaxis: { title: { text: options.yTitle ?? "" }, type: options.logY ? "log" : "linear" },
      width: 720,
      height: 380,
      // The legend sits right of the plot (Plotly's default place), clear of the x-axis title.
      legend: { orientation: "v", x: 1.02, xanchor: "left", y: 1, yanchor: "top" },
    },
    config: { responsive: true, displaylogo: false },
  };
}
