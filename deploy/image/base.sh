#!/usr/bin/env bash
# Make the Debian base image locally when no container registry is reachable: debootstrap a minimal
# bookworm, import it into podman and print its name. The root filesystem tarball is cached per
# suite and ISO week outside the repository, so a later build (or CI run) only imports it.
# Usage: deploy/image/base.sh   -> prints e.g. localhost/ribwatch-base:bookworm-2026w49
set -euo pipefail
SUITE="${BASE_SUITE:-bookworm}"
MIRROR="${BASE_MIRROR:-http://deb.debian.org/debian}"
stamp="$(date -u +%G)w$(date -u +%V)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/ribwatch/image"
tarball="$cache/${SUITE}-minbase-${stamp}.tar"
image="localhost/ribwatch-base:${SUITE}-${stamp}"

if podman image exists "$image"; then echo "$image"; exit 0; fi
mkdir -p "$cache"
if [ ! -s "$tarball" ]; then
  command -v debootstrap >/dev/null || { echo "base.sh: debootstrap is needed (apt-get install debootstrap)" >&2; exit 1; }
  root="$(mktemp -d "$cache/rootfs.XXXXXX")"
  trap 'rm -rf "$root"' EXIT
  echo "base.sh: debootstrap --variant=minbase $SUITE from $MIRROR (once per week, ~30 s)" >&2
  # curl and ca-certificates: the build stage fetches Node from the npm registry with them.
  debootstrap --variant=minbase --include=ca-certificates,curl "$SUITE" "$root" "$MIRROR" >&2
  # Keep the image small: no package lists or caches in the base.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  tar -C "$root" --numeric-owner -cf "$tarball.part" .
  mv "$tarball.part" "$tarball"
  # Older weeks' tarballs are superseded.
  find "$cache" -maxdepth 1 -name "${SUITE}-minbase-*.tar" ! -name "$(basename "$tarball")" -delete
fi
podman import --change 'CMD ["/bin/bash"]' "$tarball" "$image" >/dev/null
echo "$image"
