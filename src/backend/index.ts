export * from "./select";
export { registerWasmKernels, wasmPatches } from "./wasm-kernels";
