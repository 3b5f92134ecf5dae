# Shared helpers for the packaging tests and scripts; source it (bash). Every helper prints what it
# does, and a missing tool that cannot be installed fails loudly with what to do next.

ROOTFS_CACHE="${MILLRACE_ROOTFS_CACHE:-/var/cache/millrace-test/bookworm-rootfs}"

say() { echo "==> $*" >&2; }
die() {
  echo "FAIL: $*" >&2
  exit 1
}

# need_tool COMMAND DEBIAN-PACKAGE: installs the package with apt-get when the command is missing.
apt_updated=0
need_tool() {
  local tool="$1" package="$2"
  command -v "$tool" >/dev/null 2>&1 && return 0
  [[ -x "/usr/sbin/$tool" || -x "/sbin/$tool" ]] && return 0
  if ! command -v apt-get >/dev/null 2>&1 || [[ "$(id -u)" != 0 ]]; then
    die "$tool is missing and cannot be installed here (needs root and apt-get); install the Debian package $package and re-run"
  fi
  say "installing $package (for $tool) with apt-get…"
  if [[ "$apt_updated" == 0 ]]; then
    apt-get update -q >&2 || die "apt-get update failed; check the network and /etc/apt/sources.list.d, then re-run"
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$package" >&2 ||
    die "apt-get install $package failed (output above); install it by hand and re-run"
  command -v "$tool" >/dev/null 2>&1 || [[ -x "/usr/sbin/$tool" ]] || die "$package is installed but $tool is still missing"
}

# The Debian mirror this host already uses, so the rootfs comes from the same (reachable) place.
debian_mirror() {
  local uri
  uri="$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list.d/* /etc/apt/sources.list 2>/dev/null |
    grep -oE 'https?://[^ ]+' | head -1)"
  echo "${uri:-http://deb.debian.org/debian}"
}

# Builds the Debian 12 rootfs once, outside the repository; later runs reuse it. Installation
# tests run against a throw-away copy (see boot_container), so the cache stays pristine.
ensure_rootfs() {
  mkdir -p "$(dirname "$ROOTFS_CACHE")"
  # One builder at a time when several test runs start together.
  exec {rootfs_lock}>"$ROOTFS_CACHE.lock"
  flock "$rootfs_lock"
  build_rootfs_if_missing
  flock -u "$rootfs_lock"
}

build_rootfs_if_missing() {
  if [[ -f "$ROOTFS_CACHE/.millrace-rootfs-complete" ]]; then
    say "reusing the cached Debian 12 rootfs at $ROOTFS_CACHE"
    return 0
  fi
  need_tool debootstrap debootstrap
  local mirror started
  mirror="$(debian_mirror)"
  started=$(date +%s)
  say "building a Debian 12 rootfs with debootstrap from $mirror into $ROOTFS_CACHE (a few minutes, once)…"
  rm -rf "$ROOTFS_CACHE.tmp"
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,curl,ca-certificates \
    bookworm "$ROOTFS_CACHE.tmp" "$mirror" >"$ROOTFS_CACHE.log" 2>&1 || {
    tail -30 "$ROOTFS_CACHE.log" >&2
    die "debootstrap failed (log: $ROOTFS_CACHE.log); check the mirror $mirror is reachable, then re-run"
  }
  # Quiet, fast boots: no getty on the console, no network setup, machine-id set at first boot.
  rm -f "$ROOTFS_CACHE.tmp/etc/machine-id"
  ln -sf /dev/null "$ROOTFS_CACHE.tmp/etc/systemd/system/console-getty.service"
  ln -sf /dev/null "$ROOTFS_CACHE.tmp/etc/systemd/system/getty@.service"
  echo millrace-test >"$ROOTFS_CACHE.tmp/etc/hostname"
  chroot "$ROOTFS_CACHE.tmp" apt-get clean
  touch "$ROOTFS_CACHE.tmp/.millrace-rootfs-complete"
  rm -rf "$ROOTFS_CACHE"
  mv "$ROOTFS_CACHE.tmp" "$ROOTFS_CACHE"
  say "rootfs ready in $(($(date +%s) - started)) s"
}

