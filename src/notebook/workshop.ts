/**
 * The checks of the workbook's exercises: every notebook from 01 to 10 ends with checked exercises, two or
 * more in 01 to 07 and five in the workshop (`wb.workshop.checkX(answer)` in a notebook). Each prints PASS or FAIL with a hint and never throws;
 * the solutions are in notebooks/solutions/.
 *
 * | notebook | exercises |
 * |---|---|
 * | 01 | 01.1 Bahdanau's additive score by hand, 01.2 the context vector |
 * | 02 | 02.1 Luong's attentional state h̃ = tanh([c; h]·Wc), 02.2 the concat score, 02.3 which state is the query, 02.4 predict a row of weights, then run |
 * | 03 | 03.1 words to ids with _UNK and _EOS, 03.2 padding a batch and its mask |
 * | 04 | 04.1 the starting loss of an untrained model, 04.2 one teacher-forced step's loss |
 * | 05 | 05.2 reading a trained model's heatmap, 05.3 the ablation: uniform attention, its fall in BLEU predicted then measured |
 * | 06 | 06.1 what is left without attention, 06.2 alignment accuracy |
 * | 07 | 07.1 dot score, 07.2 general score, 07.3 masking, 07.4 greedy decoding, 07.5 reading a heatmap |
 * | 08 | 08.1 the bottleneck in numbers |
 * | 09 | 09.1 beam search on a toy model (was 05.1), 09.2 what teacher forcing feeds the decoder |
 * | 10 | 10.1 updates in a training |
 */
export { results, libraryUse } from "./checks";
export type { CheckResult } from "./checks";
export {
  checkAdditiveScore,
  checkContextVector,
  checkAttentionalState,
  checkConcatScore,
  checkDotScore,
  checkGeneralScore,
  checkMaskedSoftmax,
} from "./exercises/attention";
export { checkEncodeWords, checkPadSentences, checkStartingLoss, checkSequenceLoss } from "./exercises/training";
export {
  checkBeamSearch,
  checkGreedyDecoding,
  checkHeatmapReading,
  checkTrainedHeatmapReading,
  checkLastEncoderState,
  checkAlignmentAccuracy,
} from "./exercises/decoding";
export {
  checkQueryTiming,
  checkPredictedRow,
  checkAblation,
  checkNumbersPerWord,
  checkDecoderInputs,
  checkUpdates,
} from "./exercises/thinking";
