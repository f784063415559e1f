export * from "./tokenize-13a";
export * from "./bleu";
export * from "./chrf";
export * from "./evaluate";
export * from "./alignment";
