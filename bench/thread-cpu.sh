#!/usr/bin/env bash
# CPU seconds each thread group of a running JVM uses over a window, to see where a benchmark's
# cores go (e.g. ONNX Runtime vs HTTP vs JIT while `ke bench serve` runs).
# Usage: bench/thread-cpu.sh PID [SECONDS]   (needs jstack from the JDK; Linux /proc)
set -euo pipefail
pid=${1:?usage: bench/thread-cpu.sh PID [SECONDS]}
secs=${2:-10}
[[ -d /proc/$pid ]] || { echo "no process $pid" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
snap() {
  for t in /proc/"$pid"/task/*; do
    # Fields after the ") " that ends the thread name: utime and stime are the 12th and 13th.
    read -r line < "$t/stat" 2>/dev/null || continue
    # shellcheck disable=SC2086
    set -- ${line#*) }
    echo "${t##*/} $(( ${12} + ${13} ))"
  done | sort
}
snap > "$tmp/a"
sleep "$secs"
snap > "$tmp/b"
jstack "$pid" > "$tmp/names" 2>/dev/null || true
hz=$(getconf CLK_TCK)
join "$tmp/a" "$tmp/b" | while read -r tid before after; do
  d=$(( after - before ))
  (( d > 0 )) || continue
  # Java threads by name (numbers folded); threads jstack does not list are native (e.g. ONNX
  # Runtime's and TensorFlow's pools).
  name=$( { grep "nid=$(printf '0x%x' "$tid") " "$tmp/names" || true; } | sed 's/^"\([^"]*\)".*/\1/; s/[0-9]\+/N/g')
  echo "$d ${name:-native threads}"
done | awk -v hz="$hz" -v secs="$secs" '
  { d = $1; $1 = ""; sub(/^ /, ""); s[$0] += d; total += d }
  END {
    for (k in s) printf "%8.2f s %5.1f%%  %s\n", s[k] / hz, 100 * s[k] / total, k
    printf "%8.2f s        total over %s s of wall time\n", total / hz, secs
  }' | sort -rn
