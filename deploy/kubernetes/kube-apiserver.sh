#!/usr/bin/env bash
# A real Kubernetes API server with a real etcd for development, tests and CI: loopback only, a
# self-made CA, a static admin token, RBAC on, no controllers (Nodes, Services and EndpointSlices
# are written by the tests themselves). No emulator, no container: kube-apiserver, kubectl and etcd
# are built from the Go module proxy (deploy/kubernetes/kube-apiserver.sh fetch) and cached by
# version outside the repository, so only the first run on a machine pays for the build.
#
#   deploy/kubernetes/kube-apiserver.sh fetch    build the binaries once (several minutes cold)
#   deploy/kubernetes/kube-apiserver.sh start    fetch, make certs, start etcd and the API server,
#                                                wait until /readyz answers, write the kubeconfig
#   deploy/kubernetes/kube-apiserver.sh stop     TERM both by PID, bounded wait, then KILL
#   deploy/kubernetes/kube-apiserver.sh status   exit 0 and print the server URL if /readyz is ok
#   deploy/kubernetes/kube-apiserver.sh env      print shell lines: KUBECONFIG, the server URL,
#                                                the admin token, the binaries' paths
#   deploy/kubernetes/kube-apiserver.sh bin      print the directory holding the binaries (fetch)
#   deploy/kubernetes/kube-apiserver.sh binaries  print the binaries' paths if built, exit 3 if not
#   deploy/kubernetes/kube-apiserver.sh clean    stop and delete the state directory
#
# Environment (defaults in brackets):
#   DEVKUBE_DIR [<repo>/.scratch/kube]   state: certs, etcd data, logs, kubeconfig, pid files
#   DEVKUBE_PORT [free port]  DEVKUBE_ETCD_PORT [free port]  DEVKUBE_ETCD_PEER_PORT [free port]
#   DEVKUBE_CACHE [${XDG_CACHE_HOME:-$HOME/.cache}/ribwatch/kube]  binaries, by version
#   DEVKUBE_START_TIMEOUT [60] seconds  DEVKUBE_STOP_TIMEOUT [20] seconds
#   GO [go on PATH]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
kube_version="v1.32.13"
staging_version="v0.32.13"
etcd_version="v3.5.36"
dir="${DEVKUBE_DIR:-$root/.scratch/kube}"
cache="${DEVKUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ribwatch/kube}"
start_timeout="${DEVKUBE_START_TIMEOUT:-60}"
stop_timeout="${DEVKUBE_STOP_TIMEOUT:-20}"
go="${GO:-go}"
host=127.0.0.1

kbin="$cache/kubernetes-$kube_version"
ebin="$cache/etcd-$etcd_version"
apiserver="$kbin/kube-apiserver"
kubectl="$kbin/kubectl"
etcd="$ebin/etcd"

pki="$dir/pki"
logs="$dir/logs"
data="$dir/etcd"
ports="$dir/ports"
kubeconfig="$dir/kubeconfig"
tokenfile="$dir/token"
apid="$dir/kube-apiserver.pid"
etcdpid="$dir/etcd.pid"

say() { printf 'kube-apiserver.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# ---- fetch (build from the Go module proxy) ----------------------------------------------------

# Builds into a scratch module under the cache: a wrapper that requires the release and replaces
# every staging module k8s.io/kubernetes names with its published tag (the release's own go.mod
# points them at ./staging, which a dependency cannot use).
build_kubernetes() {
  [ -x "$apiserver" ] && [ -x "$kubectl" ] && return 0
  command -v "$go" >/dev/null 2>&1 || die "go not found: install Go >= 1.23 or set GO"
  local work="$cache/build-kubernetes-$kube_version" t0=$SECONDS
  rm -rf "$work"; mkdir -p "$work" "$kbin"
  say "building kube-apiserver and kubectl $kube_version from the Go module proxy (several minutes the first time; log: $work/build.log)"
  (
    cd "$work"
    export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
    local gomod
    gomod="$("$go" mod download -json "k8s.io/kubernetes@$kube_version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
    [ -s "$gomod" ] || { echo "no go.mod for k8s.io/kubernetes@$kube_version"; exit 1; }
    local staging
    staging="$(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9.-]*\) => \./staging/.*#\1#p' "$gomod" | sort -u)"
    [ -n "$staging" ] || { echo "no staging replaces in $gomod"; exit 1; }
    {
      echo "module ribwatch.local/kubebuild"
      echo
      echo "go 1.23"
      echo
      echo "require k8s.io/kubernetes $kube_version"
      echo
      local m
      for m in $staging; do echo "replace $m => $m $staging_version"; done
    } >go.mod
    cat >tools.go <<'GO'
//go:build tools

package kubebuild

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
    echo "staging modules replaced: $(echo "$staging" | wc -l)"
    "$go" mod tidy -e >/dev/null 2>&1 || true
    local ld="-s -w"
    local p
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ld="$ld -X $p.gitVersion=$kube_version -X $p.gitMajor=1 -X $p.gitMinor=32 -X $p.gitTreeState=clean"
    done
    "$go" build -tags tools -trimpath -ldflags "$ld" -o "$kbin/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver
    "$go" build -tags tools -trimpath -ldflags "$ld" -o "$kbin/kubectl.tmp" k8s.io/kubernetes/cmd/kubectl
  ) >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; die "building Kubernetes $kube_version failed (log: $work/build.log)"; }
  mv "$kbin/kube-apiserver.tmp" "$apiserver"
  mv "$kbin/kubectl.tmp" "$kubectl"
  say "built kube-apiserver and kubectl $kube_version in $((SECONDS - t0)) s ($kbin)"
}

