/**
 * A live training chart: one output that is updated in place while training runs (tslab's
 * update_display_data), with the loss per batch and the train/validation loss per epoch.
 */
import { LiveDisplay } from "./display";
import { lineChart } from "./charts";
import type { Figure } from "./figure";
import type { BatchProgress, EpochSummary } from "../train/trainer";

function defaultRedrawInterval(): number {
  const fromEnv = Number(process.env.WORKBOOK_LIVE_CHART_MS);
  return process.env.WORKBOOK_LIVE_CHART_MS !== undefined && Number.isFinite(fromEnv) && fromEnv >= 0 ? fromEnv : 1000;
}

export class LossChart {
  readonly batches: { x: number[]; y: number[] } = { x: [], y: [] };
  readonly epochs: { x: number[]; train: number[]; validation: number[] } = { x: [], train: [], validation: [] };
  private display = new LiveDisplay();
  private lastDraw = 0;
  /** Updates drawn so far (each one replaces the same output). */
  draws = 0;

  /**
   * `minIntervalMs`: the least time between two redraws while batches come in (default 1 s, or
   * WORKBOOK_LIVE_CHART_MS; the browser tests set it low to watch a short fast-mode run grow).
   */
  constructor(
    readonly title = "Training loss",
    readonly minIntervalMs = defaultRedrawInterval(),
  ) {}

  figure(): Figure {
    const series = [{ name: "batch loss", x: this.batches.x, y: this.batches.y }];
    const fig = lineChart(series, { title: this.title, xTitle: "step", yTitle: "loss per token" });
    // Epoch means on the same step axis.
    const perEpoch = this.epochs.x;
    fig.data.push(
      {
        type: "scatter",
        mode: "lines+markers",
        name: "train (epoch)",
        x: perEpoch,
        y: this.epochs.train,
        line: { width: 3 },
      },
      {
        type: "scatter",
        mode: "lines+markers",
        name: "validation (epoch)",
        x: perEpoch,
        y: this.epochs.validation,
        line: { width: 3, dash: "dash" },
      },
    );
    return fig;
  }

  /**
   * Shows the chart (with everything recorded so far) as a new output of the running cell; later draws
   * replace it in place. Call it at the start of each training run, so a rerun cell gets its own chart.
   */
  start(): void {
    this.display = new LiveDisplay();
    this.draw();
  }

  /** Draws now (first call shows the chart, later calls replace it). */
  draw(): void {
    this.display.update(this.figure());
    this.lastDraw = Date.now();
    this.draws++;
  }

  /** Trainer callback: records a batch; redraws at most once per `minIntervalMs`. */
  onBatch = (p: BatchProgress): void => {
    this.batches.x.push(p.step);
    this.batches.y.push(Number(p.loss.toFixed(4))); // 4 decimals keep the saved notebook small
    if (Date.now() - this.lastDraw >= this.minIntervalMs) this.draw();
  };

  /** Trainer callback: records an epoch and redraws. */
  onEpoch = (e: EpochSummary): void => {
    this.epochs.x.push(this.batches.x[this.batches.x.length - 1] ?? e.epoch);
    this.epochs.train.push(e.trainLoss);
    this.epochs.validation.push(e.validationLoss);
    this.draw();
  };
}
