/**
 * Sentences in, translations out: tokenize, map to ids, search, map back, detokenize; with the attention
 * matrix of every translation for the heatmaps.
 */
import type { TranslationModel } from "../models/translation-model";
import { detokenize } from "../data/tokenize";
import { encodeSentence } from "../data/dataset";
import { beamSearch, BeamCandidate, greedySearch, Hypothesis } from "./search";

export interface Translation {
  source: string;
  sourceTokens: string[];
  /** Output words (without _EOS). */
  tokens: string[];
  /** Detokenized output. */
  text: string;
  /** `[tokens.length (+1 for _EOS)][sourceTokens.length]` attention weights. */
  attention: number[][];
  /** Output words with "_EOS" appended when the model ended the sentence (rows of `attention`). */
  outputLabels: string[];
  logProb: number;
  complete: boolean;
  /** Source words not in the vocabulary (translated as _UNK). */
  unknown: string[];
}

export interface TranslateOptions {
  /** Beam size; 1 (default) is greedy decoding. */
  beam?: number;
  lengthPenalty?: number;
  maxLength?: number;
  /** Sentences per greedy batch. */
  batchSize?: number;
}

/** Translates sentences (greedy in batches, or beam search one by one). */
export function translateAll(
  translationModel: TranslationModel,
  sentences: readonly string[],
  options: TranslateOptions = {},
): Translation[] {
  const encoded = sentences.map((s, i) => {
    try {
      return encodeSentence(s, translationModel.sourceVocab, translationModel.tokenizeOptions);
    } catch (e) {
      throw new Error(`sentence ${i + 1}: ${(e as Error).message}`);
    }
  });
  const beam = options.beam ?? 1;
  const batchSize = options.batchSize ?? 64;
  const hyps = [];
  if (beam <= 1) {
    for (let i = 0; i < encoded.length; i += batchSize) {
      hyps.push(
        ...greedySearch(
          translationModel.model,
          encoded.slice(i, i + batchSize).map((e) => e.ids),
          { maxLength: options.maxLength },
        ),
      );
    }
  } else {
    for (const e of encoded)
      hyps.push(
        beamSearch(translationModel.model, e.ids, {
          beamSize: beam,
          lengthPenalty: options.lengthPenalty,
          maxLength: options.maxLength,
        }),
      );
  }
  return hyps.map((h, i) => toTranslation(translationModel, sentences[i], encoded[i], h));
}

/** A search's hypothesis as a translation: words, truecased text, attention rows. */
function toTranslation(
  translationModel: TranslationModel,
  source: string,
  encoded: { tokens: string[]; unknown: string[] },
  h: Hypothesis,
): Translation {
  const tokens = translationModel.targetVocab.decode(h.ids);
  return {
    source,
    sourceTokens: encoded.tokens,
    tokens,
    text: detokenize(translationModel.truecaser ? translationModel.truecaser.apply(tokens) : tokens),
    attention: h.attention,
    outputLabels: h.complete ? [...tokens, "_EOS"] : tokens,
    logProb: h.logProb,
    complete: h.complete,
    unknown: encoded.unknown,
  };
}

export function translate(
  translationModel: TranslationModel,
  sentence: string,
  options: TranslateOptions = {},
): Translation {
  return translateAll(translationModel, [sentence], options)[0];
}

/** A beam-search candidate in words. */
export type WatchedCandidate = Omit<BeamCandidate, "prefix" | "word"> & { prefix: string[]; word: string };

/** One step of beam search in words. */
export interface WatchedStep {
  step: number;
  candidates: WatchedCandidate[];
}

/**
 * Beam search on one sentence, with every step's candidates in words (for `beamTree`; notebook 09).
 */
export function watchBeamSearch(
  translationModel: TranslationModel,
  sentence: string,
  options: { beamSize: number; lengthPenalty?: number; maxLength?: number },
): { translation: Translation; steps: WatchedStep[] } {
  const steps: WatchedStep[] = [];
  const words = (ids: number[]) => ids.map((id) => translationModel.targetVocab.words[id]);
  const encoded = encodeSentence(sentence, translationModel.sourceVocab, translationModel.tokenizeOptions);
  const best = beamSearch(translationModel.model, encoded.ids, {
    ...options,
    onStep: (s) =>
      steps.push({
        step: s.step,
        candidates: s.candidates.map((c) => ({ ...c, prefix: words(c.prefix), word: words([c.word])[0] })),
      }),
  });
  return { translation: toTranslation(translationModel, sentence, encoded, best), steps };
}
