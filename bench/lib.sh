# Shared by the bench/ scripts; sourced, not run.

# Whether a source file (Java or POM) is newer than $1.
sources_newer_than() {
  [[ -n $(find "$root" -path "$root/*/target" -prune -o \( -name '*.java' -o -name pom.xml \) \
    -newer "$1" -print -quit) ]]
}

# The benchmarks module's runtime class path, building it (mvn package, never install) when the
# module has not been built since the sources last changed.
benchmarks_classpath() {
  local dir=$root/benchmarks/target
  # A stamp, not classpath.txt: Maven leaves that file alone when its content is unchanged.
  if [[ ! -f $dir/bench-built.stamp ]] || sources_newer_than "$dir/bench-built.stamp"; then
    echo "[bench] building the benchmarks module (mvn package, no install)" >&2
    (cd "$root" && ./mvnw -B -ntp -q -pl benchmarks -am package -DskipTests -DskipITs -Derrorprone.flags=-XepDisableAllChecks) >&2
    touch "$dir/bench-built.stamp"
  fi
  printf '%s:%s\n' "$dir/classes" "$(cat "$dir/classpath.txt")"
}

# The runnable Nodemesh jar, built (mvn package, never install) when missing or older than the
# sources.
nodemesh_jar() {
  local jar=$root/cli/target/nodemesh-all.jar
  if [[ ! -f $jar ]] || sources_newer_than "$jar"; then
    echo "[bench] building $jar (mvn package, no install)" >&2
    (cd "$root" && ./mvnw -B -ntp -q -pl cli -am package -DskipTests -DskipITs -Derrorprone.flags=-XepDisableAllChecks) >&2
    touch "$jar"
  fi
  printf '%s\n' "$jar"
}

# ---------------------------------------------------------------------------- processes
# Every process a bench script starts runs in its own process group (setsid), recorded in PGIDS
# and stopped by that group's id when the script exits; nothing is ever killed by name.
PGIDS=()
BENCH_KEEP=${BENCH_KEEP:-0}

bench_log() { printf '[%s %s] %s\n' "${BENCH_NAME:-bench}" "$(date +%H:%M:%S)" "$*" >&2; }
bench_die() {
  bench_log "error: $*"
  exit 1
}

# Makes the work directory $work and arranges the cleanup of it and of every spawned group.
bench_init() {
  work=$(mktemp -d /tmp/nodemesh-bench.XXXXXX)
  # nginx workers run as an unprivileged user when started as root: let them read the files.
  chmod 755 "$work"
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

bench_cleanup() {
  local g
  for g in "${PGIDS[@]}"; do
    kill -TERM -- "-$g" 2>/dev/null || true
  done
  for g in "${PGIDS[@]}"; do
    bench_await_gone "$g" 50 || kill -KILL -- "-$g" 2>/dev/null || true
  done
  if ((BENCH_KEEP)); then bench_log "kept $work"; else rm -rf "$work"; fi
}

# Whether process group $1 is gone within $2 tenths of a second.
bench_await_gone() {
  local i
  for ((i = 0; i < $2; i++)); do
    kill -0 -- "-$1" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# spawn CPU NAME COMMAND...: starts COMMAND in a new process group (its pid is the group id),
# pinned to CPU unless PIN=0 or CPU is "-", output in $work/NAME.out. Sets SPAWNED to the pid.
# Not to be called in $(...): the group must be recorded in this shell for the cleanup.
spawn() {
  local cpu=$1 name=$2
  shift 2
  local pin=()
  if ((${PIN:-1})) && [[ $cpu != - ]]; then pin=(taskset -c "$cpu"); fi
  setsid "${pin[@]}" "$@" >"$work/$name.out" 2>&1 </dev/null &
  SPAWNED=$!
  PGIDS+=("$SPAWNED")
}

# Stops one spawned group: TERM, up to 5 s, then KILL.
stop_group() {
  kill -TERM -- "-$1" 2>/dev/null || true
  bench_await_gone "$1" 50 || kill -KILL -- "-$1" 2>/dev/null || true
}

# await_200 URL SECONDS [CURL ARGS...]: whether URL answers 200 within SECONDS.
await_200() {
  local url=$1 limit=$2
  shift 2
  local deadline=$((SECONDS + limit))
  while ((SECONDS < deadline)); do
    if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$@" "$url" 2>/dev/null) == 200 ]]; then
      return 0
    fi
    sleep 0.01
  done
  return 1
}

# write_mesh_dir DIR BACKEND_PORT IP...: the Services the bench proxies: bench/web (HTTP, port 80)
# and bench/raw (TCP, port 9000), both with endpoints IP...:BACKEND_PORT.
write_mesh_dir() {
  local dir=$1 port=$2
  shift 2
  mkdir -p "$dir"
  local addrs
  addrs=$(printf '"%s", ' "$@")
  addrs="[${addrs%, }]"
  cat >"$dir/bench.yaml" <<YAML
apiVersion: v1
kind: Service
metadata: {name: web, namespace: bench}
spec:
  ports: [{name: http, port: 80, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, namespace: bench, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: $port, protocol: TCP}]
endpoints: [{addresses: $addrs, conditions: {ready: true}}]
---
apiVersion: v1
kind: Service
metadata: {name: raw, namespace: bench, annotations: {nodemesh.io/traffic-type: tcp}}
spec:
  ports: [{name: tcp, port: 9000, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: raw-1, namespace: bench, labels: {kubernetes.io/service-name: raw}}
addressType: IPv4
ports: [{name: tcp, port: $port, protocol: TCP}]
endpoints: [{addresses: $addrs, conditions: {ready: true}}]
YAML
}

# start_controller CPU DIR API_PORT HTTP_PORT TCP_PORT UDP_PORT: a Nodemesh controller reading
# DIR, one proxy port per protocol (HTTP_PORT may be a range FIRST-LAST); waits until it serves a
# config. Sets CONTROLLER_PGID.
start_controller() {
  local cpu=$1 dir=$2 api=$3 http=$4 tcp=$5 udp=$6 jar http_range
  jar=$(nodemesh_jar)
  if [[ $http == *-* ]]; then http_range=$http; else http_range=$http-$http; fi
  spawn "$cpu" controller java --enable-native-access=ALL-UNNAMED -Xmx256m -jar "$jar" controller \
    --source "$dir" --bind 127.0.0.1 --port "$api" --no-leader-election \
    --http-ports "$http_range" --tcp-ports "$tcp-$tcp" --udp-ports "$udp-$udp"
  CONTROLLER_PGID=$SPAWNED
  await_200 "http://127.0.0.1:$api/readyz" 90 ||
    bench_die "controller not ready: $(tail -5 "$work/controller.out")"
}

# The node proxy's default JVM flags, which give the RSS figures in docs/benchmarks.md: the same
# file feeds the chart's default (ChartTest holds them equal) and the AOT cache's training run.
NODEMESH_PROXY_DEFAULT_OPTS=$(grep -v -e '^#' -e '^[[:space:]]*$' "$root/docker/proxy-jvm-options" |
  paste -sd' ' -)
# Compact object headers came with JDK 25 (JEP 519); an older JDK would refuse to start with them.
if [[ $(nodemesh_java_major "$(command -v java)") -lt 25 ]]; then
  NODEMESH_PROXY_DEFAULT_OPTS=${NODEMESH_PROXY_DEFAULT_OPTS//-XX:+UseCompactObjectHeaders/}
fi
