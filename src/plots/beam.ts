/**
 * Beam search you can watch: a tree of the candidates of every step (taught in notebook 09). Each node
 * is a word at an output position; kept beams in green, hypotheses that ended with _EOS in blue, candidates
 * that fell out of the beam in grey; a line joins each candidate to the beam it extends.
 */
import type { Figure } from "./figure";
import type { WatchedStep } from "../decode/translate";

const FATE_COLOURS = { kept: "#2ca02c", finished: "#1f77b4", dropped: "#b0b0b0" };

export function beamTree(steps: WatchedStep[], options: { title?: string } = {}): Figure {
  if (steps.length === 0) throw new Error("beamTree: no steps (run watchBeamSearch first)");
  // Where each kept beam sits: its words joined -> [x, y].
  const position = new Map<string, [number, number]>([["", [0, 0]]]);
  const edges = { x: [] as Array<number | null>, y: [] as Array<number | null> };
  const nodes = { kept: [], finished: [], dropped: [] } as Record<
    "kept" | "finished" | "dropped",
    Array<{ x: number; y: number; text: string; hover: string }>
  >;
  for (const s of steps) {
    s.candidates.forEach((c, rank) => {
      const x = s.step + 1,
        y = -rank;
      const parent = position.get(c.prefix.join(" ")) ?? [s.step, 0];
      edges.x.push(parent[0], x, null);
      edges.y.push(parent[1], y, null);
      const hover = `${[...c.prefix, c.word].join(" ")}<br>log P ${c.logProb.toFixed(3)}<br>normalised ${c.normalised.toFixed(3)}<br>${c.fate}`;
      nodes[c.fate].push({ x, y, text: c.word, hover });
      if (c.fate === "kept") position.set([...c.prefix, c.word].join(" "), [x, y]);
    });
  }
  const data: Array<Record<string, unknown>> = [
    {
      type: "scatter",
      mode: "lines",
      x: edges.x,
      y: edges.y,
      line: { color: "#cccccc", width: 1 },
      hoverinfo: "skip",
      showlegend: false,
    },
    {
      type: "scatter",
      mode: "markers",
      x: [0],
      y: [0],
      marker: { size: 10, color: "#555" },
      text: ["_SOS"],
      hovertemplate: "_SOS<extra></extra>",
      name: "start",
      showlegend: false,
    },
  ];
  for (const fate of ["kept", "finished", "dropped"] as const) {
    const n = nodes[fate];
    if (n.length === 0) continue;
    data.push({
      type: "scatter",
      mode: "markers+text",
      name: fate,
      x: n.map((p) => p.x),
      y: n.map((p) => p.y),
      text: n.map((p) => p.text),
      textposition: "middle right",
      customdata: n.map((p) => p.hover),
      hovertemplate: "%{customdata}<extra></extra>",
      marker: { size: 10, color: FATE_COLOURS[fate] },
      textfont: { color: fate === "dropped" ? "#888" : "#222" },
    });
  }
  const ranks = Math.max(...steps.map((s) => s.candidates.length));
  return {
    data,
    layout: {
      title: { text: options.title ?? "Beam search, step by step" },
      xaxis: { title: { text: "output position" }, dtick: 1, zeroline: false },
      yaxis: {
        title: { text: "rank among the step's candidates" },
        tickvals: Array.from({ length: ranks }, (_, k) => -k),
        ticktext: Array.from({ length: ranks }, (_, k) => String(k + 1)),
        zeroline: false,
      },
      width: Math.max(640, 150 + 110 * (steps.length + 1)),
      height: Math.max(360, 120 + 36 * ranks),
      legend: { orientation: "h", y: -0.2 },
    },
    config: { responsive: true, displaylogo: false },
  };
}
