/**
 * Drawings made of boxes, arrows and text, as plain Plotly figures (layout shapes and annotations on two
 * hidden axes measured in pixels, y upwards). The architecture pictures (architecture.ts) and the step
 * pictures (step-figures.ts) are built from them; the static picture (static-svg.ts) draws the same
 * shapes and annotations where scripts cannot run.
 *
 * One colour per role in every drawing and every notebook (shared/PICTURES.md): encoder states (the keys),
 * the query (a decoder state), scores, weights, the context, and words.
 */
import type { Figure } from "./figure";

/** The colour of each role. */
export const ROLE_COLOURS = {
  key: "#3b6ea5",
  query: "#d9822b",
  score: "#8e44ad",
  weight: "#2e8b57",
  context: "#c0392b",
  word: "#555555",
  state: "#7a6a3a",
} as const;
export type Role = keyof typeof ROLE_COLOURS;

/** A box's place: its centre and size, in the drawing's pixels (y upwards). */
export interface BoxPlace {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface TextOptions {
  size?: number;
  colour?: string;
  /** Horizontal anchor of the text at (x, y). */
  anchor?: "left" | "center" | "right";
  bold?: boolean;
}

/** `#rrggbb` with an opacity, as `rgba(...)`. */
export function tint(colour: string, alpha: number): string {
  const n = parseInt(colour.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha.toFixed(3)})`;
}

/** Where the segment from `p`'s centre towards `q`'s centre leaves box `p`. */
function edgePoint(p: BoxPlace, q: BoxPlace): [number, number] {
  const dx = q.x - p.x,
    dy = q.y - p.y;
  if (dx === 0 && dy === 0) return [p.x, p.y];
  const sx = dx === 0 ? Infinity : p.w / 2 / Math.abs(dx);
  const sy = dy === 0 ? Infinity : p.h / 2 / Math.abs(dy);
  const s = Math.min(sx, sy);
  return [p.x + dx * s, p.y + dy * s];
}

/**
 * A drawing of `width` x `height` pixels. `box`, `text` and `arrow` add to it; `figure` returns the Plotly
 * figure. Coordinates are pixels from the bottom-left corner.
 */
export class Drawing {
  private readonly shapes: Array<Record<string, unknown>> = [];
  private readonly annotations: Array<Record<string, unknown>> = [];

  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  /** A box centred at (x, y) holding `label`, outlined and tinted in its role's colour; returns its place. */
  box(place: BoxPlace, label: string, role: Role, options: { fill?: number; dash?: boolean } = {}): BoxPlace {
    const colour = ROLE_COLOURS[role];
    this.shapes.push({
      type: "rect",
      xref: "x",
      yref: "y",
      x0: place.x - place.w / 2,
      x1: place.x + place.w / 2,
      y0: place.y - place.h / 2,
      y1: place.y + place.h / 2,
      line: { color: colour, width: 1.5, ...(options.dash ? { dash: "dash" } : {}) },
      fillcolor: tint(colour, options.fill ?? 0.14),
      layer: "below",
    });
    if (label) this.text(place.x, place.y, label, { colour: "#222222" });
    return place;
  }

  /** Text centred (or anchored) at (x, y). */
  text(x: number, y: number, label: string, options: TextOptions = {}): this {
    this.annotations.push({
      x,
      y,
      xref: "x",
      yref: "y",
      text: options.bold ? `<b>${label}</b>` : label,
      showarrow: false,
      xanchor: options.anchor ?? "center",
      yanchor: "middle",
      font: { size: options.size ?? 13, color: options.colour ?? "#222222" },
    });
    return this;
  }

  /** An arrow from point `from` to point `to`, in `role`'s colour, with an optional label beside its middle. */
  arrow(
    from: [number, number],
    to: [number, number],
    role: Role,
    label = "",
    options: { dash?: boolean; width?: number; labelLeft?: boolean } = {},
  ): this {
    this.annotations.push({
      x: to[0],
      y: to[1],
      ax: from[0],
      ay: from[1],
      xref: "x",
      yref: "y",
      axref: "x",
      ayref: "y",
      text: "",
      showarrow: true,
      arrowhead: 2,
      arrowsize: 1,
      arrowwidth: options.width ?? (options.dash ? 1.2 : 1.8),
      arrowcolor: ROLE_COLOURS[role],
      standoff: 1,
    });
    if (label) {
      const [mx, my] = [(from[0] + to[0]) / 2, (from[1] + to[1]) / 2];
      const flat = Math.abs(to[1] - from[1]) < Math.abs(to[0] - from[0]) / 3;
      const side = flat
        ? { x: mx, y: my + 11, anchor: "center" as const }
        : {
            x: options.labelLeft ? mx - 6 : mx + 6,
            y: my,
            anchor: options.labelLeft ? ("right" as const) : ("left" as const),
          };
      this.text(side.x, side.y, label, { size: 11, colour: ROLE_COLOURS[role], anchor: side.anchor });
    }
    return this;
  }

  /** An arrow from box `a`'s edge to box `b`'s edge. */
  connect(a: BoxPlace, b: BoxPlace, role: Role, label = ""): this {
    return this.arrow(edgePoint(a, b), edgePoint(b, a), role, label);
  }

  /** The Plotly figure: hidden axes of fixed range (one unit a pixel), the shapes and the annotations. */
  figure(title: string): Figure {
    const margin = { l: 10, r: 10, t: title ? 50 : 10, b: 10 };
    const axis = (size: number) => ({ range: [0, size], visible: false, fixedrange: true });
    return {
      // One invisible point, so that Plotly draws the axes the shapes and annotations are placed on.
      data: [{ type: "scatter", x: [0], y: [0], mode: "markers", marker: { opacity: 0 }, hoverinfo: "skip" }],
      layout: {
        title: { text: title },
        width: this.width + margin.l + margin.r,
        height: this.height + margin.t + margin.b,
        margin,
        xaxis: axis(this.width),
        yaxis: axis(this.height),
        shapes: this.shapes,
        annotations: this.annotations,
        showlegend: false,
        plot_bgcolor: "white",
        meta: { workbookDrawing: true },
      },
      config: { responsive: false, displaylogo: false, displayModeBar: false },
    };
  }
}

/** A number as the step pictures print it: at most 3 decimals, no trailing zeros. */
export function formatValue(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const r = Number(x.toFixed(3));
  return (Object.is(r, -0) ? 0 : r).toString();
}

/** One labelled vector in a stage of a computation picture. */
export interface VectorRow {
  label: string;
  values: ArrayLike<number>;
  role: Role;
}

/** A column of a computation picture: a title above some labelled vectors. */
export interface Stage {
  title: string;
  rows: VectorRow[];
}

const CELL = { w: 46, h: 26, gap: 12 };
const STAGE_GAP = 58;

/** The width of a stage's labels: its longest label, at about 6.5 px a character. */
function labelWidth(stage: Stage): number {
  return Math.max(...stage.rows.map((r) => r.label.length)) * 6.5 + 12;
}

/** How wide a stage is: its labels and its longest vector. */
function stageWidth(stage: Stage): number {
  return labelWidth(stage) + Math.max(...stage.rows.map((r) => r.values.length)) * CELL.w;
}

/** Draws one stage with its left edge at x, its rows centred on y; returns its right edge. */
function drawStage(d: Drawing, stage: Stage, x: number, y: number, scale: number): number {
  const label = labelWidth(stage);
  const rowsHeight = stage.rows.length * (CELL.h + CELL.gap) - CELL.gap;
  d.text(x + stageWidth(stage) / 2, y + rowsHeight / 2 + 22, stage.title, { size: 12, bold: true });
  stage.rows.forEach((row, r) => {
    const cy = y + rowsHeight / 2 - CELL.h / 2 - r * (CELL.h + CELL.gap);
    d.text(x + label - 8, cy, row.label, { anchor: "right", colour: ROLE_COLOURS[row.role] });
    Array.from(row.values).forEach((v, i) => {
      const fill = 0.08 + 0.5 * Math.min(1, Math.abs(v) / scale);
      d.box({ x: x + label + (i + 0.5) * CELL.w, y: cy, w: CELL.w - 4, h: CELL.h }, formatValue(v), row.role, { fill });
    });
  });
  return x + stageWidth(stage);
}

/**
 * A computation drawn left to right, as the FloydHub tutorial draws each step, with the cell's own numbers:
 * each stage a column of labelled vectors (one box per number, tinted by its size), an arrow between
 * consecutive stages labelled with the operation (`ops[k]` leads from stage k to stage k+1).
 */
export function computationFigure(stages: Stage[], ops: string[], title: string): Figure {
  if (stages.length === 0) throw new Error("computationFigure: no stages");
  if (ops.length !== stages.length - 1) {
    throw new Error(
      `computationFigure: ${stages.length} stages need ${stages.length - 1} operations, got ${ops.length}`,
    );
  }
  const maxRows = Math.max(...stages.map((s) => s.rows.length));
  const height = maxRows * (CELL.h + CELL.gap) + 50;
  const drawn = stages.reduce((w, s) => w + stageWidth(s), 0) + STAGE_GAP * (stages.length - 1) + 10;
  const width = Math.max(drawn, title.length * 8.5 + 20); // room for the title
  const scale = Math.max(1e-9, ...stages.flatMap((s) => s.rows.flatMap((r) => Array.from(r.values, Math.abs))));
  const d = new Drawing(width, height);
  const mid = (height - 30) / 2 + 4;
  let x = 5;
  stages.forEach((stage, k) => {
    const right = drawStage(d, stage, x, mid, scale);
    if (k < ops.length) {
      d.arrow([right + 8, mid], [right + STAGE_GAP - 8, mid], "word");
      d.text(right + STAGE_GAP / 2, mid + 14, ops[k], { size: 11, colour: "#444444" });
    }
    x = right + STAGE_GAP;
  });
  return d.figure(title);
}

/** Every text a drawing shows (its annotations' texts without markup), for tests and descriptions. */
export function drawingTexts(fig: Figure): string[] {
  const annotations = (fig.layout.annotations ?? []) as Array<{ text?: string }>;
  return annotations.map((a) => (a.text ?? "").replace(/<[^>]+>/g, "")).filter((t) => t !== "");
}