# The second cached layer: the rootfs plus Debian's postgresql with one cluster (port 55432, not
# started at boot), for the packaged-fleet part of the install test. Built once from the base
# rootfs under the same lock, and rebuilt when the base is newer.
ROOTFS_PG_CACHE="${MILLRACE_ROOTFS_PG_CACHE:-$ROOTFS_CACHE-postgresql}"
ROOTFS_PG_PORT=55432
# Written into the layer's stamp: a layer built by another recipe is rebuilt. Change it with the recipe.
ROOTFS_PG_RECIPE="postgresql; cluster main on port $ROOTFS_PG_PORT; not started at boot (2)"

ensure_rootfs_with_postgresql() {
  mkdir -p "$(dirname "$ROOTFS_CACHE")"
  exec {rootfs_lock}>"$ROOTFS_CACHE.lock"
  flock "$rootfs_lock"
  build_rootfs_if_missing
  build_postgresql_layer_if_missing
  flock -u "$rootfs_lock"
}

build_postgresql_layer_if_missing() {
  local stamp="$ROOTFS_PG_CACHE/.millrace-rootfs-complete" tmp="$ROOTFS_PG_CACHE.tmp"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$ROOTFS_PG_RECIPE" &&
    ! "$ROOTFS_CACHE/.millrace-rootfs-complete" -nt "$stamp" ]]; then
    say "reusing the cached Debian 12 rootfs with postgresql at $ROOTFS_PG_CACHE"
    return 0
  fi
  need_tool systemd-nspawn systemd-container
  local started log="$ROOTFS_PG_CACHE.log"
  started=$(date +%s)
  say "adding Debian's postgresql to a copy of the rootfs in $ROOTFS_PG_CACHE (a minute, once)…"
  rm -rf "$tmp"
  cp -a "$ROOTFS_CACHE" "$tmp"
  rm -f "$tmp/.millrace-rootfs-complete"
  # Nothing may start while installing: systemd is not running in this container, so the
  # postinst would fall back to the init script, and the container shares the host's network,
  # where the host's PostgreSQL already has 5432. The cluster is made below, on its own port.
  printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
  chmod 0755 "$tmp/usr/sbin/policy-rc.d"
  mkdir -p "$tmp/etc/postgresql-common/createcluster.d"
  echo "create_main_cluster = false" >"$tmp/etc/postgresql-common/createcluster.d/millrace-test.conf"
  # The test starts PostgreSQL itself. `systemctl disable` alone is undone at the first boot, when
  # systemd applies the presets (Debian's: enable everything); this preset keeps it off.
  mkdir -p "$tmp/etc/systemd/system-preset"
  echo "disable postgresql.service" >"$tmp/etc/systemd/system-preset/00-millrace-test.preset"
  systemd-nspawn --register=no --keep-unit -q -D "$tmp" --setenv=DEBIAN_FRONTEND=noninteractive \
    --setenv=LANG=C.UTF-8 sh -ec '
      apt-get update -q
      apt-get install -y -q --no-install-recommends postgresql
      pg_createcluster -p '"$ROOTFS_PG_PORT"' "$(ls /usr/lib/postgresql | sort -V | tail -1)" main
      systemctl disable postgresql
      apt-get clean' >"$log" 2>&1 </dev/null || {
    tail -30 "$log" >&2
    die "installing postgresql into the rootfs copy failed (log: $log); check the Debian mirror, then re-run"
  }
  rm -f "$tmp/usr/sbin/policy-rc.d"
  echo "$ROOTFS_PG_RECIPE" >"$tmp/.millrace-rootfs-complete"
  rm -rf "$ROOTFS_PG_CACHE"
  mv "$tmp" "$ROOTFS_PG_CACHE"
  say "rootfs with postgresql ready in $(($(date +%s) - started)) s"
}

