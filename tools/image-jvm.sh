#!/usr/bin/env bash
# The JVM part of a Vocalis image, made on the build host (Maven runs it in the package phase, see
# k8s/README.md "Fast start"; tools/start-to-ready.sh runs it too):
#
#   tools/image-jvm.sh runtime JDK OUT
#       OUT = a Java runtime linked from JDK with jlink (/opt/java in the image), with its default
#       CDS archive; kept while JDK's release file is unchanged.
#   tools/image-jvm.sh cache RUNTIME QUARKUS_APP OUT
#       OUT = QUARKUS_APP laid out as the image holds it at /deployments (every file dated
#       1970-01-01T00:00:01Z, as Jib dates them) plus the class archive of one training run of the
#       service with RUNTIME: app.aot (an AOT cache, JDK 24+) or app.jsa (a dynamic AppCDS
#       archive, JDK 17-23).
#
# An archive is valid only for the very runtime that made it and for jars of the same path, size
# and modification time, so the image carries this runtime and this copy of the fast-jar, and its
# entrypoint runs `java -jar quarkus-run.jar` from /deployments like the training run does.
set -euo pipefail

work= pid=
modules=java.se,jdk.unsupported,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.zipfs,jdk.naming.dns,jdk.net,jdk.charsets,jdk.management,jdk.management.jfr,jdk.jfr,jdk.jcmd,jdk.security.auth,jdk.security.jgss

major() { sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"; }

runtime() {
  local jdk=$1 out=$2
  local stamp="$out.from"
  local want
  want="$jdk $(sha256sum "$jdk/release" | cut -c1-64) $modules"
  if [ -f "$out/release" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return
  fi
  rm -rf "$out" "$stamp"
  mkdir -p "$(dirname "$out")"
  local compress=zip-6
  [ "$(major "$jdk")" -ge 21 ] || compress=2
  "$jdk/bin/jlink" --add-modules "$modules" --output "$out" --strip-debug --no-man-pages \
    --no-header-files --compress="$compress" --generate-cds-archive
  echo "$want" >"$stamp"
}

cache() {
  local java=$1 app=$2 out=$3
  local log port archive flag
  work=$(mktemp -d)
  log=$work/training.log
  trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; fi; rm -rf "$work"' EXIT
  rm -rf "$out"
  mkdir -p "$(dirname "$out")"
  cp -r "$app" "$out"
  find "$out" -exec touch -h -d @1 {} +
  if [ "$(major "$java")" -ge 24 ]; then
    archive=app.aot flag=-XX:AOTCacheOutput="$work/app.aot"
  else
    archive=app.jsa flag=-XX:ArchiveClassesAtExit="$work/app.jsa"
  fi
  # Training run: the service on an unreachable broker and a scratch storage root, started and
  # asked for its health, metrics and OpenAPI (the classes of a start and of its first requests).
  (cd "$out" && exec env KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9 VOCALIS_STORAGE_ROOT="file:$work/data/" \
    QUARKUS_HTTP_PORT=0 DJL_OFFLINE=true DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.djl.ai}" \
    "$java/bin/java" "$flag" -jar quarkus-run.jar) >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1200); do
    port=$(sed -n 's|.*Listening on: http://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$log" | head -1)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || { tail -30 "$log" >&2; echo "image-jvm: training run of $app exited" >&2; return 1; }
    sleep 0.25
  done
  [ -n "$port" ] || { tail -30 "$log" >&2; echo "image-jvm: training run of $app did not start in 300 s" >&2; return 1; }
  for path in /q/health/live /q/health/ready /q/health /q/metrics /q/openapi; do
    curl -s -o /dev/null -m 30 "http://127.0.0.1:$port$path" || true
  done
  kill -TERM "$pid"
  wait "$pid" || true
  pid=
  [ -s "$work/$archive" ] || { tail -30 "$log" >&2; echo "image-jvm: the training run wrote no $archive" >&2; return 1; }
  mv "$work/$archive" "$out/$archive"
  touch -d @1 "$out/$archive"
  echo "image-jvm: $out/$archive ($(du -h "$out/$archive" | cut -f1)) from a training run with $java"
}

case "${1:-}" in
  runtime) [ $# -eq 3 ] || { echo "usage: $0 runtime JDK OUT" >&2; exit 2; }; runtime "$2" "$3" ;;
  cache) [ $# -eq 4 ] || { echo "usage: $0 cache RUNTIME QUARKUS_APP OUT" >&2; exit 2; }; cache "$2" "$3" "$4" ;;
  *) echo "usage: $0 runtime JDK OUT | cache RUNTIME QUARKUS_APP OUT" >&2; exit 2 ;;
esac
