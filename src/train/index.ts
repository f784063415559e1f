export * from "./trainer";
export * from "./progress";
export * from "./checkpoint";
export * from "./checkpoint-summary";
export { LockedError, LOCK_FILE } from "./lock";
