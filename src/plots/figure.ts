/** A Plotly figure as plain JSON: what `Plotly.newPlot(div, data, layout, config)` takes. */
export interface Figure {
  data: Array<Record<string, unknown>>;
  layout: Record<string, unknown>;
  config?: Record<string, unknown>;
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
