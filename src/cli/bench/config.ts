/**
 * The one configuration every benchmark trains, in both frameworks: the FloydHub tutorial's model, batched
 * (Luong decoder with the concat score, one LSTM layer, hidden and embedding 256, batch 64, teacher forcing
 * 0.5 per batch, Adam 1e-3, gradients clipped at norm 5). bench/torch_reference.py and bench/torch_anchor.py
 * read it from the JSON file the benchmark writes for them, so the figures below are written only here.
 */
import * as path from "node:path";
import { createModel } from "../../models/create";
import type { TranslationModel } from "../../models/translation-model";
import type { Vocabulary } from "../../data/vocab";
import type { TokenizeOptions } from "../../data/tokenize";
import type { Truecaser } from "../../data/truecase";
import type { BackendReport } from "../../backend/select";
import { matrixProduct } from "../../backend/native";

export const TUTORIAL_CONFIG = {
  attention: "luong-concat",
  embeddingSize: 256,
  hiddenSize: 256,
  attentionUnits: 256,
  batchSize: 64,
  teacherForcing: 0.5,
  learningRate: 1e-3,
  clipNorm: 5,
  seed: 1,
} as const;

export type TutorialConfig = typeof TUTORIAL_CONFIG;

/** The configuration in words, for the benchmarks' JSON lines and summaries. */
export function describeConfig(config: TutorialConfig = TUTORIAL_CONFIG): string {
  return (
    `Luong concat, embedding ${config.embeddingSize}, hidden ${config.hiddenSize}, attention units ` +
    `${config.attentionUnits}, 1 LSTM layer, batch ${config.batchSize}, teacher forcing ${config.teacherForcing} ` +
    `per batch, Adam ${config.learningRate.toExponential()}, clip ${config.clipNorm}`
  );
}

/** The benchmark's model, sized for two vocabularies, with the configuration's seed. */
export function tutorialModel(data: {
  sourceVocab: Vocabulary;
  targetVocab: Vocabulary;
  tokenizeOptions?: TokenizeOptions;
  truecaser?: Truecaser;
}): TranslationModel {
  const { attention, embeddingSize, hiddenSize, attentionUnits, seed } = TUTORIAL_CONFIG;
  return createModel({ tokenizeOptions: {}, ...data }, { attention, embeddingSize, hiddenSize, attentionUnits, seed });
}

/** The configuration as the PyTorch scripts read it, with the vocabulary sizes. */
export function torchConfig(sourceVocabSize: number, targetVocabSize: number) {
  return { ...TUTORIAL_CONFIG, sourceVocabSize, targetVocabSize };
}

/** The checkout's root (bench/ holds the PyTorch scripts). */
export const ROOT = path.resolve(__dirname, "../../..");

/**
 * What ran the tfjs side, for the benchmarks' rows: `wasm + OpenBLAS`, `wasm + portable sgemm` (the native
 * kernels' own matrix product: no OpenBLAS, or WORKBOOK_BLAS=portable), `wasm only` (no native kernels), or
 * another backend's name.
 */
export function tfjsEngine(backend: BackendReport): string {
  if (backend.choice !== "wasm") return backend.choice;
  const product = matrixProduct();
  return product === "openblas" ? "wasm + OpenBLAS" : product === "portable" ? "wasm + portable sgemm" : "wasm only";
}

export const round = (x: number, digits: number) => Number(x.toFixed(digits));
