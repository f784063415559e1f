#!/usr/bin/env python3
"""Executes a notebook top to bottom through the tslab kernel and fails on any error output.

usage: run_notebook.py IN.ipynb OUT.ipynb [--twice] [--timeout SECONDS]

--twice runs every cell a second time in the same kernel session, the way users rerun cells.
The executed notebook is written to OUT even when a cell fails, so the error can be read there.
"""
import argparse
import copy
import os
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def error_outputs(nb):
    """Error outputs; tslab reports a failing cell as an error reply plus its stderr stream."""
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                yield index, "stderr: " + "".join(out.get("text") or "").strip()
            if out.get("output_type") == "error":
                trace = "\n".join(out.get("traceback") or [])
                yield index, f"{out.get('ename')}: {out.get('evalue')}\n{trace}".strip()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("notebook")
    p.add_argument("out")
    p.add_argument("--twice", action="store_true")
    p.add_argument("--timeout", type=int, default=600)
    p.add_argument("--kernel", default=None, help="default: the kernel named in the notebook's metadata")
    a = p.parse_args()

    nb = nbformat.read(a.notebook, as_version=4)
    cells = nb.cells
    if a.twice:
        again = copy.deepcopy(cells)
        for i, cell in enumerate(again):
            cell["id"] = f"rerun-{i}"
        nb.cells = cells + again
    options = {"kernel_name": a.kernel} if a.kernel else {}
    client = NotebookClient(
        nb,
        timeout=a.timeout,
        **options,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(a.notebook))}},
    )
    failed = None
    try:
        client.execute()
    except CellExecutionError as e:
        failed = str(e).strip().splitlines()[-1] if str(e).strip() else "cell execution error"
    except Exception as e:  # kernel died, timeout, missing kernel
        failed = f"{type(e).__name__}: {e}"
    finally:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        nbformat.write(nb, a.out)
    errors = list(error_outputs(nb))
    if failed or errors:
        for index, text in errors:
            print(f"{a.notebook}: cell {index % len(cells)}{' (second run)' if index >= len(cells) else ''}: {text}", file=sys.stderr)
        if failed:
            print(f"{a.notebook}: {failed}", file=sys.stderr)
        sys.exit(1)
    print(f"{a.notebook}: {len(nb.cells)} cells executed, no errors")


if __name__ == "__main__":
    main()
