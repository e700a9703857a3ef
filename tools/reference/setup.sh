#!/usr/bin/env bash
# Creates tools/reference/.venv (git-ignored) with the reference Python stack used to build the
# encoder parity fixtures and the benchmark baseline. Never needed at run time.
# Packages come from the local indexes; override with PIP_INDEX_URL / PIP_EXTRA_INDEX_URL.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
index="${PIP_INDEX_URL:-file:///opt/pypi/simple}"
extra="${PIP_EXTRA_INDEX_URL:-file:///opt/pypi-more/simple}"

python3 -m venv "$here/.venv"
"$here/.venv/bin/pip" install --quiet --index-url "$index" --extra-index-url "$extra" \
  -r "$here/requirements.txt"
"$here/.venv/bin/python" -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)'
