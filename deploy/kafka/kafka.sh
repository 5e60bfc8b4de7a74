#!/usr/bin/env bash
# A real Apache Kafka broker for development, tests and CI: one KRaft node that is both broker and
# controller, on loopback, data under the project's scratch space. No emulator, no container: the
# broker jars come from Maven Central (deploy/kafka/pom.xml, cached in ~/.m2) and run on the
# machine's JDK.
#
#   deploy/kafka/kafka.sh fetch    resolve the jars (once; later runs reuse the cached classpath)
#   deploy/kafka/kafka.sh start    fetch, format storage if new, start, wait until it serves metadata
#   deploy/kafka/kafka.sh stop     TERM by PID, bounded wait, then KILL
#   deploy/kafka/kafka.sh status   exit 0 and print the bootstrap address if it serves metadata
#   deploy/kafka/kafka.sh clean    stop and delete the data directory (topics, offsets, logs)
#
# Environment (defaults in brackets):
#   DEVKAFKA_HOST [127.0.0.1]  DEVKAFKA_PORT [19092]  DEVKAFKA_CONTROLLER_PORT [19093]
#   DEVKAFKA_DIR [<repo>/.scratch/kafka]  DEVKAFKA_CACHE [<repo>/.scratch/kafka-jars] (classpath)
#   DEVKAFKA_HEAP [-Xms256m -Xmx512m]
#   DEVKAFKA_START_TIMEOUT [90] seconds  DEVKAFKA_STOP_TIMEOUT [30] seconds
#   JAVA [java on PATH]  MVN [mvn on PATH]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
host="${DEVKAFKA_HOST:-127.0.0.1}"
port="${DEVKAFKA_PORT:-19092}"
cport="${DEVKAFKA_CONTROLLER_PORT:-19093}"
dir="${DEVKAFKA_DIR:-$root/.scratch/kafka}"
heap="${DEVKAFKA_HEAP:--Xms256m -Xmx512m}"
start_timeout="${DEVKAFKA_START_TIMEOUT:-90}"
stop_timeout="${DEVKAFKA_STOP_TIMEOUT:-30}"
java="${JAVA:-java}"
mvn="${MVN:-mvn}"

pom="$here/pom.xml"
# The classpath is shared by every broker dir (dev, tests): resolved once per pom change.
cache="${DEVKAFKA_CACHE:-$root/.scratch/kafka-jars}"
cpfile="$cache/classpath.txt"
cpstamp="$cache/classpath.pom.sha256"
data="$dir/data"
logs="$dir/logs"
props="$dir/server.properties"
log4j="$dir/log4j.properties"
pidfile="$dir/kafka.pid"
out="$logs/kafka.out"

say() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# ---- fetch ------------------------------------------------------------------------------------

classpath_fresh() {
  [ -s "$cpfile" ] && [ -s "$cpstamp" ] || return 1
  [ "$(sha256sum "$pom" | cut -d' ' -f1)" = "$(cat "$cpstamp")" ] || return 1
  local jar
  local IFS=:
  for jar in $(cat "$cpfile"); do [ -f "$jar" ] || return 1; done
  return 0
}

fetch() {
  mkdir -p "$cache"
  if classpath_fresh; then return 0; fi
  command -v "$mvn" >/dev/null 2>&1 || die "mvn not found: install Maven (Debian: apt-get install maven) or set MVN"
  say "resolving the Kafka broker jars from Maven Central ($pom)"
  local tmp="$cpfile.tmp.$$"
  if ! "$mvn" -B -q -f "$pom" dependency:build-classpath \
      -Dmdep.includeScope=runtime -Dmdep.outputFile="$tmp" >"$cache/fetch.log" 2>&1; then
    rm -f "$tmp"
    tail -n 20 "$cache/fetch.log" >&2
    die "Maven could not resolve the broker jars (full log: $cache/fetch.log)"
  fi
  mv "$tmp" "$cpfile"
  sha256sum "$pom" | cut -d' ' -f1 >"$cpstamp"
  say "classpath: $cpfile ($(tr ':' '\n' <"$cpfile" | wc -l) jars)"
}

# ---- process ----------------------------------------------------------------------------------

# The PID in the pid file, if that process is still our broker (not a recycled PID).
running_pid() {
  [ -s "$pidfile" ] || return 1
  local pid
  pid="$(cat "$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "kafka.Kafka $props" || return 1
  echo "$pid"
}