build_etcd() {
  [ -x "$etcd" ] && return 0
  command -v "$go" >/dev/null 2>&1 || die "go not found: install Go >= 1.23 or set GO"
  local work="$cache/build-etcd-$etcd_version" t0=$SECONDS
  rm -rf "$work"; mkdir -p "$work" "$ebin"
  say "building etcd $etcd_version from the Go module proxy (log: $work/build.log)"
  (
    cd "$work"
    export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
    printf 'module ribwatch.local/etcdbuild\n\ngo 1.23\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$etcd_version" >go.mod
    printf '//go:build tools\n\npackage etcdbuild\n\nimport _ "go.etcd.io/etcd/server/v3"\n' >tools.go
    "$go" mod tidy -e >/dev/null 2>&1 || true
    "$go" build -tags tools -trimpath -ldflags "-s -w" -o "$ebin/etcd.tmp" go.etcd.io/etcd/server/v3
  ) >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; die "building etcd $etcd_version failed (log: $work/build.log)"; }
  mv "$ebin/etcd.tmp" "$etcd"
  say "built etcd $etcd_version in $((SECONDS - t0)) s ($ebin)"
}

fetch() {
  mkdir -p "$cache"
  # One build at a time per cache (CI and a developer's terminal may both ask).
  exec 9>"$cache/.fetch.lock"
  flock 9
  build_etcd
  build_kubernetes
  flock -u 9
}

# ---- certificates, tokens, kubeconfig -----------------------------------------------------------

# A CA of our own, the serving certificate for 127.0.0.1/localhost, and the service-account key
# pair. Made once per state directory.
make_pki() {
  mkdir -p "$pki"
  [ -s "$pki/apiserver.crt" ] && [ -s "$pki/sa.key" ] && return 0
  command -v openssl >/dev/null 2>&1 || die "openssl not found (Debian: apt-get install openssl)"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
      -subj "/CN=ribwatch-dev-ca" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver"
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 3650 -extfile apiserver.ext
    openssl genrsa -out sa.key 2048
    openssl rsa -in sa.key -pubout -out sa.pub
  ) >"$logs/pki.log" 2>&1 || { cat "$logs/pki.log" >&2; die "openssl failed making the certificates"; }
}

# Static tokens: an admin (system:masters, RBAC lets it do anything) and a reader with no groups,
# whom a test or the docs' ClusterRole binds to exactly what ribwatch reads.
make_tokens() {
  [ -s "$tokenfile" ] && return 0
  local admin reader
  admin="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  reader="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  printf '%s,admin,admin-uid,"system:masters"\n%s,ribwatch-reader,ribwatch-reader-uid\n' "$admin" "$reader" >"$dir/tokens.csv"
  chmod 600 "$dir/tokens.csv"
  echo "$admin" >"$tokenfile"
  echo "$reader" >"$dir/reader-token"
  chmod 600 "$tokenfile" "$dir/reader-token"
}

write_kubeconfig() { # file user token
  local ca
  ca="$(base64 -w0 <"$pki/ca.crt")"
  cat >"$1.tmp" <<KC
apiVersion: v1
kind: Config
clusters:
- name: ribwatch-dev
  cluster:
    server: https://$host:$port
    certificate-authority-data: $ca
users:
- name: $2
  user:
    token: $3
contexts:
- name: ribwatch-dev
  context:
    cluster: ribwatch-dev
    user: $2
current-context: ribwatch-dev
KC
  chmod 600 "$1.tmp"
  mv "$1.tmp" "$1"
}

