#!/usr/bin/env bash
# A throw-away single-node OpenSearch for the tests and for local development.
#
#   scripts/opensearch.sh start    download (once, cached), install analysis-icu if served, start, wait
#   scripts/opensearch.sh stop     stop the node started by `start`
#   scripts/opensearch.sh status   print the URL and the cluster health (exit 1 when not running)
#   scripts/opensearch.sh url      print the URL the node listens on
#   scripts/opensearch.sh fetch    only download and unpack
#
# The distribution (org.opensearch.distribution.integ-test-zip:opensearch:VERSION:zip: the core
# without the security plugin) comes from Maven Central through `mvn` and is cached OUTSIDE the
# repository, in ${MAARIFA_CACHE:-$HOME/.cache/maarifa}/opensearch. It runs on the system Java
# (17+; the integ-test zip ships no JDK).
#
# Environment:
#   MAARIFA_CACHE               cache directory (default ~/.cache/maarifa)
#   MAARIFA_OPENSEARCH_VERSION  version to download (default 2.19.1; others tried when not served)
#   MAARIFA_OPENSEARCH_PORT     HTTP port (default 9250; transport port = HTTP port + 100)
#   MAARIFA_OPENSEARCH_HEAP     JVM heap (default 512m)
#   MAARIFA_OPENSEARCH_WAIT     seconds to wait for the node to become healthy (default 180)
set -euo pipefail

CACHE="${MAARIFA_CACHE:-$HOME/.cache/maarifa}/opensearch"
PORT="${MAARIFA_OPENSEARCH_PORT:-9250}"
TPORT=$((PORT + 100))
HEAP="${MAARIFA_OPENSEARCH_HEAP:-512m}"
WAIT="${MAARIFA_OPENSEARCH_WAIT:-180}"
VERSIONS="${MAARIFA_OPENSEARCH_VERSION:-2.19.1 2.19.2 2.19.3 2.19.0 2.18.0}"
# OpenSearch refuses to run as root: as root, the node runs as an unprivileged user
# (MAARIFA_OPENSEARCH_USER, default nobody) from a copy of the distribution in a run
# directory it can reach (the cache under /root is not readable by others).
RUN_AS=""
if [[ "$(id -u)" == 0 ]]; then
  RUN_AS="${MAARIFA_OPENSEARCH_USER:-nobody}"
  RUN="${TMPDIR:-/tmp}/maarifa-opensearch-$PORT"
else
  RUN="$CACHE/run-$PORT"
fi
PIDFILE="$RUN/opensearch.pid"
URL="http://127.0.0.1:$PORT"

log() { echo "opensearch.sh: $*" >&2; }
die() { log "$*"; exit 1; }

healthy() {
  curl -fsS --max-time 5 "$URL/_cluster/health?wait_for_status=yellow&timeout=2s" >/dev/null 2>&1
}

running_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid; pid="$(cat "$PIDFILE" 2>/dev/null)" || return 1
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# Prints the home directory of an unpacked distribution, downloading it when needed.
fetch() {
  mkdir -p "$CACHE/dist"
  local v
  for v in $VERSIONS; do
    if [[ -x "$CACHE/opensearch-$v/bin/opensearch" ]]; then
      install_analysis_common "$CACHE/opensearch-$v" "$v"
      echo "$CACHE/opensearch-$v"; return 0
    fi
  done
  command -v mvn >/dev/null || die "mvn is needed to download OpenSearch from Maven Central"
  command -v unzip >/dev/null || die "unzip is needed to unpack OpenSearch"
  for v in $VERSIONS; do
    local zip="$CACHE/dist/opensearch-$v.zip"
    if [[ ! -s "$zip" ]]; then
      log "downloading OpenSearch $v from Maven Central ..."
      if ! mvn -q -B dependency:copy \
          -Dartifact="org.opensearch.distribution.integ-test-zip:opensearch:$v:zip" \
          -DoutputDirectory="$CACHE/dist" -Dmdep.stripVersion=false >"$CACHE/mvn-opensearch.log" 2>&1; then
        log "OpenSearch $v is not served; trying the next version"
        continue
      fi
    fi
    [[ -s "$zip" ]] || { log "no $zip after download"; continue; }
    local tmp="$CACHE/unpack.$$"
    rm -rf "$tmp"; mkdir -p "$tmp"
    unzip -q "$zip" -d "$tmp" || { rm -rf "$tmp"; die "cannot unpack $zip"; }
    local home; home="$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -1)"
    rm -rf "$CACHE/opensearch-$v"
    mv "$home" "$CACHE/opensearch-$v"
    rm -rf "$tmp"
    install_analysis_common "$CACHE/opensearch-$v" "$v"
    install_icu "$CACHE/opensearch-$v" "$v"
    echo "$CACHE/opensearch-$v"
    return 0
  done
  die "no OpenSearch distribution could be downloaded (tried: $VERSIONS)"
}

