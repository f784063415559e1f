export * from "./trainer";
export * from "./options";
export { shardBatch } from "./parallel";
export { batchGradients, meanLoss } from "./gradients";
export { clipByGlobalNorm } from "./update";
export * from "./progress";
export * from "./checkpoint";
export * from "./checkpoint-summary";
export { LockedError, LOCK_FILE } from "./lock";
