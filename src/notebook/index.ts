export * from "./state";
export * from "./steps";
export * as workshop from "./workshop";
