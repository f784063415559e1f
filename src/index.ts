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
