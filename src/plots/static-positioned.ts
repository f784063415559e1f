/**
 * The static picture of a figure whose axes have fixed ranges (the drawings of diagram.ts, the animated
 * figures of motion.ts): its layout shapes, annotations (text and arrows), and scatter and bar traces, each
 * placed on its own axes. static-svg.ts draws heatmaps and the rest.
 */
import type { Figure } from "./figure";
import { escapeHtml } from "../util/html";

/** The picture's frame: its size, the margins, and the plotting area between them. */
export interface Frame {
  W: number;
  H: number;
  m: { l: number; r: number; t: number; b: number };
  plotW: number;
  plotH: number;
}

type Axis = { domain?: number[]; range?: number[] };
type Point = [number, number];

/** True when the figure's first axes both have fixed ranges: everything is placed by its coordinates. */
export function isPositioned(fig: Figure): boolean {
  const x = fig.layout.xaxis as Axis | undefined,
    y = fig.layout.yaxis as Axis | undefined;
  return Array.isArray(x?.range) && Array.isArray(y?.range);
}

/** The layout's margins, with Plotly's defaults where it sets none. */
export function layoutMargin(fig: Figure): Frame["m"] {
  const m = (fig.layout.margin ?? {}) as Partial<Frame["m"]>;
  return { l: m.l ?? 80, r: m.r ?? 80, t: m.t ?? 100, b: m.b ?? 80 };
}

/** Maps data coordinates on axes `xref`/`yref` ("x", "x2", "paper", ...) to the picture's pixels. */
function mapper(fig: Figure, xref: string, yref: string, { m, plotW, plotH }: Frame): (p: Point) => Point {
  const scale = (ref: string, letter: "x" | "y") => {
    if (ref === "paper") return (v: number) => v;
    const axis = (fig.layout[`${letter}axis${ref.slice(1)}`] ?? {}) as Axis;
    const [d0, d1] = axis.domain ?? [0, 1];
    const [a, b] = axis.range ?? [0, 1];
    return (v: number) => d0 + ((v - a) / (b - a || 1)) * (d1 - d0);
  };
  const sx = scale(xref, "x"),
    sy = scale(yref, "y");
  return ([x, y]) => [m.l + sx(x) * plotW, m.t + (1 - sy(y)) * plotH];
}

export function svgText(x: number, y: number, s: string, attrs = ""): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeHtml(s)}</text>`;
}

const ANCHORS: Record<string, string> = { left: "start", center: "middle", right: "end" };

type Shape = {
  type?: string;
  xref?: string;
  yref?: string;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  fillcolor?: string;
  line?: { color?: string; width?: number; dash?: string };
};

function shapePart(fig: Figure, sh: Shape, frame: Frame): string {
  const map = mapper(fig, sh.xref ?? "x", sh.yref ?? "y", frame);
  const [[x0, y0], [x1, y1]] = [map([sh.x0, sh.y0]), map([sh.x1, sh.y1])];
  const stroke = `stroke="${sh.line?.color ?? "#444"}" stroke-width="${sh.line?.width ?? 1}"${sh.line?.dash ? ` stroke-dasharray="5,3"` : ""}`;
  if (sh.type === "line") return `<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y1}" ${stroke}/>`;
  const [x, y, w, h] = [Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0)];
  const fill = `fill="${sh.fillcolor ?? "none"}"`;
  if (sh.type === "circle")
    return `<ellipse cx="${x + w / 2}" cy="${y + h / 2}" rx="${w / 2}" ry="${h / 2}" ${fill} ${stroke}/>`;
  return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" ${fill} ${stroke}/>`;
}

type Annotation = {
  x: number;
  y: number;
  ax?: number;
  ay?: number;
  xref?: string;
  yref?: string;
  text?: string;
  showarrow?: boolean;
  arrowcolor?: string;
  arrowwidth?: number;
  xanchor?: string;
  font?: { size?: number; color?: string };
};

