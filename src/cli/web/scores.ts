/**
 * The model card's BLEU: measured when the site is exported, on the checkpoint's own test split. A checkpoint
 * records the options that prepared its data and the data's fingerprint (train/trainer.ts, data/dataset.ts
 * `dataRecord`); the data is prepared again, checked against the fingerprint, and its test split translated
 * (greedy, as `npm run evaluate -- --split test` does). Where that cannot be done, the card says why.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_CORPUS, DataOptions, dataFingerprint, prepareData } from "../../data/dataset";
import type { LoadedCheckpoint } from "../../train/checkpoint";
import { evaluatePairs } from "../../metrics/evaluate";

export type TestScores = { bleu: number; bleuLowercase: number; sentences: number } | { reason: string };

/** BLEU of the checkpoint on its test split, or the reason it cannot be measured here. */
export function measureTestScores(loaded: LoadedCheckpoint): TestScores {
  const training = loaded.training as { data?: DataOptions; dataFingerprint?: string } | undefined;
  if (!training?.data || !training.dataFingerprint) return { reason: "the checkpoint does not record its data" };
  const file = training.data.file ?? DEFAULT_CORPUS;
  if (!fs.existsSync(file)) return { reason: `its data (${path.basename(file)}) is not on the exporting machine` };
  const data = prepareData(training.data);
  if (dataFingerprint(data) !== training.dataFingerprint)
    return { reason: `its data (${path.basename(file)}) has changed since it was trained` };
  if (data.splits.test.length === 0) return { reason: "its test split is empty" };
  const ev = evaluatePairs(loaded, data.splits.test);
  return { bleu: ev.bleu, bleuLowercase: ev.bleuLowercase, sentences: ev.sentences };
}

/** The card's BLEU line. */
export function bleuText(scores: TestScores): string {
  if ("reason" in scores) return `not measured: ${scores.reason}`;
  return `${scores.bleu.toFixed(1)} (lower-cased ${scores.bleuLowercase.toFixed(1)}) on its ${scores.sentences} test sentences, greedy, measured at export`;
}
