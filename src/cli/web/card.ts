/**
 * The model's card on the exported page: what kind of model it is, its sizes, what it was trained on and
 * for how long, and its BLEU on its test split, measured at export (./scores).
 * It names no folder of this machine beyond the checkpoint's own name: the page may be published.
 */
import * as path from "node:path";
import type { LoadedCheckpoint } from "../../train/checkpoint";
import type { CheckpointSummary } from "../../train/checkpoint-summary";
import type { Seq2SeqConfig } from "../../models/seq2seq";
import type { CardLine } from "./model-data";
import { bleuText, TestScores } from "./scores";

const KINDS: Record<string, string> = {
  bahdanau: "Bahdanau (additive) attention",
  "luong-dot": "Luong attention, dot score",
  "luong-general": "Luong attention, general score",
  "luong-concat": "Luong attention, concat score",
  "luong-concat-shared": "Luong attention, concat score (shared weights)",
  "luong-local-m": "Luong local attention, monotonic (local-m), general score",
  "luong-local-p": "Luong local attention, predictive (local-p), general score",
  "luong-location": "Luong attention, location score",
  none: "no attention (encoder-decoder only)",
};

/** The kind in words, e.g. "Bahdanau (additive) attention; LSTM, bidirectional encoder". */
export function modelKind(c: Seq2SeqConfig): string {
  const extras = [
    c.cell.toUpperCase(),
    c.bidirectional ? "bidirectional encoder" : undefined,
    c.inputFeeding ? "input feeding" : undefined,
    c.deepOutput ? "deep output" : undefined,
  ].filter(Boolean);
  return `${KINDS[c.attention] ?? c.attention}; ${extras.join(", ")}`;
}

/** A recorded number as text, or "not recorded". */
const recorded = (x: unknown, digits: number) =>
  typeof x === "number" && Number.isFinite(x) ? x.toFixed(digits) : "not recorded";

/** How it was trained: its data, epochs, validation loss, and whether it counts as trained. */
function trainingLines(loaded: LoadedCheckpoint, summary: CheckpointSummary, scores: TestScores): CardLine[] {
  const training = loaded.training as (Record<string, unknown> & { trainedOn?: Record<string, unknown> }) | undefined;
  const on = training?.trainedOn;
  const data = summary.data
    ? `${path.basename(summary.data.source)}: ${on?.trainPairs ?? "?"} training pairs, ${on?.validationPairs ?? "?"} validation pairs`
    : "not recorded";
  const notTrained = summary.description.split("; not a trained model: ")[1];
  return [
    { label: "Data", value: data },
    { label: "Epochs", value: summary.epochs === undefined ? "not recorded" : String(summary.epochs) },
    { label: "Best validation loss", value: `${recorded(summary.bestValidationLoss, 3)} (per target word)` },
    { label: "BLEU on the test split", value: bleuText(scores) },
    { label: "Fully trained", value: notTrained ? `no: ${notTrained}` : "yes" },
  ];
}

/** Every line of the card. */
export function modelCard(loaded: LoadedCheckpoint, summary: CheckpointSummary, scores: TestScores): CardLine[] {
  const c = loaded.model.config;
  const units = c.attentionUnits ? `, attention units ${c.attentionUnits}` : "";
  return [
    { label: "Model", value: modelKind(c) },
    {
      label: "Sizes",
      value: `embedding ${c.embeddingSize}, hidden ${c.hiddenSize}${units}; ${loaded.model.countParams().toLocaleString("en")} parameters`,
    },
    {
      label: "Vocabularies",
      value: `${loaded.sourceVocab.size.toLocaleString("en")} English, ${loaded.targetVocab.size.toLocaleString("en")} German words`,
    },
    ...trainingLines(loaded, summary, scores),
    {
      label: "Checkpoint",
      value: `${path.basename(path.resolve(loaded.dir))} (${loaded.version})${summary.savedAt ? `, saved ${summary.savedAt.slice(0, 16).replace("T", " ")} UTC` : ""}`,
    },
  ];
}