# Kafka Metadata request v1 (api key 3) for all topics, over bash's /dev/tcp. Succeeds when the
# broker answers with at least one broker; prints "node_id host:port".
metadata_probe() {
  local reply
  reply="$(
    timeout 3 bash -c '
      exec 3<>"/dev/tcp/$0/$1" || exit 1
      # size 22 | api_key 3 | api_version 1 | correlation_id 1 | client_id "kafka.sh" | topics null
      printf "\x00\x00\x00\x16\x00\x03\x00\x01\x00\x00\x00\x01\x00\x08kafka.sh\xff\xff\xff\xff" >&3
      size=$((16#$(dd bs=1 count=4 <&3 2>/dev/null | od -An -tx1 | tr -d " \n")))
      [ "$size" -gt 0 ] && [ "$size" -lt 1048576 ] || exit 1
      dd bs=1 count="$size" <&3 2>/dev/null | od -An -v -tx1 | tr -d " \n"
    ' "$host" "$port" 2>/dev/null
  )" || return 1
  # reply (hex): correlation_id(4) brokers_count(4) [node_id(4) host_len(2) host port(4) rack(2+)]
  [ "${#reply}" -ge 24 ] || return 1
  [ "${reply:0:8}" = "00000001" ] || return 1
  local count=$((16#${reply:8:8}))
  [ "$count" -ge 1 ] && [ "$count" -lt 1000 ] || return 1
  local node=$((16#${reply:16:8})) hlen=$((16#${reply:24:4}))
  local hhex="${reply:28:$((hlen * 2))}"
  local bport=$((16#${reply:$((28 + hlen * 2)):8}))
  local bhost
  bhost="$(printf '%s' "$hhex" | sed 's/../\\x&/g' | xargs -0 printf '%b')"
  echo "$node $bhost:$bport"
}

write_config() {
  mkdir -p "$data" "$logs"
  cat >"$props" <<EOF
# written by deploy/kafka/kafka.sh: one KRaft node, broker and controller, loopback only
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$host:$cport
listeners=PLAINTEXT://$host:$port,CONTROLLER://$host:$cport
advertised.listeners=PLAINTEXT://$host:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data
# the project creates its topics with the partitions it wants
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
# a shared 2-core machine: few threads
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
background.threads=4
log.cleaner.threads=1
# dev data: keep a day, small segments so retention can work
log.retention.hours=24
log.segment.bytes=134217728
message.max.bytes=10485760
EOF
  cat >"$log4j" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$logs/server.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d{ISO8601}] %p %m (%c)%n
log4j.logger.kafka.controller=INFO
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.raft=WARN
log4j.logger.kafka.request.logger=WARN
EOF
}

format_storage() {
  [ -f "$data/meta.properties" ] && return 0
  local cid
  if [ ! -s "$dir/cluster-id" ]; then
    # What StorageTool random-uuid prints (16 random bytes, URL-safe base64, no padding, not
    # starting with '-'), without a JVM start.
    cid=-
    while [ "${cid:0:1}" = - ]; do cid="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"; done
    echo "$cid" >"$dir/cluster-id"
  fi
  cid="$(cat "$dir/cluster-id")"
  say "formatting KRaft storage in $data (cluster $cid)"
  "$java" -cp "$(cat "$cpfile")" -Dlog4j.configuration="file:$log4j" kafka.tools.StorageTool format \
    -t "$cid" -c "$props" --ignore-formatted >>"$logs/format.log" 2>&1 \
    || { tail -n 20 "$logs/format.log" >&2; die "StorageTool format failed (see $logs/format.log)"; }
}

start() {
  local pid t0 t
  if pid="$(running_pid)"; then
    if metadata_probe >/dev/null; then say "already running (pid $pid) on $host:$port"; return 0; fi
    say "pid $pid exists but does not serve metadata yet; waiting"
  else
    command -v "$java" >/dev/null 2>&1 || die "java not found: install a JDK >= 17 or set JAVA"
    if metadata_probe >/dev/null; then die "something else already serves Kafka on $host:$port"; fi
    local p
    for p in "$port" "$cport"; do
      if timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$p" 2>/dev/null; then
        die "$host:$p is in use by another process (set DEVKAFKA_PORT / DEVKAFKA_CONTROLLER_PORT)"
      fi
    done
    fetch
    write_config
    format_storage
    t0=$(date +%s%N)
    rm -f "$pidfile"
    # A session of its own (a Ctrl-C or the test runner's process group does not reach it). The
    # inner shell writes its own PID and execs the JVM, so the PID file is the JVM's whether or
    # not setsid had to fork.
    # shellcheck disable=SC2016
    setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" \
      "$java" -server $heap -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      -Dlog4j.configuration="file:$log4j" -Dkafka.logs.dir="$logs" \
      -cp "$(cat "$cpfile")" kafka.Kafka "$props" >"$out" 2>&1 </dev/null &
    local i
    for i in $(seq 50); do [ -s "$pidfile" ] && break; sleep 0.1; done
    [ -s "$pidfile" ] || die "the broker did not start (no PID after 5 s; see $out)"
  fi
  t0=${t0:-$(date +%s%N)}
  local deadline=$(( $(date +%s) + start_timeout ))
  while :; do
    if ! running_pid >/dev/null; then
      tail -n 30 "$logs/server.log" 2>/dev/null >&2 || true
      tail -n 10 "$out" >&2 || true
      rm -f "$pidfile"
      die "the broker exited during start (logs: $logs)"
    fi
    if metadata_probe >/dev/null; then break; fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      say "not serving metadata after ${start_timeout}s; stopping it"
      stop || true
      die "start timed out (logs: $logs)"
    fi
    sleep 0.3
  done
  t=$(( ($(date +%s%N) - t0) / 1000000 ))
  say "serving on $host:$port (pid $(cat "$pidfile"), ready in ${t} ms, data $data)"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$pidfile"
    say "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(( $(date +%s) + stop_timeout ))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      say "still running ${stop_timeout}s after TERM; KILL $pid"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  rm -f "$pidfile"
  say "stopped (pid $pid)"
}

status() {
  local pid info
  if pid="$(running_pid)" && info="$(metadata_probe)"; then
    echo "running pid $pid, broker ${info#* } (node ${info%% *}), data $data"
    return 0
  fi
  if pid="$(running_pid)"; then echo "starting or unhealthy: pid $pid does not serve metadata on $host:$port"; return 1; fi
  echo "not running"
  return 3
}

case "${1:-}" in
  fetch) fetch; echo "$cpfile" ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  clean) stop; rm -rf "$data" "$logs" "$dir/cluster-id" "$props" "$log4j"; say "removed $data" ;;
  *) echo "usage: $0 fetch|start|stop|status|clean" >&2; exit 2 ;;
esac
