export * from "./figure";
export * from "./heatmap";
export * from "./display";