# ---- ports ----------------------------------------------------------------------------------------

# Ports the kernel hands out (others run live tests on this machine at the same time), remembered
# in the state directory so stop/status/env and a restart on the same etcd data find them again.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

load_ports() {
  if [ -s "$ports" ]; then
    # shellcheck disable=SC1090
    . "$ports"
  fi
  port="${DEVKUBE_PORT:-${port:-}}"
  etcd_port="${DEVKUBE_ETCD_PORT:-${etcd_port:-}}"
  etcd_peer_port="${DEVKUBE_ETCD_PEER_PORT:-${etcd_peer_port:-}}"
}

choose_ports() {
  load_ports
  [ -n "$port" ] || port="$(free_port)"
  [ -n "$etcd_port" ] || etcd_port="$(free_port)"
  [ -n "$etcd_peer_port" ] || etcd_peer_port="$(free_port)"
  printf 'port=%s\netcd_port=%s\netcd_peer_port=%s\n' "$port" "$etcd_port" "$etcd_peer_port" >"$ports"
}

port_busy() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$1" 2>/dev/null; }

# ---- processes --------------------------------------------------------------------------------------

# The PID in a pid file, if that process still is the one we started (not a recycled PID).
running_pid() { # pidfile marker
  [ -s "$1" ] || return 1
  local pid
  pid="$(cat "$1")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2" || return 1
  echo "$pid"
}

spawn() { # pidfile logfile command...
  local pidf="$1" logf="$2"
  shift 2
  rm -f "$pidf"
  # A session of its own, so a Ctrl-C or a test runner's process group does not reach it; the
  # inner shell writes its own PID and execs, so the PID file names the daemon itself.
  # shellcheck disable=SC2016
  setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$pidf" "$@" >"$logf" 2>&1 </dev/null &
  local i
  for i in $(seq 50); do [ -s "$pidf" ] && return 0; sleep 0.1; done
  die "$(basename "$1" .pid) did not start (no PID after 5 s; see $logf)"
}

readyz() {
  curl -sf --max-time 3 --cacert "$pki/ca.crt" -H "Authorization: Bearer $(cat "$tokenfile")" \
    "https://$host:$port/readyz" >/dev/null 2>&1
}

etcd_healthy() { curl -sf --max-time 3 "http://$host:$etcd_port/health" 2>/dev/null | grep -q '"health":"true"'; }

wait_until() { # what deadline-seconds pidfile marker logfile check-function
  local what="$1" limit="$2" pidf="$3" marker="$4" logf="$5" check="$6"
  local deadline=$(( $(date +%s) + limit ))
  while :; do
    if ! running_pid "$pidf" "$marker" >/dev/null; then
      tail -n 25 "$logf" >&2 || true
      die "$what exited during start (log: $logf)"
    fi
    "$check" && return 0
    if [ "$(date +%s)" -ge "$deadline" ]; then
      tail -n 25 "$logf" >&2 || true
      stop || true
      die "$what not ready after ${limit}s (log: $logf)"
    fi
    sleep 0.2
  done
}

