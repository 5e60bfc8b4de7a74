#!/usr/bin/env bash
# Print the path of a Helm binary at the version the chart is checked with, building it from the Go
# module proxy into a per-version cache the first time (minutes on a busy machine, then instant).
# Usage: deploy/helm/helm.sh            -> prints the path
#        deploy/helm/helm.sh lint ...   -> runs helm with the arguments
set -euo pipefail
HELM_VERSION="${HELM_VERSION:-v4.3.2}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/ribwatch/helm/${HELM_VERSION}"
bin="$cache/helm"
if [ ! -x "$bin" ]; then
  command -v go >/dev/null || { echo "helm.sh: Go is needed to build Helm ${HELM_VERSION} (apt-get install golang or /usr/local/go)" >&2; exit 1; }
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/build.XXXXXX")"
  echo "helm.sh: building helm ${HELM_VERSION} from the Go module proxy into $cache (once)" >&2
  CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS=-trimpath go install "helm.sh/helm/v4/cmd/helm@${HELM_VERSION}" >&2
  mv "$tmp/helm" "$bin"
  rmdir "$tmp"
fi
if [ $# -eq 0 ]; then echo "$bin"; else exec "$bin" "$@"; fi
