export * from "./select";
export { registerWasmKernels, wasmPatches, clearTransposeCache } from "./wasm-kernels";
export { nativeStatus, setThreads, threadCount, defaultThreads } from "./native";
export { registerFusedKernels, fusedKernelsActive, setFusedKernels, describeFusedKernels } from "./fused";
