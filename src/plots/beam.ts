/**
 * Beam search you can watch: a tree of the candidates of every step (taught in notebook 09). Each node
 * is a word at an output position; kept beams in green, hypotheses that ended with _EOS in blue, candidates
 * that fell out of the beam in grey; a line joins each candidate to the beam it extends.
 */
import type { Figure } from "./figure";
import type { WatchedStep } from "../decode/translate";

const FATE_COLOURS = { kept: "#2ca02c", finished: "#1f77b4", dropped: "#b0b0b0" };

type Fate = "kept" | "finished" | "dropped";
type TreeNode = { x: number; y: number; text: string; hover: string };

/**
 * Where every candidate sits (x: its output position, y: minus its rank), the nodes by fate, and the line
 * segments that join each candidate to the beam it extends (null-separated, as one Plotly trace).
 */
function treeLayout(steps: WatchedStep[]): {
  edges: { x: Array<number | null>; y: Array<number | null> };
  nodes: Record<Fate, TreeNode[]>;
} {
  // Where each kept beam sits: its words joined -> [x, y].
  const position = new Map<string, [number, number]>([["", [0, 0]]]);
  const edges = { x: [] as Array<number | null>, y: [] as Array<number | null> };
  const nodes: Record<Fate, TreeNode[]> = { kept: [], finished: [], dropped: [] };
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
  return { edges, nodes };
}

/** One marker trace per fate that has nodes: the words beside their markers, the path and scores on hover. */
function fateTraces(nodes: Record<Fate, TreeNode[]>): Array<Record<string, unknown>> {
  return (["kept", "finished", "dropped"] as const)
    .filter((fate) => nodes[fate].length > 0)
    .map((fate) => ({
      type: "scatter",
      mode: "markers+text",
      name: fate,
      x: nodes[fate].map((p) => p.x),
      y: nodes[fate].map((p) => p.y),
      text: nodes[fate].map((p) => p.text),
      textposition: "middle right",
      customdata: nodes[fate].map((p) => p.hover),
      hovertemplate: "%{customdata}<extra></extra>",
      marker: { size: 10, color: FATE_COLOURS[fate] },
      textfont: { color: fate === "dropped" ? "#888" : "#222" },
    }));
}

export function beamTree(steps: WatchedStep[], options: { title?: string } = {}): Figure {
  if (steps.length === 0) throw new Error("beamTree: no steps (run watchBeamSearch first)");
  const { edges, nodes } = treeLayout(steps);
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
    ...fateTraces(nodes),
  ];
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
