/**
 * A new model sized for a dataset, bundled with the vocabularies, tokenization and truecaser it needs to
 * translate: `const translationModel = createModel(data, { attention: "bahdanau", hiddenSize: 128 })`.
 */
import { Seq2Seq, Seq2SeqConfig, DEFAULT_MODEL } from "./seq2seq";
import type { PreparedData } from "../data/dataset";
import type { TranslationModel } from "./translation-model";

export function createModel(
  data: Pick<PreparedData, "sourceVocab" | "targetVocab" | "tokenizeOptions" | "truecaser">,
  config: Partial<Seq2SeqConfig> = {},
): TranslationModel {
  const model = new Seq2Seq({
    ...DEFAULT_MODEL,
    ...config,
    sourceVocabSize: data.sourceVocab.size,
    targetVocabSize: data.targetVocab.size,
  });
  return {
    model,
    sourceVocab: data.sourceVocab,
    targetVocab: data.targetVocab,
    tokenizeOptions: data.tokenizeOptions,
    truecaser: data.truecaser,
  };
}
