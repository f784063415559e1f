export * from "./figure";
export * from "./heatmap";
export * from "./charts";
export * from "./display";
export * from "./live";
export * from "./save";
export * from "./static-svg";
export * from "./beam";
