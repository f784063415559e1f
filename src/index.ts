/**
 * attention-workbook: Bahdanau and Luong attention for neural machine translation, on TensorFlow.js.
 * Notebooks import this package by name: `import * as wb from "attention-workbook"`.
 */
import * as tf from "@tensorflow/tfjs";
export { tf };
export * from "./backend";
export * from "./attention";
export { Module, glorotLimit } from "./nn/module";
export { Random } from "./util/random";
export * from "./plots";
export * from "./data";
export * from "./nn/layers";
export * from "./models/encoder";
export * from "./models/decoder";
export * from "./models/decoder-steps";
export * from "./models/bahdanau-decoder";
export * from "./models/luong-decoder";
export * from "./models/plain-decoder";
export * from "./models/seq2seq";
export * from "./models/translation-model";
export * from "./nn/losses";
export * from "./metrics";
export * from "./decode";
export * from "./train/checkpoint";
export * from "./train/checkpoint-summary";
export { LockedError, LOCK_FILE } from "./train/lock";
export * from "./train/trainer";
export * from "./train/progress";
export * from "./notebook/state";
export * as workshop from "./notebook/workshop";
export * from "./models/create";
