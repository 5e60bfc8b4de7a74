#!/usr/bin/env bash
# OpenAPI-driven fuzzing of the REST API with schemathesis (PyPI), in the project's own virtual
# environment (.scratch/venv; the system Python is externally managed).
#
#   scripts/schemathesis.sh --install         make the venv and install the pinned schemathesis
#   scripts/schemathesis.sh URL TOKEN [N]     fuzz a running API (N examples per operation; default 25)
#   scripts/schemathesis.sh --long            `npm run fuzz:api`: start the API over a chDB store loaded
#                                             with real captures (dist/test/live/api-serve.js), fuzz it
#                                             with 300 examples per operation, stop it
#
# Every check runs (no 5xx, status codes, content types, bodies and headers as the OpenAPI document
# says, auth enforced, undeclared methods refused) except positive_data_acceptance: the schemas
# keep prefixes, addresses, ASNs, communities and cursors as plain strings so that the parsers can
# say precisely what is wrong (a regex in the schema would only say "must match pattern"), and a
# string of the right length is not yet a prefix.
# Exit status: schemathesis's (0: no failure), 3 when the venv cannot be made.
set -euo pipefail
SCHEMATHESIS_VERSION=4.32.5
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.scratch/venv"
st="$venv/bin/schemathesis"

install() {
  if [ -x "$st" ] && "$st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then return 0; fi
  mkdir -p "$root/.scratch"
  python3 -m venv "$venv" >&2 || { echo "schemathesis.sh: python3 -m venv failed (on Debian: apt-get install python3-venv)" >&2; exit 3; }
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2 || { echo "schemathesis.sh: pip install schemathesis==$SCHEMATHESIS_VERSION failed (no PyPI access?)" >&2; exit 3; }
}

fuzz() {
  local url=$1 token=$2 n=${3:-25}
  # schemathesis keeps its example database in ./.schemathesis: keep it in .scratch, not the tree.
  cd "$root/.scratch"
  "$st" run "$url/docs/json" \
    --url "$url" \
    --header "Authorization: Bearer $token" \
    --checks all \
    --exclude-checks positive_data_acceptance \
    --max-examples "$n" \
    --workers 1 \
    --suppress-health-check all \
    --no-color
}

case "${1:-}" in
  --install)
    install
    ;;
  --long)
    install
    cd "$root"
    tmp=$(mktemp -d)
    node dist/test/live/api-serve.js >"$tmp/serve.out" 2>"$tmp/serve.err" &
    pid=$!
    trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
    for _ in $(seq 1 120); do grep -q '^url ' "$tmp/serve.out" && break; sleep 1; done
    url=$(awk '/^url /{print $2}' "$tmp/serve.out")
    token=$(awk '/^token /{print $2}' "$tmp/serve.out")
    [ -n "$url" ] || { echo "schemathesis.sh: the API did not start:" >&2; cat "$tmp/serve.err" >&2; exit 1; }
    fuzz "$url" "$token" "${FUZZ_EXAMPLES:-300}"
    ;;
  ""|-h|--help)
    sed -n '2,14p' "$0"
    ;;
  *)
    install
    fuzz "$1" "$2" "${3:-25}"
    ;;
esac
