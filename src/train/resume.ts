/**
 * What `--resume` checks before it continues a checkpoint: the data must be the data the model was
 * trained on (a fingerprint of the training pairs and both vocabularies), and every model setting the
 * user gave must be the checkpoint's. Each mismatch is named; none is silently ignored.
 *
 * On resume, `--epochs E` means E more epochs: a checkpoint at epoch 3 resumed with `--epochs 2` ends
 * at epoch 5. The learning rate is the checkpoint's unless `--lr` is given.
 */
import type { Seq2SeqConfig } from "../models/seq2seq";
import { DEFAULT_WINDOW, LOCAL_KINDS } from "../models/config";
import { DEFAULT_MAX_SOURCE_LENGTH } from "../attention/layers";
import type { Vocabulary } from "../data/vocab";
import type { LoadedCheckpoint } from "./checkpoint";

/** The model settings a user can give on the command line, by flag name. */
export const MODEL_FLAGS: Record<string, keyof Seq2SeqConfig> = {
  attention: "attention",
  hidden: "hiddenSize",
  embedding: "embeddingSize",
  units: "attentionUnits",
  window: "window",
  "max-source": "maxSourceLength",
  cell: "cell",
  bidirectional: "bidirectional",
  "input-feeding": "inputFeeding",
  "output-layer": "outputLayer",
  dropout: "dropout",
};

/** The data a run would train on, as compared with a checkpoint. */
export interface ResumeData {
  fingerprint: string;
  sourceVocab: Vocabulary;
  targetVocab: Vocabulary;
}

function vocabularyMismatch(side: string, data: Vocabulary, saved: Vocabulary): string | undefined {
  if (data.size !== saved.size) return `${side} vocabulary has ${data.size} words (checkpoint: ${saved.size})`;
  const at = data.words.findIndex((w, i) => w !== saved.words[i]);
  return at >= 0
    ? `${side} vocabulary differs at id ${at}: ${JSON.stringify(data.words[at])} (checkpoint: ${JSON.stringify(saved.words[at])})`
    : undefined;
}

/**
 * The differences between a run's flags and data and a checkpoint, one phrase each; empty when it
 * may resume. `given` holds only the flags the user (or a recipe) set.
 */
export function resumeMismatches(
  checkpoint: LoadedCheckpoint,
  given: Record<string, unknown>,
  data: ResumeData,
): string[] {
  const out: string[] = [];
  const config = checkpoint.model.config;
  for (const [flag, key] of Object.entries(MODEL_FLAGS)) {
    if (given[flag] === undefined) continue;
    const saved =
      key === "attentionUnits"
        ? (config.attentionUnits ?? config.hiddenSize)
        : key === "window"
          ? (config.window ?? (LOCAL_KINDS.includes(config.attention) ? DEFAULT_WINDOW : undefined))
          : key === "maxSourceLength"
            ? (config.maxSourceLength ??
              (config.attention === "luong-location" ? DEFAULT_MAX_SOURCE_LENGTH : undefined))
            : key === "outputLayer"
              ? (config.outputLayer ?? "attentional")
              : config[key];
    if (given[flag] !== saved) out.push(`--${flag} ${given[flag]} (checkpoint: ${saved})`);
  }
  const saved = checkpoint.training?.dataFingerprint;
  if (typeof saved === "string" && saved !== data.fingerprint)
    out.push(
      `data fingerprint ${data.fingerprint.slice(0, 12)} (checkpoint: ${saved.slice(0, 12)}): other training pairs or vocabularies`,
    );
  for (const m of [
    vocabularyMismatch("source", data.sourceVocab, checkpoint.sourceVocab),
    vocabularyMismatch("target", data.targetVocab, checkpoint.targetVocab),
  ]) {
    if (m) out.push(m);
  }
  return out;
}

/** The line printed when a run resumes, saying what `--epochs` means there. */
export function resumeNotice(dir: string, epochDone: number, moreEpochs: number): string {
  return `resuming from ${dir} (epoch ${epochDone}): --epochs ${moreEpochs} trains ${moreEpochs} more epoch${moreEpochs === 1 ? "" : "s"}, up to epoch ${epochDone + moreEpochs}`;
}
