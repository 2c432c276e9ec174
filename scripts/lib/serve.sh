# Sourced by scripts/pinned and scripts/interleaved: starts one server pinned to a core and waits until
# it listens. Needs BROKER_JAR, BENCH_JAR, CONFIG; BROKER_JAVA_OPTS and RAW_IO / RAW_ACK as scripts/pinned
# documents them.
#   serve LAUNCH CPU LOG   (LAUNCH: bin/hubbub, jar or raw)
# sets SERVED_PID (the JVM's pid: the launcher execs) and SERVED_PORT; fails with the log on stderr
# when the server stops before listening or does not listen within 30 s.
# shellcheck shell=bash

serve() {
  local launch=$1 cpu=$2 log=$3 what=broker listening
  listening='s/.*hubbub listening on [0-9.]*:\([0-9]*\) .*/\1/p'
  if [ "$launch" = raw ]; then
    # the comparator in the broker's place: same core, same port discovery, same --server-pid probe
    what="raw server"
    listening='s/^raw-server listening on [0-9.]*:\([0-9]*\).*/\1/p'
    # shellcheck disable=SC2086 # BROKER_JAVA_OPTS is a list of flags
    taskset -c "$cpu" java ${BROKER_JAVA_OPTS:-} -jar "$BENCH_JAR" raw-server --port 0 --io "${RAW_IO:-epoll}" \
      ${RAW_ACK:+--ack} > "$log" 2>&1 &
  elif [ "$launch" = jar ]; then
    # shellcheck disable=SC2086 # BROKER_JAVA_OPTS is a list of flags
    taskset -c "$cpu" java ${BROKER_JAVA_OPTS:-} -jar "$BROKER_JAR" --config "$CONFIG" --port 0 > "$log" 2>&1 &
  else
    # the README's run command: the launcher's JVM settings, BROKER_JAVA_OPTS after them (both exec: $! is the JVM)
    HUBBUB_JAR="$BROKER_JAR" HUBBUB_JAVA_OPTS="${BROKER_JAVA_OPTS:-}" \
      taskset -c "$cpu" "$launch" --config "$CONFIG" --port 0 > "$log" 2>&1 &
  fi
  SERVED_PID=$!
  SERVED_PORT=""
  for _ in $(seq 300); do
    SERVED_PORT=$(sed -n "$listening" "$log" | head -n 1)
    [ -n "$SERVED_PORT" ] && return 0
    kill -0 "$SERVED_PID" 2>/dev/null || { cat "$log" >&2; echo "the $what stopped before listening" >&2; return 1; }
    sleep 0.1
  done
  echo "the $what did not listen within 30 s (see $log)" >&2
  return 1
}

# unserve PID: SIGTERM, then SIGKILL after 10 s
unserve() {
  local pid=$1
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
}
