#!/usr/bin/env bash
# The workbook's one set-up script, run by .ci/run, the Dockerfile, the dev container and Binder:
#   1. system packages (Debian/Ubuntu, as root with apt-get): a C++ compiler and OpenBLAS for the native
#      kernels and Python's venv; with the tests' tools too (Chromium, the classic Notebook, nbclient,
#      nbconvert, MathJax) unless --minimal; skipped with --no-apt, or where there is no apt-get or we are
#      not root (Binder installs binder/apt.txt itself);
#   2. the npm packages (npm ci) and the build of the library and the native kernels;
#   3. the Python environment with JupyterLab 4 and plotly (found, or the project-local .venv) and the
#      Jupyter kernel "attention-workbook" (scripts/setup.js, as `npm start` does before it opens JupyterLab).
# usage: bash scripts/install.sh [--minimal] [--no-apt] [--help]
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(g++ make libopenblas-dev python3-venv)
TEST_PACKAGES=(chromium jupyter-notebook python3-nbclient jupyter-nbconvert python3-ipykernel libjs-mathjax)

apt=1
tests=1
for arg in "$@"; do
  case "$arg" in
    --no-apt) apt=0 ;;
    --minimal) tests=0 ;;
    --help | -h)
      sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "error: unknown argument $arg (use --minimal, --no-apt or --help)" >&2
      exit 2
      ;;
  esac
done

if [ "$apt" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=()
  [ "$tests" = 1 ] && APT_PACKAGES+=("${TEST_PACKAGES[@]}")
  for pkg in "${APT_PACKAGES[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
  if [ ${#need[@]} -gt 0 ]; then
    echo "[workbook] installing Debian packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q "${need[@]}"
  fi
elif [ "$apt" = 1 ]; then
  echo "[workbook] not root or no apt-get: system packages left as they are (the native kernels need a C++ compiler)"
fi

npm ci --no-audit --no-fund
# pip reaches PyPI or a local mirror; where an index cannot be reached at all (an offline room with a wheel
# mirror), its retries with back-off would add minutes per package.
export PIP_RETRIES="${PIP_RETRIES:-0}"
node scripts/setup.js
