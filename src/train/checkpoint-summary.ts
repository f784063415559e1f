/**
 * What a checkpoint holds and how it was trained, read from its config.json without building the model,
 * so a notebook can say what it found and refuse a fast-mode or barely trained model before loading it.
 * Taught in notebooks 01 and 02 (part 2), which use the models that 04 and 05 save.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { hasCheckpoint, latestVersion, TrainingState } from "./checkpoint";

/** Below this many epochs, or above this validation loss per token, a model counts as untrained. */
export const TRAINED_MIN_EPOCHS = 3;
export const TRAINED_MAX_VALIDATION_LOSS = 2.5;

export interface CheckpointSummary {
  dir: string;
  /** False when there is no checkpoint at `dir`. */
  exists: boolean;
  attention?: string;
  hiddenSize?: number;
  epochs?: number;
  bestValidationLoss?: number;
  /** Trained with WORKBOOK_FAST=1 (tiny data, a couple of epochs); undefined when not recorded. */
  fastMode?: boolean;
  data?: { source: string; trainPairs?: number };
  savedAt?: string;
  /** True when the model looks properly trained (not fast mode, enough epochs, a low validation loss). */
  trained: boolean;
  /** One line: what is there and whether it counts as trained, and why not. */
  description: string;
}

interface SavedConfig {
  createdAt?: string;
  model?: { attention?: string; hiddenSize?: number };
  training?: TrainingState & { fastMode?: boolean; trainedOn?: { source: string; trainPairs?: number } };
}

function readSavedConfig(dir: string): SavedConfig | string {
  if (!hasCheckpoint(dir)) return "no checkpoint";
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, latestVersion(dir), "config.json"), "utf8")) as SavedConfig;
  } catch (e) {
    return `an unreadable checkpoint (${(e as Error).message})`;
  }
}

/** Why a model with this record does not count as trained, or undefined when it does. */
function untrainedReason(s: Pick<CheckpointSummary, "fastMode" | "epochs" | "bestValidationLoss">): string | undefined {
  if (s.fastMode) return "trained in fast mode (WORKBOOK_FAST=1)";
  if (s.epochs === undefined) return "no training record";
  if (s.epochs < TRAINED_MIN_EPOCHS) return `only ${s.epochs} epoch${s.epochs === 1 ? "" : "s"}`;
  if (s.bestValidationLoss === undefined) return "no validation loss recorded";
  if (s.bestValidationLoss > TRAINED_MAX_VALIDATION_LOSS)
    return `validation loss ${s.bestValidationLoss.toFixed(2)} > ${TRAINED_MAX_VALIDATION_LOSS}`;
  return undefined;
}

/** Reads what the checkpoint at `dir` says about itself (see CheckpointSummary). */
export function checkpointSummary(dir: string): CheckpointSummary {
  const config = readSavedConfig(dir);
  if (typeof config === "string")
    return { dir, exists: config !== "no checkpoint", trained: false, description: `${dir}: ${config}` };
  const t = config.training;
  const summary: CheckpointSummary = {
    dir,
    exists: true,
    attention: config.model?.attention,
    hiddenSize: config.model?.hiddenSize,
    epochs: t?.epoch,
    bestValidationLoss: t?.bestValidationLoss,
    fastMode: t?.fastMode,
    data: t?.trainedOn,
    savedAt: config.createdAt,
    trained: false,
    description: "",
  };
  const reason = untrainedReason(summary);
  summary.trained = reason === undefined;
  const parts = [
    `${summary.attention ?? "?"} attention, hidden ${summary.hiddenSize ?? "?"}`,
    summary.epochs === undefined ? "epochs unknown" : `${summary.epochs} epoch${summary.epochs === 1 ? "" : "s"}`,
    summary.data
      ? `on ${path.basename(summary.data.source)}${summary.data.trainPairs ? ` (${summary.data.trainPairs} training pairs)` : ""}`
      : undefined,
    summary.bestValidationLoss === undefined
      ? undefined
      : `best validation loss ${summary.bestValidationLoss.toFixed(3)}`,
    summary.savedAt ? `saved ${summary.savedAt.slice(0, 16).replace("T", " ")}` : undefined,
  ].filter(Boolean);
  summary.description = `${dir}: ${parts.join(", ")}${reason ? `; not a trained model: ${reason}` : ""}`;
  return summary;
}
