export * from "./select";
export { registerWasmKernels, wasmPatches, clearTransposeCache } from "./wasm-kernels";
