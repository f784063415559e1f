/**
 * A trained model together with what it needs to read and write sentences: the vocabularies and the
 * tokenization it was trained with. Made by `createModel` (models/create.ts) or `loadCheckpoint`; used by
 * training, decoding and the metrics.
 */
import type { Vocabulary } from "../data/vocab";
import type { Truecaser } from "../data/truecase";
import type { TokenizeOptions } from "../data/tokenize";
import type { Seq2Seq } from "./seq2seq";

/** A model with the vocabularies and tokenization it was trained with. */
export interface TranslationModel {
  model: Seq2Seq;
  sourceVocab: Vocabulary;
  targetVocab: Vocabulary;
  tokenizeOptions: TokenizeOptions;
  /** When present, `text` is truecased (the tokens stay as the model wrote them). */
  truecaser?: Truecaser;
}
