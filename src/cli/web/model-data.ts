/**
 * What an exported site's `model.js` holds, shared by the exporter (Node) and the page (browser): the
 * checkpoint's model config, vocabularies, truecaser and weights, and the model's card. `model.js` is a
 * script (`window.ATTENTION_WORKBOOK_MODEL = {...}`), not a file to fetch: a page opened from file:// may
 * not fetch() files beside it.
 */
import type { Seq2SeqConfig } from "../../models/seq2seq";
import type { TokenizeOptions } from "../../data/tokenize";
import type { VocabularyJSON } from "../../data/vocab";
import type { TruecaserJSON } from "../../data/truecase";

export const WEB_MODEL_FORMAT = "attention-workbook/web-model@1";

/** The global that `model.js` sets. */
export const WEB_MODEL_GLOBAL = "ATTENTION_WORKBOOK_MODEL";

/** One tensor of the packed weights: `length` float32 values from byte `offset`. */
export interface WebTensorEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

/** One line of the model's card: what, and its value in words. */
export interface CardLine {
  label: string;
  value: string;
}

export interface WebModel {
  format: typeof WEB_MODEL_FORMAT;
  model: Seq2SeqConfig;
  tokenize: TokenizeOptions;
  sourceVocab: VocabularyJSON;
  targetVocab: VocabularyJSON;
  truecaser?: TruecaserJSON;
  /** Every variable of the model as little-endian float32, base64-encoded, with the table of tensors. */
  weights: { entries: WebTensorEntry[]; base64: string };
  card: CardLine[];
  /** The sentence in the text box when the page opens. */
  example: string;
}

/** The packed float32 values of every tensor, after checking the table against the bytes. */
export function unpackWeights(
  entries: readonly WebTensorEntry[],
  bytes: Uint8Array,
): Array<{ name: string; shape: number[]; values: Float32Array }> {
  const total = entries.reduce((n, e) => n + e.length * 4, 0);
  if (total !== bytes.byteLength)
    throw new Error(`model.js: the weights hold ${bytes.byteLength} bytes, the table describes ${total}`);
  const aligned = new Uint8Array(bytes.byteLength);
  aligned.set(bytes);
  return entries.map((e) => ({
    name: e.name,
    shape: e.shape,
    values: new Float32Array(aligned.buffer, e.offset, e.length),
  }));
}
