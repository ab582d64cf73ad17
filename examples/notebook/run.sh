#!/usr/bin/env bash
# Execute the notebook headlessly against this repository's headroom, as CI does.
#
#   examples/notebook/run.sh
#
# Needs Python 3 with nbconvert, ipykernel, pandas and the headroom package
# (`pip install ./python`; .ci/run installs them). The executed notebook, with its
# outputs, and the files it writes go to out/notebook/ (or $HEADROOM_NOTEBOOK_OUT).
set -euo pipefail
cd "$(dirname "$0")/../.."

target="${CARGO_TARGET_DIR:-target}"
cargo build --quiet --bin headroom
export HEADROOM="${HEADROOM:-$(cd "$target" && pwd)/debug/headroom}"
export HEADROOM_NOTEBOOK_OUT="${HEADROOM_NOTEBOOK_OUT:-$PWD/out/notebook}"
mkdir -p "$HEADROOM_NOTEBOOK_OUT"

# nbconvert stops with a non-zero status at the first cell that raises.
python3 -m nbconvert --to notebook --execute \
    --ExecutePreprocessor.timeout=600 \
    --output-dir "$HEADROOM_NOTEBOOK_OUT" --output headroom.executed.ipynb \
    examples/notebook/headroom.ipynb

# The chart must be in the executed notebook, inline.
python3 - "$HEADROOM_NOTEBOOK_OUT/headroom.executed.ipynb" <<'PY'
import json, sys
nb = json.load(open(sys.argv[1]))
outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
errors = [o for o in outputs if o.get("output_type") == "error"]
images = [o for o in outputs if "image/png" in o.get("data", {})]
assert not errors, errors
assert images, "no inline PNG in the executed notebook"
print(f"notebook ok: {len(nb['cells'])} cells, {len(images)} inline PNG")
PY
