export * from "./search";
export * from "./translate";