/** An arrow from (ax, ay) to (x, y) in data coordinates, with a filled head. */
function arrowPart(to: Point, from: Point, colour: string, width: number): string {
  const [dx, dy] = [to[0] - from[0], to[1] - from[1]];
  const len = Math.hypot(dx, dy) || 1;
  const [ux, uy] = [dx / len, dy / len];
  const head = 8;
  const base: Point = [to[0] - ux * head, to[1] - uy * head];
  const wing = (s: number): string => `${(base[0] - uy * s * 4).toFixed(1)},${(base[1] + ux * s * 4).toFixed(1)}`;
  return (
    `<line x1="${from[0].toFixed(1)}" y1="${from[1].toFixed(1)}" x2="${base[0].toFixed(1)}" y2="${base[1].toFixed(1)}" stroke="${colour}" stroke-width="${width}"/>` +
    `<polygon points="${to[0].toFixed(1)},${to[1].toFixed(1)} ${wing(1)} ${wing(-1)}" fill="${colour}"/>`
  );
}

function annotationPart(fig: Figure, a: Annotation, frame: Frame): string {
  const map = mapper(fig, a.xref ?? "x", a.yref ?? "y", frame);
  const [x, y] = map([a.x, a.y]);
  if (a.showarrow && a.ax !== undefined && a.ay !== undefined) {
    return arrowPart([x, y], map([a.ax, a.ay]), a.arrowcolor ?? "#444", a.arrowwidth ?? 1.5);
  }
  const raw = a.text ?? "";
  if (!raw) return "";
  const weight = raw.includes("<b>") ? ` font-weight="bold"` : "";
  const anchor = ANCHORS[a.xanchor ?? "center"] ?? "middle";
  const attrs = `text-anchor="${anchor}" font-size="${a.font?.size ?? 12}" fill="${a.font?.color ?? "#222"}"${weight}`;
  return svgText(x, y + (a.font?.size ?? 12) * 0.35, raw.replace(/<[^>]+>/g, ""), attrs);
}

type Trace = Record<string, unknown>;
const at = <T>(v: T | T[] | undefined, i: number): T | undefined => (Array.isArray(v) ? v[i] : v);

/** A scatter trace on its axes: its line, its markers and its texts. */
function scatterPart(fig: Figure, trace: Trace, frame: Frame): string[] {
  const map = mapper(fig, (trace.xaxis as string) ?? "x", (trace.yaxis as string) ?? "y", frame);
  const mode = String(trace.mode ?? "lines+markers");
  const xs = (trace.x ?? []) as Array<number | null>,
    ys = (trace.y ?? []) as Array<number | null>;
  const points = xs.map((x, i) => (x === null || ys[i] === null ? null : map([Number(x), Number(ys[i])])));
  const line = (trace.line ?? {}) as { color?: string; width?: number };
  const marker = (trace.marker ?? {}) as { color?: string | string[]; size?: number | number[]; opacity?: number };
  const opacity = typeof trace.opacity === "number" ? trace.opacity : 1;
  const parts: string[] = [];
  if (mode.includes("lines")) {
    const pts = points.filter((p): p is Point => p !== null).map((p) => `${p[0].toFixed(1)},${p[1].toFixed(1)}`);
    parts.push(
      `<polyline points="${pts.join(" ")}" fill="none" stroke="${line.color ?? "#1f77b4"}" stroke-width="${line.width ?? 2}" stroke-opacity="${opacity}"/>`,
    );
  }
  points.forEach((p, i) => {
    if (!p) return;
    if (mode.includes("markers") && marker.opacity !== 0) {
      const r = (Number(at(marker.size, i) ?? 6) / 2).toFixed(1);
      parts.push(
        `<circle cx="${p[0].toFixed(1)}" cy="${p[1].toFixed(1)}" r="${r}" fill="${at(marker.color, i) ?? "#1f77b4"}" fill-opacity="${opacity}"/>`,
      );
    }
    const label = at(trace.text as string | string[] | undefined, i);
    if (mode.includes("text") && label) {
      const below = String(at(trace.textposition as string | string[] | undefined, i) ?? "").startsWith("bottom");
      const size = (trace.textfont as { size?: number } | undefined)?.size ?? 12;
      parts.push(
        svgText(
          p[0],
          p[1] + (below ? size + 6 : -8),
          String(label).replace(/<[^>]+>/g, ""),
          `text-anchor="middle" font-size="${size}"`,
        ),
      );
    }
  });
  return parts;
}