# boot_container DIR [ROOTFS]: copies the cached rootfs (default: the base one) to DIR and boots
# it with systemd-nspawn in the background (sharing the host network). Sets CONTAINER_PID
# (systemd inside) and NSPAWN_PID.
boot_container() {
  local dir="$1" rootfs="${2:-$ROOTFS_CACHE}"
  need_tool systemd-nspawn systemd-container
  need_tool nsenter util-linux
  rm -rf "$dir"
  say "copying the rootfs $rootfs to $dir"
  cp -a "$rootfs" "$dir"
  say "booting systemd in $dir (systemd-nspawn -b)…"
  systemd-nspawn --register=no --keep-unit -q -D "$dir" -b >"$dir.console.log" 2>&1 </dev/null &
  NSPAWN_PID=$!
  local i
  CONTAINER_PID=""
  for i in $(seq 1 300); do
    kill -0 "$NSPAWN_PID" 2>/dev/null || {
      cat "$dir.console.log" >&2
      die "systemd-nspawn exited during boot (console above)"
    }
    # The container's PID 1 is the child of systemd-nspawn running systemd.
    CONTAINER_PID="$(pgrep -P "$NSPAWN_PID" | head -1 || true)"
    if [[ -n "$CONTAINER_PID" ]] &&
      state="$(nsenter -t "$CONTAINER_PID" -a systemctl is-system-running 2>/dev/null)"; then
      [[ "$state" == running || "$state" == degraded ]] && break
    fi
    sleep 0.2
  done
  [[ -n "$CONTAINER_PID" ]] || die "could not find the container's init process"
  say "container booted (init pid $CONTAINER_PID, state ${state:-unknown})"
}

# in_container COMMAND...: runs a command inside the booted container, as root.
in_container() {
  nsenter -t "$CONTAINER_PID" -a env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

stop_container() {
  [[ -n "${NSPAWN_PID:-}" ]] || return 0
  if kill -0 "$NSPAWN_PID" 2>/dev/null; then
    say "powering off the container"
    in_container systemctl poweroff --no-block >/dev/null 2>&1 || true
    local i
    for i in $(seq 1 150); do
      kill -0 "$NSPAWN_PID" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$NSPAWN_PID" 2>/dev/null; then
      # Killing the container's init ends every process in its PID namespace (PostgreSQL too).
      [[ -z "${CONTAINER_PID:-}" ]] || kill -KILL "$CONTAINER_PID" 2>/dev/null || true
      kill -KILL "$NSPAWN_PID" 2>/dev/null || true
    fi
  fi
  wait "$NSPAWN_PID" 2>/dev/null || true
  NSPAWN_PID=""
}

# nfpm, built from source by the pinned version through the Go module proxy.
NFPM_VERSION=v2.45.2
ensure_nfpm() {
  local gobin="${GOBIN:-$(/usr/local/go/bin/go env GOPATH 2>/dev/null || echo "$HOME/go")/bin}"
  local go
  go="$(command -v go || echo /usr/local/go/bin/go)"
  # `go install` builds report their module version in the binary's build info, not --version.
  if [[ -x "$gobin/nfpm" && -x "$go" ]] &&
    "$go" version -m "$gobin/nfpm" 2>/dev/null | grep -qE "^\s+mod\s+github.com/goreleaser/nfpm/v2\s+$NFPM_VERSION\s"; then
    NFPM="$gobin/nfpm"
    return 0
  fi
  [[ -x "$go" ]] || die "nfpm is missing and Go is not installed (looked in PATH and /usr/local/go/bin); install Go 1.23+ and re-run"
  say "installing nfpm $NFPM_VERSION with go install (a minute or two, once)…"
  "$go" install "github.com/goreleaser/nfpm/v2/cmd/nfpm@$NFPM_VERSION" >&2 ||
    die "go install nfpm failed (output above); check access to the Go module proxy and re-run"
  NFPM="$gobin/nfpm"
}
