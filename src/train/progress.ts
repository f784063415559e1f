/**
 * A progress bar on stderr for the command line: redrawn in place on a terminal, one line per epoch
 * otherwise (logs, CI).
 */
import type { BatchProgress, EpochSummary } from "./trainer";

export function progressBar(stream: NodeJS.WriteStream = process.stderr): {
  onBatch: (p: BatchProgress) => void;
  onEpoch: (e: EpochSummary) => void;
} {
  const tty = Boolean(stream.isTTY);
  let last = 0;
  return {
    onBatch(p) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100 && p.batch !== p.batches) return;
      last = now;
      const width = 24;
      const filled = Math.round((p.batch / p.batches) * width);
      const bar = "=".repeat(Math.max(0, filled - 1)) + (filled > 0 ? ">" : "") + " ".repeat(width - filled);
      stream.write(
        `\repoch ${p.epoch} [${bar}] ${p.batch}/${p.batches} loss ${p.loss.toFixed(3)} ${Math.round(p.tokensPerSecond)} tok/s   `,
      );
    },
    onEpoch(e) {
      if (tty) stream.write("\r\x1b[K");
      stream.write(
        `epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}, validation loss ${e.validationLoss.toFixed(4)}, ${e.seconds.toFixed(1)} s, ${Math.round(e.tokensPerSecond)} tok/s\n`,
      );
    },
  };
}
