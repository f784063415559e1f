/**
 * Fast mode (WORKBOOK_FAST=1): notebooks use tiny data and few epochs; the tests run them so. Models
 * trained in fast mode record it in their checkpoints, so nobody mistakes one for a trained model.
 */
export function fastMode(): boolean {
  return process.env.WORKBOOK_FAST === "1";
}
