#!/usr/bin/env bash
# first-request.sh REPO MODEL [TRIALS] [MODES]: a fresh ke-serve process's first inference against
# its steady latency, with warm-up off and on (MODES, default "off on"), TRIALS times each (default
# 3), over REST (binary) and gRPC (raw). Each trial starts a new JVM, waits until
# /v2/health/ready answers 200 (what a Kubernetes readiness probe waits for), then `ke bench serve
# --first-request` sends one request and times it, then 200 more. Prints one line per trial.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="${1:?usage: first-request.sh REPO MODEL [TRIALS] [MODES]}"
model="${2:?usage: first-request.sh REPO MODEL [TRIALS] [MODES]}"
trials="${3:-3}"
modes="${4:-off on}"
port=18500
grpc=18501
for mode in $modes; do
  if [[ $mode == off ]]; then warm=(--warmup-max-batch-size 0 --warmup-requests 0); else warm=(); fi
  for protocol in http grpc; do
    for t in $(seq 1 "$trials"); do
      "$root/ke-serve" "$repo" --port "$port" --grpc-port "$grpc" --poll-interval-ms 0 \
        "${warm[@]}" > /tmp/first-request-server.log 2>&1 &
      server=$!
      until curl -fsS -o /dev/null "http://127.0.0.1:$port/v2/health/ready" 2>/dev/null; do
        kill -0 "$server" 2>/dev/null || { cat /tmp/first-request-server.log; exit 1; }
        sleep 0.2
      done
      if [[ $protocol == http ]]; then target=(--url "http://127.0.0.1:$port"); else
        target=(--grpc-target "127.0.0.1:$grpc"); fi
      line="$("$root/ke" bench serve "${target[@]}" --protocol "$protocol" --binary \
        --model "$model" --first-request | grep -E "^(first request|server side|after [0-9]+ ms idle)" | tr "\n" " ")"
      echo "warm-up $mode, $protocol, trial $t: $line"
      kill -TERM "$server"; wait "$server" || true
    done
  done
done
