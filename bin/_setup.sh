# Shared by bin/run and bin/test: a Python ≥ 3.11 virtualenv with the pinned requirements,
# and the few system libraries pip cannot provide. Safe to run again: it only does what is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "需要安装系统软件包，但没有 root 权限：$*" >&2; return 1; fi
}

APT_UPDATED=""
apt_install() {  # apt_install PACKAGE... — installs those not yet installed (Debian/Ubuntu)
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    echo "请先安装：${missing[*]}" >&2; return 1
  fi
  echo "==> apt-get install ${missing[*]}"
  [ -n "$APT_UPDATED" ] || { as_root apt-get update -qq; APT_UPDATED=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

find_python() {
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

PYTHON="$(find_python || true)"
if [ -z "$PYTHON" ]; then
  apt_install python3 python3-venv
  PYTHON="$(find_python)" || { echo "需要 Python 3.11 或更高版本" >&2; exit 1; }
fi
if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
  apt_install python3-venv
fi
# WeasyPrint draws PDFs with Pango; the Chinese font itself ships in static/fonts/.
if command -v dpkg >/dev/null; then
  apt_install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b
fi

REQUIREMENTS="${REQUIREMENTS:-requirements.txt}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
STAMP=".venv/.installed-$(cat requirements.txt "$REQUIREMENTS" | sha256sum | cut -c1-16)"
if [ ! -f "$STAMP" ]; then
  echo "==> pip install -r $REQUIREMENTS"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r "$REQUIREMENTS"
  touch "$STAMP"
fi
export PATH="$ROOT/.venv/bin:$PATH"
