/**
 * The attention heatmap: source tokens along x, output tokens down y (first output token at the top),
 * one cell per attention weight, as in the tutorials' plots.
 */
import { Figure, Matrix, toMatrix } from "./figure";

export interface HeatmapOptions {
  title?: string;
  /** Colour range; attention weights live in [0, 1], which is the default. */
  zmin?: number;
  zmax?: number;
  colorscale?: string;
  /** Write each value in its cell (for small matrices). */
  annotate?: boolean;
  /** Labels used in the hover text. */
  xName?: string;
  yName?: string;
  valueName?: string;
  showScale?: boolean;
  width?: number;
  height?: number;
  /** Gold word links `[source index, output index]` to outline (the corpus's gold alignment). */
  gold?: Array<[number, number]>;
}

/** Outlines of the gold cells, as Plotly shapes on the axes `x{suffix}`/`y{suffix}`. */
export function goldCellShapes(gold: Array<[number, number]>, suffix = ""): Array<Record<string, unknown>> {
  return gold.map(([i, j]) => ({
    type: "rect",
    xref: `x${suffix}`,
    yref: `y${suffix}`,
    x0: i - 0.5,
    x1: i + 0.5,
    y0: j - 0.5,
    y1: j + 0.5,
    line: { color: "#e8453c", width: 2.5 },
    fillcolor: "rgba(0,0,0,0)",
  }));
}

/** Tick values/labels that keep repeated tokens apart (a categorical axis would merge them). */
function tokenAxis(tokens: string[], title: string, reversed: boolean): Record<string, unknown> {
  return {
    title: { text: title, standoff: 16 },
    tickmode: "array",
    tickvals: tokens.map((_, i) => i),
    ticktext: tokens,
    autorange: reversed ? "reversed" : true,
    showgrid: false,
    zeroline: false,
    automargin: true,
    tickangle: reversed ? 0 : tokens.length > 8 ? -45 : 0,
  };
}

/** Heatmap trace and layout pieces, shared by `heatmap` and `heatmapGrid`. */
export function heatmapTrace(
  values: number[][],
  sourceTokens: string[],
  targetTokens: string[],
  options: HeatmapOptions = {},
): Record<string, unknown> {
  const xName = options.xName ?? "source";
  const yName = options.yName ?? "output";
  const valueName = options.valueName ?? "weight";
  const text = values.map((row, i) =>
    row.map((_, j) => `${yName} "${targetTokens[i]}" ← ${xName} "${sourceTokens[j]}"`),
  );
  return {
    type: "heatmap",
    z: values,
    x: sourceTokens.map((_, i) => i),
    y: targetTokens.map((_, i) => i),
    text,
    hovertemplate: `%{text}<br>${valueName} %{z:.3f}<extra></extra>`,
    zmin: options.zmin ?? 0,
    zmax: options.zmax ?? 1,
    colorscale: options.colorscale ?? "Viridis",
    showscale: options.showScale ?? true,
    ...(options.annotate ? { texttemplate: "%{z:.2f}" } : {}),
  };
}

/**
 * @param weights `[T,S]`: row t holds output token t's attention over the S source tokens
 * @param sourceTokens S labels for x
 * @param targetTokens T labels for y, first at the top
 */
export function heatmap(
  weights: Matrix,
  sourceTokens: string[],
  targetTokens: string[],
  options: HeatmapOptions = {},
): Figure {
  const z = toMatrix(weights, "heatmap weights");
  if (z.length !== targetTokens.length || (z[0]?.length ?? 0) !== sourceTokens.length) {
    throw new Error(
      `heatmap: weights are [${z.length},${z[0]?.length ?? 0}] but there are ${targetTokens.length} target and ${sourceTokens.length} source tokens (expected [T,S] = [${targetTokens.length},${sourceTokens.length}])`,
    );
  }
  const cell = 42;
  return {
    data: [heatmapTrace(z, sourceTokens, targetTokens, options)],
    layout: {
      title: { text: options.title ?? "Attention weights" },
      xaxis: { ...tokenAxis(sourceTokens, options.xName ?? "source", false), side: "bottom" },
      yaxis: tokenAxis(targetTokens, options.yName ?? "output", true),
      width: options.width ?? Math.max(360, 160 + cell * sourceTokens.length),
      height: options.height ?? Math.max(300, 170 + cell * targetTokens.length),
      margin: { t: 60, r: 20 },
      ...(options.gold ? { shapes: goldCellShapes(options.gold) } : {}),
    },
    config: { responsive: true, displaylogo: false },
  };
}
