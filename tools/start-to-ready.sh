#!/usr/bin/env bash
# Start-to-ready of each packaged service as its image starts it, without and with the class
# archive the image carries: for each JDK in JDKS, the image's runtime and archive are made by
# tools/image-jvm.sh (as the build makes them), then each round starts the service from that
# /deployments copy with `java [archive] -jar quarkus-run.jar` (TCMalloc preloaded when installed,
# as the entrypoint does) and times launch -> first 200 from /q/health/ready (Kafka and storage up;
# a real single-node broker from tools/kafka-broker/target/lib runs meanwhile). Without and with
# alternate within a round, so both see the same load. Build first:
#   ./mvnw -B -o package -DskipTests -pl ingest-service,embed-service,train-service,infer-service,tools/kafka-broker -am
# Usage: tools/start-to-ready.sh [service...]   (ROUNDS=3, JDKS="jdk17-home jdk25-home")
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-3}
JDKS=${JDKS:-/usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64}
services=("$@")
[ ${#services[@]} -gt 0 ] || services=(ingest-service embed-service train-service infer-service)
work=$(mktemp -d)
lib=$root/tools/kafka-broker/target/lib
first_jdk=${JDKS%% *}
kafka=
cleanup() { if [ -n "$kafka" ]; then kill "$kafka" 2>/dev/null || true; fi; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
tcmalloc=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4
[ -e "$tcmalloc" ] || tcmalloc=

cat > "$work/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:29093
listeners=PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093
advertised.listeners=PLAINTEXT://127.0.0.1:29092
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$work/kafka
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
id=$("$first_jdk/bin/java" -cp "$lib/*" kafka.tools.StorageTool random-uuid)
"$first_jdk/bin/java" -cp "$lib/*" kafka.tools.StorageTool format -t "$id" -c "$work/server.properties" >/dev/null
"$first_jdk/bin/java" -cp "$lib/*" kafka.Kafka "$work/server.properties" >"$work/kafka.log" 2>&1 &
kafka=$!

# ready_ms JAVA DEPLOYMENTS JVM-OPTION... : milliseconds from launch to ready
ready_ms() {
  local java=$1 dir=$2; shift 2
  local port=18181 start end pid
  start=$(date +%s%N)
  (cd "$dir" && exec env LD_PRELOAD="$tcmalloc" KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:29092 \
    VOCALIS_STORAGE_ROOT="file:$work/data/" QUARKUS_HTTP_PORT=$port \
    DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.djl.ai}" DJL_OFFLINE=true \
    "$java/bin/java" "$@" -jar quarkus-run.jar) >"$work/service.log" 2>&1 &
  pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$port/q/health/ready"; do
    kill -0 "$pid" 2>/dev/null || { echo "service in $dir exited; log:" >&2; tail -20 "$work/service.log" >&2; exit 1; }
    sleep 0.05
  done
  end=$(date +%s%N)
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  echo $(((end - start) / 1000000))
}

median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

sleep 3
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $ROUNDS rounds"
printf '%-16s %-8s %10s %10s %7s   %s\n' service jdk without with ratio 'rounds (ms, without/with)'
for jdk in $JDKS; do
  major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$jdk/release")
  java=$work/jdk$major/java
  "$root/tools/image-jvm.sh" runtime "$jdk" "$java" >/dev/null
  for service in "${services[@]}"; do
    dir=$work/jdk$major/$service
    "$root/tools/image-jvm.sh" cache "$java" "$root/$service/target/quarkus-app" "$dir" >/dev/null
    if [ -e "$dir/app.aot" ]; then flag=-XX:AOTCache=app.aot; else flag=-XX:SharedArchiveFile=app.jsa; fi
    ready_ms "$java" "$dir" >/dev/null # warm the file cache
    without= with= pairs=
    for round in $(seq "$ROUNDS"); do
      if [ $((round % 2)) -eq 1 ]; then
        a=$(ready_ms "$java" "$dir"); b=$(ready_ms "$java" "$dir" "$flag")
      else
        b=$(ready_ms "$java" "$dir" "$flag"); a=$(ready_ms "$java" "$dir")
      fi
      without="$without $a" with="$with $b" pairs="$pairs $a/$b"
    done
    m0=$(echo "$without" | median) m1=$(echo "$with" | median)
    printf '%-16s %-8s %7s ms %7s ms %7s  %s\n' "$service" "$major" "$m0" "$m1" \
      "$(awk -v a="$m1" -v b="$m0" 'BEGIN {printf "%.2f", a / b}')" "$pairs"
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
