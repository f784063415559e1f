/**
 * The page's TensorFlow.js backend: the first of webgl, wasm and cpu that starts in this browser, and why
 * the others were skipped. wasm runs the single-threaded SIMD binary that the bundle carries as a `data:`
 * URL (./wasm-binary): a page from file:// may not fetch a .wasm file, and threads need a cross-origin
 * isolated page, which neither file:// nor an ordinary static host gives.
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { WASM_SIMD_DATA_URL } from "./wasm-binary";

export type PageBackendName = "webgl" | "wasm" | "cpu";
export const PAGE_BACKENDS: readonly PageBackendName[] = ["webgl", "wasm", "cpu"];

export interface PageBackend {
  name: PageBackendName;
  /** What it is, in words. */
  what: string;
  /** The backends before it, each with why it did not start. */
  skipped: Array<{ name: PageBackendName; reason: string }>;
}

/** The parts of a WebGL context that say who draws it. */
interface GlInfo {
  RENDERER: number;
  getParameter(name: number): unknown;
  getExtension(name: string): { UNMASKED_RENDERER_WEBGL?: number; loseContext?(): void } | null;
}

/** The name of the WebGL renderer (a GPU, or software such as SwiftShader), or undefined without WebGL. */
function webglRenderer(): string | undefined {
  const doc = (globalThis as { document?: { createElement(tag: "canvas"): { getContext(kind: string): unknown } } })
    .document;
  const gl = (doc?.createElement("canvas").getContext("webgl2") ?? undefined) as GlInfo | undefined;
  if (!gl) return undefined;
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  const renderer = String(gl.getParameter(info?.UNMASKED_RENDERER_WEBGL ?? gl.RENDERER));
  gl.getExtension("WEBGL_lose_context")?.loseContext?.();
  return renderer;
}

/** WebGL drawn by the CPU: slower than wasm, so it is skipped. */
const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|software|microsoft basic render/i;

/** Throws, saying why, when `name` cannot run here; otherwise says what it is. */
async function prepare(name: PageBackendName, forced: boolean): Promise<string> {
  const env = tf.env();
  if (name === "webgl") {
    const renderer = webglRenderer();
    const version = env.getNumber("WEBGL_VERSION");
    if (version === 0 || renderer === undefined)
      throw new Error("this browser gives no WebGL 2 context (no GPU, or WebGL turned off)");
    if (!forced && SOFTWARE_GL.test(renderer))
      throw new Error(`WebGL here is drawn in software (${renderer.slice(0, 80)}), slower than wasm`);
    // 16-bit textures would round the model's numbers: its translations could differ from npm run translate's.
    if (!env.getBool("WEBGL_RENDER_FLOAT32_ENABLED")) throw new Error("WebGL here has no 32-bit float textures");
    return `WebGL ${version}, on the GPU`;
  }
  if (name === "wasm") {
    if (!WASM_SIMD_DATA_URL) throw new Error("this bundle holds no WebAssembly binary");
    if (!(await env.getAsync("WASM_HAS_SIMD_SUPPORT"))) throw new Error("this browser's WebAssembly has no SIMD");
    env.set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    setWasmPaths(
      {
        "tfjs-backend-wasm.wasm": WASM_SIMD_DATA_URL,
        "tfjs-backend-wasm-simd.wasm": WASM_SIMD_DATA_URL,
        "tfjs-backend-wasm-threaded-simd.wasm": WASM_SIMD_DATA_URL,
      },
      true,
    );
    return "WebAssembly with SIMD, one thread";
  }
  return "plain JavaScript (the slowest)";
}

/** Starts `name` and checks that it computes (a small product); throws with the reason when it does not. */
async function start(name: PageBackendName, forced: boolean): Promise<string> {
  const what = await prepare(name, forced);
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend("${name}") failed`);
  await tf.ready();
  const product = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync()[0]);
  if (product !== 11) throw new Error(`a test product gave ${product}, not 11`);
  return what;
}

/**
 * The first backend of PAGE_BACKENDS that starts (or the one `only` names, even a software WebGL), with why
 * the others did not.
 */
export async function startBackend(only?: PageBackendName): Promise<PageBackend> {
  const skipped: PageBackend["skipped"] = [];
  for (const name of only ? [only] : PAGE_BACKENDS) {
    try {
      return { name, what: await start(name, only !== undefined), skipped };
    } catch (e) {
      skipped.push({ name, reason: (e as Error).message.split("\n")[0] });
    }
  }
  throw new Error(`no TensorFlow.js backend started: ${skipped.map((s) => `${s.name}: ${s.reason}`).join("; ")}`);
}

/** One line: the backend in use, and why the ones before it were skipped. */
export function describePageBackend(b: PageBackend): string {
  const skipped = b.skipped.map((s) => `${s.name} skipped: ${s.reason}`);
  return [`TensorFlow.js backend: ${b.name} (${b.what})`, ...skipped].join(". ") + ".";
}
