/**
 * attention-workbook: Bahdanau and Luong attention for neural machine translation, on TensorFlow.js.
 * Notebooks import this package by name: `import * as wb from "attention-workbook"`.
 *
 * The root exports what the notebooks and the README teach, layer by layer (bottom first). Everything else
 * (limits, file formats, kernels, the corpus grammar's tables, plumbing of the plots and the checkpoints) is
 * a subpath export named after its folder: `attention-workbook/util`, `/backend`, `/data`, `/nn`,
 * `/attention`, `/models`, `/train`, `/decode`, `/metrics`, `/plots`, `/notebook`.
 */
import * as tf from "@tensorflow/tfjs";
export { tf };

// util: random numbers, the shape checker, fast mode
export { Random, ShapeChecker, fastMode } from "./util";

// backend: which backend runs (notebook 00)
export { ready, describeBackend, setThreads } from "./backend";

// data: pairs, tokens, vocabularies, batches (notebook 03)
export {
  DEFAULT_CORPUS,
  DEFAULT_TATOEBA_FILE,
  LONG_CORPUS,
  LONG_CORPUS_BUCKETS,
  PAD,
  SOS,
  EOS,
  UNK,
  loadPairs,
  parsePairs,
  tokenize,
  detokenize,
  Vocabulary,
  splitByEnglish,
  prepareData,
  encodeSentence,
  padBatch,
  makeBatches,
  batchTensors,
  paddingShare,
  pairsFrame,
  vocabularyFrame,
  showTable,
} from "./data";
export type { Batch, Example, PreparedData, TokenizedPair, Construction } from "./data";

// nn: the building blocks under the models
export { Module, Dense, Embedding, LSTMCell, GRUCell, maskedCrossEntropy } from "./nn";
export type { RnnState } from "./nn";

// attention: the steps of notebooks 01 and 02 (scores, weights, context), the layers, scaled dot-product
export {
  bahdanauScores,
  luongScores,
  sharedConcatScores,
  luongQueryScores,
  additiveScores,
  projectKeys,
  attentionWeights,
  contextVector,
  BahdanauAttention,
  LuongAttention,
  luongAttentionSequence,
  scaledDotProductAttention,
  LuongLocalAttention,
  localWeights,
  localGaussian,
  localWindow,
  monotonicPosition,
  predictivePosition,
  sourceLengths,
  maskBias,
} from "./attention";
export type { AttentionOutput, LuongScoreKind, LocalMode } from "./attention";

// models: encoder, decoders and their steps (notebooks 01, 02), the whole model (notebooks 04, 05)
export {
  Encoder,
  BahdanauDecoder,
  LuongDecoder,
  PlainDecoder,
  ChoDecoder,
  rnnInputWithContext,
  decoderRnnStep,
  attentionalState,
  wordScores,
  maxout,
  Seq2Seq,
  createModel,
  describeKernels,
} from "./models";
export type { AttentionKind, Seq2SeqConfig, TranslationModel } from "./models";

// train: the trainer and checkpoints (notebooks 04, 05)
export { Trainer, saveCheckpoint, loadCheckpoint, checkpointSummary } from "./train";
export type { EpochSummary, TrainOptions } from "./train";

// decode: greedy and beam search, translation, the watched walk (notebooks 01, 02, 05, 09)
export {
  greedySearch,
  beamSearch,
  translate,
  translateAll,
  startDecoding,
  watchBeamSearch,
  forcedAttention,
} from "./decode";
export type { Translation, StepTrace, DecoderWalk } from "./decode";

// metrics: BLEU, chrF, scores by length, alignment against gold (notebooks 06, 08, 10)
export {
  corpusBleu,
  corpusChrf,
  evaluatePairs,
  scoresByLength,
  scoreAlignments,
  alignmentReport,
  argmaxOffsets,
  diagonalAttention,
  withGold,
} from "./metrics";
export type { AlignmentReport, LengthBucketScore } from "./metrics";

// plots: Plotly figures shown inline
export {
  includePlotly,
  show,
  heatmap,
  heatmapGrid,
  matrixHeatmap,
  barChart,
  lineChart,
  beamTree,
  LossChart,
  architectureFigure,
  compareAttentionFigure,
  encoderDecoderFigure,
  encoderStatesFigure,
  additiveScoreFigure,
  luongScoreFigure,
  softmaxFigure,
  contextFigure,
  rnnStepFigure,
  attentionalStateFigure,
  wordProbabilitiesFigure,
  attentionAnimation,
  movingQueryFigure,
} from "./plots";

// notebook: state kept across reruns, full or fast mode, the tutorial steps, the exercise checks
export { notebookState, fullOrFast, TUTORIAL_STEPS, workshop } from "./notebook";
