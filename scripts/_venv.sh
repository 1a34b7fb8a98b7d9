# Sourced by scripts/demo and scripts/test: make .venv with Python 3.11+ and install the project.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
# .ci/run installs once and then runs two passes at once: they must not reinstall together.
if [ "${SHOUCHUANG_VENV_READY:-}" != 1 ]; then
  echo "==> installing shouchuang${1:+ [$1]}"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".${1:+[$1]}"
fi
