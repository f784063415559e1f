export * from "./scores";
export * from "./weights";
export * from "./context";
export * from "./layers";
export * from "./sequence";
export * from "./scaled-dot";
export * from "./local";