# The integ-test zip is the bare core: the language analyzers, stemmers and folding filters live
# in the analysis-common module, which Maven Central serves as a plain jar. Install it as a module.
install_analysis_common() {
  local home="$1" v="$2" dir="$1/modules/analysis-common"
  if [[ -f "$dir/plugin-descriptor.properties" ]]; then return 0; fi
  log "adding the analysis-common module $v (language analyzers) ..."
  mvn -q -B dependency:copy -Dartifact="org.opensearch.plugin:analysis-common:$v:jar" \
      -DoutputDirectory="$CACHE/dist" >"$CACHE/mvn-analysis-common.log" 2>&1 \
    || { cat "$CACHE/mvn-analysis-common.log" >&2; die "analysis-common $v is not served; cannot build a node with language analyzers"; }
  mkdir -p "$dir"
  cp "$CACHE/dist/analysis-common-$v.jar" "$dir/"
  cat > "$dir/plugin-descriptor.properties" <<PROPS
description=Adds "built in" analyzers to OpenSearch.
version=$v
name=analysis-common
classname=org.opensearch.analysis.common.CommonAnalysisPlugin
java.version=11
opensearch.version=$v
extended.plugins=
has.native.controller=false
PROPS
}

install_icu() {
  local home="$1" v="$2"
  if [[ -d "$home/plugins/analysis-icu" ]]; then return 0; fi
  log "installing the analysis-icu plugin $v (optional) ..."
  if mvn -q -B dependency:copy -Dartifact="org.opensearch.plugin:analysis-icu:$v:zip" \
      -DoutputDirectory="$CACHE/dist" >"$CACHE/mvn-analysis-icu.log" 2>&1 && [[ -s "$CACHE/dist/analysis-icu-$v.zip" ]]; then
    if ! "$home/bin/opensearch-plugin" install --batch "file://$CACHE/dist/analysis-icu-$v.zip" >&2; then
      log "analysis-icu could not be installed; continuing without it"
    fi
  else
    log "analysis-icu $v is not served; continuing without it (ICU folding off)"
  fi
}

start() {
  if pid="$(running_pid)"; then
    if healthy; then log "already running (pid $pid) at $URL"; echo "$URL"; return 0; fi
  fi
  if healthy; then die "something else already answers on $URL; not starting a second node"; fi
  local home; home="$(fetch)"
  command -v java >/dev/null || [[ -n "${JAVA_HOME:-}" ]] || die "Java 17+ is needed to run OpenSearch"
  rm -rf "$RUN"; mkdir -p "$RUN/data" "$RUN/logs" "$RUN/config"
  if [[ -n "$RUN_AS" ]]; then
    cp -r "$home" "$RUN/home"; home="$RUN/home"
  fi
  cp -r "$home/config/." "$RUN/config/"
  cat > "$RUN/config/opensearch.yml" <<YML
cluster.name: maarifa-test-$PORT
node.name: maarifa-test
network.host: 127.0.0.1
http.port: $PORT
transport.port: $TPORT
discovery.type: single-node
path.data: $RUN/data
path.logs: $RUN/logs
cluster.routing.allocation.disk.threshold_enabled: false
action.auto_create_index: false
YML
  # Heap: the jvm.options of the distribution set 1g; ours come last and win.
  mkdir -p "$RUN/config/jvm.options.d"
  printf -- '-Xms%s\n-Xmx%s\n' "$HEAP" "$HEAP" > "$RUN/config/jvm.options.d/heap.options"
  export OPENSEARCH_PATH_CONF="$RUN/config"
  export OPENSEARCH_JAVA_HOME="${OPENSEARCH_JAVA_HOME:-${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}}"
  export OPENSEARCH_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP ${OPENSEARCH_JAVA_OPTS:-}"
  log "starting $home on $URL (heap $HEAP, logs in $RUN/logs${RUN_AS:+, as user $RUN_AS})"
  local launcher=()
  if [[ -n "$RUN_AS" ]]; then
    chown -R "$RUN_AS" "$RUN"
    launcher=(setpriv --reuid="$RUN_AS" --regid="$(id -g "$RUN_AS")" --clear-groups --)
  fi
  "${launcher[@]}" "$home/bin/opensearch" -d -p "$PIDFILE" >"$RUN/logs/stdout.log" 2>&1 || {
    tail -n 40 "$RUN/logs/"*.log >&2 || true; die "OpenSearch did not start"; }
  local waited=0
  until healthy; do
    # the pid file appears only once the JVM is up, which takes a while on a busy machine
    if (( waited > 5 )) && ! running_pid >/dev/null && { [[ -f "$PIDFILE" ]] || (( waited > 90 )); }; then
      tail -n 40 "$RUN/logs/maarifa-test-$PORT.log" >&2 2>/dev/null || tail -n 40 "$RUN/logs/"*.log >&2 || true
      die "OpenSearch exited while starting"
    fi
    (( waited >= WAIT )) && { stop; die "OpenSearch was not healthy after ${WAIT}s"; }
    sleep 1; waited=$((waited + 1))
  done
  log "OpenSearch is up at $URL (pid $(cat "$PIDFILE"), ${waited}s)"
  echo "$URL"
}

stop() {
  local pid
  if pid="$(running_pid)"; then
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    log "stopped (pid $pid)"
  else
    log "not running"
  fi
  rm -f "$PIDFILE"
}

status() {
  if pid="$(running_pid)" && healthy; then
    echo "running: $URL (pid $pid)"
    curl -fsS "$URL/_cluster/health?pretty" || true
    return 0
  fi
  echo "not running ($URL)"
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  url) echo "$URL" ;;
  fetch) fetch ;;
  *) echo "usage: $0 start|stop|status|url|fetch" >&2; exit 2 ;;
esac
