#!/usr/bin/env bash
# Start-to-ready (first 200 from /q/health/ready: Kafka and storage) of each packaged service, on
# JDK 17 without and with an AppCDS archive and on JDK 25 without and with an AOT cache (the
# archive/cache made by one training run of the same service). A real single-node broker runs
# meanwhile (tools/kafka-broker/target/lib). Usage: tools/start-to-ready.sh [service...] ; ROUNDS=3
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
JDK17=${JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}
JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROUNDS=${ROUNDS:-3}
services=("${@:-ingest-service}")
work=$(mktemp -d)
lib=$root/tools/kafka-broker/target/lib
kafka=
cleanup() { [ -n "$kafka" ] && kill "$kafka" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

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
id=$("$JDK17/bin/java" -cp "$lib/*" kafka.tools.StorageTool random-uuid)
"$JDK17/bin/java" -cp "$lib/*" kafka.tools.StorageTool format -t "$id" -c "$work/server.properties" >/dev/null
"$JDK17/bin/java" -cp "$lib/*" kafka.Kafka "$work/server.properties" >"$work/kafka.log" 2>&1 &
kafka=$!

# ready_ms JAVA SERVICE JVM-OPTION... : milliseconds from launch to ready
ready_ms() {
  local java=$1 service=$2; shift 2
  local port=18181 start end pid
  start=$(date +%s%N)
  KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:29092 VOCALIS_STORAGE_ROOT="file:$work/data" QUARKUS_HTTP_PORT=$port \
    DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.djl.ai}" DJL_OFFLINE=true \
    "$java/bin/java" "$@" -jar "$root/$service/target/quarkus-app/quarkus-run.jar" >"$work/$service.log" 2>&1 &
  pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$port/q/health/ready"; do
    kill -0 "$pid" 2>/dev/null || { echo "$service exited; log:" >&2; tail -20 "$work/$service.log" >&2; exit 1; }
    sleep 0.05
  done
  end=$(date +%s%N)
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  echo $(((end - start) / 1000000))
}

# median of ROUNDS runs
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
runs() { for _ in $(seq "$ROUNDS"); do ready_ms "$@"; done | median; }

sleep 3
printf '%-16s %10s %12s %10s %12s\n' service jdk17 jdk17+cds jdk25 jdk25+aot
for service in "${services[@]}"; do
  ready_ms "$JDK17" "$service" >/dev/null                                   # warm the file cache
  plain17=$(runs "$JDK17" "$service")
  ready_ms "$JDK17" "$service" -XX:ArchiveClassesAtExit="$work/$service.jsa" >/dev/null
  cds17=$(runs "$JDK17" "$service" -XX:SharedArchiveFile="$work/$service.jsa")
  plain25=$(runs "$JDK25" "$service")
  ready_ms "$JDK25" "$service" -XX:AOTCacheOutput="$work/$service.aot" >/dev/null
  aot25=$(runs "$JDK25" "$service" -XX:AOTCache="$work/$service.aot")
  printf '%-16s %8s ms %10s ms %8s ms %10s ms\n' "$service" "$plain17" "$cds17" "$plain25" "$aot25"
done
