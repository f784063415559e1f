export * from "./random";
export * from "./shapes";
export * from "./tidy";
export * from "./validate";
export * from "./html";
export * from "./fast-mode";
export * from "./dirs";