start() {
  mkdir -p "$dir" "$logs" "$data"
  chmod 700 "$data"
  if running_pid "$apid" "$dir" >/dev/null; then
    load_ports
    if readyz; then say "already running on https://$host:$port (kubeconfig $kubeconfig)"; return 0; fi
  fi
  fetch
  choose_ports
  local t0
  t0=$(date +%s%N)
  make_pki
  make_tokens
  if ! running_pid "$etcdpid" "$dir" >/dev/null; then
    local p
    for p in "$etcd_port" "$etcd_peer_port" "$port"; do
      port_busy "$p" && die "$host:$p is in use by another process ($ports remembers it; 'clean' to start anew)"
    done
    spawn "$etcdpid" "$logs/etcd.log" "$etcd" --name ribwatch-dev --data-dir "$data" \
      --listen-client-urls "http://$host:$etcd_port" --advertise-client-urls "http://$host:$etcd_port" \
      --listen-peer-urls "http://$host:$etcd_peer_port" --initial-advertise-peer-urls "http://$host:$etcd_peer_port" \
      --initial-cluster "ribwatch-dev=http://$host:$etcd_peer_port" --initial-cluster-state new \
      --listen-metrics-urls "" --log-level warn --quota-backend-bytes 4294967296 --unsafe-no-fsync
  fi
  wait_until etcd "$start_timeout" "$etcdpid" "$dir" "$logs/etcd.log" etcd_healthy
  if ! running_pid "$apid" "$dir" >/dev/null; then
    # shellcheck disable=SC2086
    spawn "$apid" "$logs/kube-apiserver.log" "$apiserver" \
      --etcd-servers "http://$host:$etcd_port" \
      --bind-address "$host" --advertise-address "$host" --secure-port "$port" \
      --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
      --client-ca-file "$pki/ca.crt" --token-auth-file "$dir/tokens.csv" \
      --authorization-mode RBAC \
      --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
      --service-account-issuer "https://kubernetes.default.svc" \
      --service-cluster-ip-range "${DEVKUBE_SERVICE_CIDR:-10.96.0.0/16}" \
      --cert-dir "$pki" --profiling=false --v=0 ${DEVKUBE_APISERVER_ARGS:-}
  fi
  wait_until kube-apiserver "$start_timeout" "$apid" "$dir" "$logs/kube-apiserver.log" readyz
  write_kubeconfig "$kubeconfig" admin "$(cat "$tokenfile")"
  write_kubeconfig "$dir/kubeconfig-reader" ribwatch-reader "$(cat "$dir/reader-token")"
  say "serving on https://$host:$port (apiserver pid $(cat "$apid"), etcd pid $(cat "$etcdpid"), ready in $(( ($(date +%s%N) - t0) / 1000000 )) ms, kubeconfig $kubeconfig)"
}

stop_one() { # pidfile marker name
  local pid
  if ! pid="$(running_pid "$1" "$2")"; then rm -f "$1"; return 0; fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(( $(date +%s) + stop_timeout ))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      say "$3 still running ${stop_timeout}s after TERM; KILL $pid"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.1
  done
  rm -f "$1"
  say "stopped $3 (pid $pid)"
}

stop() {
  stop_one "$apid" "$dir" kube-apiserver
  stop_one "$etcdpid" "$dir" etcd
}

status() {
  load_ports
  local pid
  if pid="$(running_pid "$apid" "$dir")" && [ -n "$port" ] && readyz; then
    echo "running: https://$host:$port (apiserver pid $pid, etcd pid $(cat "$etcdpid" 2>/dev/null)), kubeconfig $kubeconfig"
    return 0
  fi
  if [ -n "${pid:-}" ]; then echo "starting or unhealthy: apiserver pid $pid does not answer /readyz"; return 1; fi
  echo "not running"
  return 3
}

print_env() {
  load_ports
  [ -n "$port" ] && [ -s "$tokenfile" ] || die "not started in $dir (run: $0 start)"
  printf 'KUBECONFIG=%q\n' "$kubeconfig"
  printf 'DEVKUBE_SERVER=%q\n' "https://$host:$port"
  printf 'DEVKUBE_TOKEN=%q\n' "$(cat "$tokenfile")"
  printf 'DEVKUBE_CA=%q\n' "$pki/ca.crt"
  printf 'DEVKUBE_READER_KUBECONFIG=%q\n' "$dir/kubeconfig-reader"
  printf 'DEVKUBE_READER_USER=ribwatch-reader\n'
  printf 'KUBECTL=%q\n' "$kubectl"
  printf 'DEVKUBE_APISERVER_PID=%q\n' "$(cat "$apid" 2>/dev/null)"
  printf 'DEVKUBE_ETCD_PID=%q\n' "$(cat "$etcdpid" 2>/dev/null)"
}

case "${1:-}" in
  fetch) fetch ;;
  bin) [ -x "$apiserver" ] && [ -x "$kubectl" ] && [ -x "$etcd" ] || fetch; echo "$kbin" ;;
  # For tests: the binaries' paths if built, without building (exit 3 when absent).
  binaries) [ -x "$apiserver" ] && [ -x "$kubectl" ] && [ -x "$etcd" ] || exit 3
            printf 'KUBE_APISERVER=%q\nKUBECTL=%q\nETCD=%q\n' "$apiserver" "$kubectl" "$etcd" ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) print_env ;;
  clean) stop; rm -rf "$dir"; say "removed $dir" ;;
  *) echo "usage: $0 fetch|start|stop|status|env|bin|binaries|clean" >&2; exit 2 ;;
esac
