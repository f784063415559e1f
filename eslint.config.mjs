// ESLint for the library, the tests and the scripts: `npm run lint` (part of `npm test`).
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import comments from "@eslint-community/eslint-plugin-eslint-comments/configs";
import globals from "globals";

const unusedVars = ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }];

export default tseslint.config(
  {
    ignores: [
      "dist/",
      "dist-test/",
      "node_modules/",
      "native/build/",
      "notebooks/",
      "artifacts/",
      ".venv/",
      ".venv-bench/",
      "docs/",
      "scratch/",
      "checkpoints/",
      "data/",
      "test/fixtures/layers/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  comments.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // Every eslint-disable says why (`-- reason`).
      "@eslint-community/eslint-comments/require-description": "error",
      "@eslint-community/eslint-comments/disable-enable-pair": ["error", { allowWholeFile: true }],
    },
  },
  {
    files: ["**/*.ts"],
    languageOptions: { globals: globals.node },
    rules: { "@typescript-eslint/no-unused-vars": unusedVars },
  },
  {
    // One job per function: a library function longer than 50 lines (comments and blank lines counted)
    // needs an eslint-disable with its reason.
    files: ["src/**/*.ts"],
    rules: { "max-lines-per-function": ["error", { max: 50 }] },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { sourceType: "commonjs", globals: globals.node },
    rules: {
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-unused-vars": unusedVars,
      // `const crypto = require("node:crypto")` names the module as Node's global does.
      "no-redeclare": ["error", { builtinGlobals: false }],
    },
  },
  { files: ["**/*.mjs"], languageOptions: { sourceType: "module" } },
);
