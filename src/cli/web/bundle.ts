/**
 * The page's one JavaScript bundle, made with esbuild from the compiled page (./page.js): the library's
 * own model, decoding and figure code, TensorFlow.js with its browser backends (webgl, wasm, cpu),
 * tfjs's WebAssembly binary as a `data:` URL (./wasm-binary), and plotly.js from node_modules/plotly.js-dist.
 *
 * The library's Node-only modules (files, paths, hashes, the native addon) come along with the modules
 * the page imports, but the page never calls them: esbuild is given small stand-ins for `node:*` so that
 * they load in a browser (`node:path` joins strings; the others are empty objects).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Plugin, BuildOptions, BuildResult } from "esbuild";

/** The compiled page that the bundle starts from. */
export const PAGE_ENTRY = path.join(__dirname, "page.js");

/** tfjs's single-threaded SIMD WebAssembly binary (the one a page without cross-origin isolation runs). */
export function wasmBinaryPath(): string {
  return require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm");
}

/** `node:path`'s few functions that library modules call while loading, on "/"-separated strings. */
const PATH_STAND_IN = `
function norm(p) { var out = []; p.split("/").forEach(function (s) { if (s === "..") out.pop(); else if (s && s !== ".") out.push(s); }); return "/" + out.join("/"); }
exports.sep = "/";
exports.join = function () { return norm(Array.prototype.join.call(arguments, "/")); };
exports.resolve = function () { var parts = Array.prototype.slice.call(arguments); var i = parts.length - 1; while (i > 0 && parts[i].charAt(0) !== "/") i--; return norm(parts.slice(i).join("/")); };
exports.dirname = function (p) { return norm(p + "/.."); };
exports.basename = function (p) { return p.split("/").filter(Boolean).pop() || ""; };
exports.relative = function (a, b) { return b; };
`;

/** A module that is not there in a browser: an empty object (the page calls none of its functions). */
const MISSING_MODULE = "module.exports = {};";

/**
 * TensorFlow.js for the page: what @tensorflow/tfjs's own index puts together (tfjs-core with its gradients
 * and chained ops, the cpu and webgl backends; wasm comes from ./backends) without tfjs's layers, converter
 * and data packages, which the library does not use: a bundle 0.8 MB smaller, which starts sooner.
 */
const TFJS_FOR_PAGE = `import "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";
export * from "@tensorflow/tfjs-core";
export * from "@tensorflow/tfjs-backend-cpu";
export * from "@tensorflow/tfjs-backend-webgl";`;

/**
 * Resolves `node:*` to the stand-ins, `@tensorflow/tfjs` to TFJS_FOR_PAGE, and ./wasm-binary to the
 * WebAssembly binary as a data: URL.
 */
function browserStandIns(wasmBase64: string): Plugin {
  return {
    name: "attention-workbook-web",
    setup(build) {
      build.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: "node-stand-in" }));
      build.onResolve({ filter: /^@tensorflow\/tfjs$/ }, () => ({ path: "tfjs", namespace: "tfjs-for-page" }));
      build.onLoad({ filter: /.*/, namespace: "tfjs-for-page" }, () => ({
        contents: TFJS_FOR_PAGE,
        loader: "js",
        resolveDir: path.dirname(require.resolve("@tensorflow/tfjs/package.json")),
      }));
      build.onLoad({ filter: /.*/, namespace: "node-stand-in" }, (args) => ({
        contents: args.path === "node:path" ? PATH_STAND_IN : MISSING_MODULE,
        loader: "js",
      }));
      build.onLoad({ filter: /[\\/]cli[\\/]web[\\/]wasm-binary\.js$/ }, () => ({
        contents: `exports.WASM_SIMD_DATA_URL = "data:application/wasm;base64,${wasmBase64}";`,
        loader: "js",
      }));
    },
  };
}

/** esbuild's API, or an error that says how to get it (it is a devDependency of the workbook). */
function loadEsbuild(): { build(options: BuildOptions): Promise<BuildResult> } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when a site is exported
    return require("esbuild");
  } catch (e) {
    throw new Error(
      `esbuild is not installed (${(e as Error).message.split("\n")[0]}): run npm install in the workbook, which installs it`,
    );
  }
}

/** The bundle's JavaScript: minified, ASCII only (any host's charset reads it), the licences of what it holds at its end. */
export async function bundlePage(): Promise<string> {
  if (!fs.existsSync(PAGE_ENTRY)) throw new Error(`no compiled page at ${PAGE_ENTRY}: run npm run build first`);
  const wasm = fs.readFileSync(wasmBinaryPath()).toString("base64");
  const result = await loadEsbuild().build({
    entryPoints: [PAGE_ENTRY],
    bundle: true,
    platform: "browser",
    format: "iife",
    target: "es2020",
    minify: true,
    write: false,
    logLevel: "silent",
    define: { __dirname: '"/"', __filename: '"/page.js"', "process.env": "{}" },
    plugins: [browserStandIns(wasm)],
  });
  const out = result.outputFiles?.[0];
  if (!out) throw new Error("esbuild wrote no bundle");
  return out.text;
}
