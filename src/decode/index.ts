export * from "./search";
export * from "./translate";
export * from "./walkthrough";
export * from "./forced";