/** Bar traces on their axes, grouped side by side. */
function barParts(fig: Figure, bars: Trace[], frame: Frame): string[] {
  return bars.flatMap((trace, k) => {
    const map = mapper(fig, (trace.xaxis as string) ?? "x", (trace.yaxis as string) ?? "y", frame);
    const xs = (trace.x ?? []) as number[],
      ys = (trace.y ?? []) as number[];
    const colour = ((trace.marker ?? {}) as { color?: string }).color ?? "#3b6ea5";
    return xs.map((x, i) => {
      const w = 0.8 / bars.length;
      const [x0, y0] = map([Number(x) - 0.4 + k * w, 0]);
      const [x1, y1] = map([Number(x) - 0.4 + (k + 1) * w, ys[i] ?? 0]);
      return `<rect x="${Math.min(x0, x1).toFixed(1)}" y="${Math.min(y0, y1).toFixed(1)}" width="${Math.abs(x1 - x0).toFixed(1)}" height="${Math.abs(y1 - y0).toFixed(1)}" fill="${colour}"/>`;
    });
  });
}

/** The shapes, the scatter and bar traces, and the annotations of a positioned figure, in that order. */
export function positionedParts(fig: Figure, frame: Frame): string[] {
  const shapes = ((fig.layout.shapes ?? []) as Shape[]).filter(
    (s) => !(s.xref ?? "x").startsWith("x") || isRanged(fig, s.xref ?? "x"),
  );
  const annotations = (fig.layout.annotations ?? []) as Annotation[];
  return [
    ...shapes.map((sh) => shapePart(fig, sh, frame)),
    ...barParts(
      fig,
      fig.data.filter((d) => d.type === "bar"),
      frame,
    ),
    ...fig.data.filter((d) => d.type === "scatter").flatMap((d) => scatterPart(fig, d, frame)),
    ...annotations.map((a) => annotationPart(fig, a, frame)),
    ...tickParts(fig, frame),
  ];
}

/** The tick labels of every visible x axis with a fixed range, under its domain. */
function tickParts(fig: Figure, frame: Frame): string[] {
  return Object.keys(fig.layout)
    .filter((k) => /^xaxis\d*$/.test(k))
    .flatMap((key) => {
      const axis = fig.layout[key] as Axis & {
        visible?: boolean;
        ticktext?: string[];
        tickvals?: number[];
        anchor?: string;
      };
      if (axis.visible === false || !axis.range || !axis.ticktext || !axis.tickvals) return [];
      const suffix = key.slice(5);
      const yAxis = (fig.layout[`yaxis${suffix}`] ?? {}) as Axis;
      const map = mapper(fig, `x${suffix}`, `y${suffix}`, frame);
      const bottom = yAxis.range ? Math.min(...yAxis.range) : 0;
      const labels = axis.ticktext;
      return axis.tickvals.map((v, i) => {
        const [x, y] = map([v, bottom]);
        return svgText(x, y + 16, labels[i] ?? "", `text-anchor="middle" font-size="12"`);
      });
    });
}

/** True when the axis `ref` ("x", "x2", ...) has a fixed range. */
function isRanged(fig: Figure, ref: string): boolean {
  return Array.isArray((fig.layout[`xaxis${ref.slice(1)}`] as Axis | undefined)?.range);
}
