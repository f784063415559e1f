/** A Plotly figure as plain JSON: what `Plotly.newPlot(div, data, layout, config)` takes. */
export interface Figure {
  data: Array<Record<string, unknown>>;
  layout: Record<string, unknown>;
  config?: Record<string, unknown>;
  /** Animation frames (motion.ts), played by the layout's buttons and sliders. */
  frames?: AnimationFrame[];
}

/** One animation frame: its name, the indices of the traces it changes, and their new data (in that order). */
export interface AnimationFrame {
  name: string;
  traces: number[];
  data: Array<Record<string, unknown>>;
}

/** A figure's title text, `""` when its layout has none. */
export function figureTitle(fig: Figure): string {
  return (fig.layout.title as { text?: string } | undefined)?.text ?? "";
}

/** The width and height in pixels that a figure's layout sets (each undefined where it leaves it open). */
export function layoutSize(fig: Figure): { width?: number; height?: number } {
  const px = (v: unknown) => (typeof v === "number" ? v : undefined);
  return { width: px(fig.layout.width), height: px(fig.layout.height) };
}

/** The CSS size of a figure's box: the layout's pixels, else the full width and `height` pixels. */
export function cssSize(fig: Figure, height: number): { width: string; height: string } {
  const size = layoutSize(fig);
  return { width: size.width ? `${size.width}px` : "100%", height: `${size.height ?? height}px` };
}

/** Accepts a nested array or anything with `arraySync()` (a tf.Tensor2D). */
export type Matrix = number[][] | { arraySync(): unknown; shape: number[] };

export function toMatrix(m: Matrix, name: string): number[][] {
  const rows = Array.isArray(m) ? m : (m.arraySync() as number[][]);
  if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r))) {
    throw new Error(`${name}: expected a matrix [rows][cols] (a 2-D array or tf.Tensor2D)`);
  }
  const width = rows[0]?.length ?? 0;
  rows.forEach((r, i) => {
    if (r.length !== width) throw new Error(`${name}: row ${i} has ${r.length} values, row 0 has ${width}`);
  });
  return rows;
}
