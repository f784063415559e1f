/**
 * tfjs's WebAssembly binary (SIMD, one thread) as a `data:` URL, for the page's wasm backend: a page opened
 * from file:// cannot fetch a .wasm file beside it, so the exporter's bundler (./bundle) replaces this
 * module with one that holds the binary. Compiled as it is (in Node), it holds none.
 */
export const WASM_SIMD_DATA_URL: string | undefined = undefined;
