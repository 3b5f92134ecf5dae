#!/usr/bin/env bash
# Runs the linux-arm64 binary under qemu-user on this x64 host: it must start, answer
# /health/ready, do a publish/receive/ack round trip and drain on SIGTERM. The aarch64 glibc it
# needs comes from the Debian mirror (libc6_<host version>_arm64.deb), cached outside the repo.
# Usage: test/packaging/arm64-smoke.sh dist/millrace-linux-arm64
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/lib.sh"
[[ $# -eq 1 && -x "$1" ]] || die "usage: $0 dist/millrace-linux-arm64 (build it with scripts/build-binary arm64)"
binary="$(realpath "$1")"

need_tool qemu-aarch64-static qemu-user-static
need_tool curl curl
libc_version="$(dpkg-query -W -f '${Version}' libc6)"
sysroot="/var/cache/millrace-test/arm64-libc-$libc_version"
if [[ ! -e "$sysroot/lib/ld-linux-aarch64.so.1" ]]; then
  say "fetching the aarch64 glibc ($libc_version) from the Debian mirror"
  mirror="$(debian_mirror)"
  tmp="$(mktemp -d)"
  curl -sSfo "$tmp/libc6.deb" "$mirror/pool/main/g/glibc/libc6_${libc_version}_arm64.deb" ||
    curl -sSfo "$tmp/libc6.deb" "${mirror%/debian*}/debian-security/pool/updates/main/g/glibc/libc6_${libc_version}_arm64.deb" ||
    die "cannot download libc6_${libc_version}_arm64.deb from $mirror (or its security archive); check the mirror and re-run"
  rm -rf "$sysroot.tmp" && mkdir -p "$sysroot.tmp"
  dpkg-deb -x "$tmp/libc6.deb" "$sysroot.tmp"
  rm -rf "$tmp" "$sysroot"
  mv "$sysroot.tmp" "$sysroot"
fi

port="${MILLRACE_ARM64_TEST_PORT:-17421}"
curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" && die "port $port is in use; set MILLRACE_ARM64_TEST_PORT to a free port"
data="$(mktemp -d /tmp/millrace-arm64-smoke.XXXXXX)"
say "arm64: $(qemu-aarch64-static -L "$sysroot" "$binary" version) under qemu-user"
MILLRACE_DATA_DIR="$data" MILLRACE_LISTEN="127.0.0.1:$port" qemu-aarch64-static -L "$sysroot" "$binary" serve >"$data/log" 2>&1 &
pid=$!
trap 'kill -KILL $pid 2>/dev/null || true; rm -rf "$data"' EXIT
api="http://127.0.0.1:$port"
for _ in $(seq 1 300); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$api/health/ready")" == 200 ]] && break
  kill -0 $pid 2>/dev/null || { cat "$data/log" >&2; die "the arm64 binary exited during start (log above)"; }
  sleep 0.2
done
json() { curl -sS --fail-with-body --max-time 30 -H 'content-type: application/json' "$@"; }
json -X PUT "$api/v1/queues/smoke" -d '{}' >/dev/null
id="$(json -X POST "$api/v1/queues/smoke/messages" -d '{"body":"arm64"}' | sed -E 's/.*"id":"([^"]+)".*/\1/')"
received="$(json -X POST "$api/v1/queues/smoke/receive" -d '{"max":1,"waitSeconds":5}')"
[[ "$received" == *"\"id\":\"$id\""* ]] || die "arm64: receive did not return the published message: $received"
receipt="$(sed -E 's/.*"receipt":"([^"]+)".*/\1/' <<<"$received")"
[[ "$(json -X POST "$api/v1/queues/smoke/ack" -d "{\"receipts\":[\"$receipt\"]}")" == *'"result":"ok"'* ]] || die "arm64: ack failed"
kill -TERM $pid
status=0
wait $pid || status=$?
[[ $status -eq 0 ]] || { cat "$data/log" >&2; die "arm64: exit status $status after SIGTERM (log above)"; }
grep -q 'shutdown: database closed; bye' "$data/log" || die "arm64: the drain did not finish"
say "arm64 smoke test passed (start, ready, publish/receive/ack, drain)"
