#!/usr/bin/env bash
# Real install test of the .deb in a booted Debian 12 (systemd-nspawn, systemd as PID 1):
# install -> active and ready -> publish/receive/ack -> restart keeps data -> stop drains (journal
# shows the shutdown sequence) -> backup unit -> template instance -> a packaged fleet: Debian's
# postgresql, `millrace migrate`, then millrace@a and millrace@b on one database (published to a,
# received and acked from b) -> edit env file, upgrade to a higher version (edit kept, data kept,
# new version running) -> purge removes data, config, user.
# Then, in the same booted system, the .rpm scriptlets for real (rpm from Debian, --nodeps):
# install creates the user and starts nothing -> upgrade restarts into the new version -> erase
# stops the service and keeps the data (RPM conventions).
# Usage: test/packaging/install-test.sh OLD.deb NEW.deb OLD.rpm NEW.rpm OLD_VERSION NEW_VERSION
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/lib.sh"

[[ $# -eq 6 ]] || die "usage: $0 OLD.deb NEW.deb OLD.rpm NEW.rpm OLD_VERSION NEW_VERSION"
old_deb="$(realpath "$1")" new_deb="$(realpath "$2")" old_rpm="$(realpath "$3")" new_rpm="$(realpath "$4")"
old_version="$5" new_version="$6"
[[ -f "$old_deb" && -f "$new_deb" && -f "$old_rpm" && -f "$new_rpm" ]] || die "package files missing; run scripts/package first"

need_tool curl curl
ensure_rootfs_with_postgresql

# The container shares the host's network: use ports nothing else on this machine should use.
PORT="${MILLRACE_TEST_PORT:-17411}"
PORT2=$((PORT + 1))
PORT3=$((PORT + 2))
PORT4=$((PORT + 3))
# The container's PostgreSQL: never the host's 5432, which the shared network already uses.
PG_PORT="${MILLRACE_TEST_PG_PORT:-$ROOTFS_PG_PORT}"
for p in "$PORT" "$PORT2" "$PORT3" "$PORT4" "$PG_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    die "port $p is in use on this host; set MILLRACE_TEST_PORT (base of 4 ports) or MILLRACE_TEST_PG_PORT to free ports and re-run"
  fi
done

# A fresh copy of the cached rootfs per run (on disk, not /tmp, which may be a small tmpfs).
WORK="$(mktemp -d /var/tmp/millrace-install-test.XXXXXX)"
ROOT="$WORK/root"
trap 'status=$?; if [[ $status -ne 0 && -n "${CONTAINER_PID:-}" ]]; then echo "--- journal of millrace (last 60 lines) ---" >&2; in_container journalctl -u "millrace*" --no-pager -n 60 >&2 || true; fi; stop_container; rm -rf "$WORK"; exit $status' EXIT
boot_container "$ROOT" "$ROOTFS_PG_CACHE"

cp "$old_deb" "$ROOT/root/old.deb"
cp "$new_deb" "$ROOT/root/new.deb"
cp "$old_rpm" "$ROOT/root/old.rpm"
cp "$new_rpm" "$ROOT/root/new.rpm"
# A drop-in moves the service off the default port for this test; the env file (checked below)
# is left exactly as packaged, and settings in it would win over this.
mkdir -p "$ROOT/etc/systemd/system/millrace.service.d"
printf '[Service]\nEnvironment=MILLRACE_LISTEN=127.0.0.1:%s\n' "$PORT" >"$ROOT/etc/systemd/system/millrace.service.d/test-port.conf"
in_container systemctl daemon-reload

API="http://127.0.0.1:$PORT"
json() { curl -sS --fail-with-body --max-time 70 -H 'content-type: application/json' "$@"; }
wait_ready() { # url
  local i
  for i in $(seq 1 300); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1/health/ready")" == 200 ]] && return 0
    sleep 0.1
  done
  die "$1/health/ready did not answer 200 within 30 s"
}
expect_contains() { # haystack needle what
  [[ "$1" == *"$2"* ]] || die "$3: expected to find '$2' in: $1"
}

step() { say "install test: $*"; }

step "apt install ./millrace_${old_version}_amd64.deb"
in_container apt-get install -y -q /root/old.deb >"$WORK/apt-install.log" 2>&1 || {
  cat "$WORK/apt-install.log" >&2
  die "apt install of the .deb failed (output above)"
}
[[ "$(in_container systemctl is-active millrace.service)" == active ]] || die "millrace.service is not active after install"
[[ "$(in_container systemctl is-enabled millrace.service)" == enabled ]] || die "millrace.service is not enabled after install"
[[ "$(in_container systemctl is-active millrace-backup.timer)" == active ]] || die "the backup timer is not active after install"
wait_ready "$API"
in_container getent passwd millrace >/dev/null || die "the millrace user was not created"
[[ "$(in_container stat -c '%a %U:%G' /etc/millrace/millrace.env)" == "640 root:millrace" ]] ||
  die "/etc/millrace/millrace.env should be 0640 root:millrace, is $(in_container stat -c '%a %U:%G' /etc/millrace/millrace.env)"
[[ "$(in_container stat -c '%U' /var/lib/millrace)" == millrace ]] || die "/var/lib/millrace is not owned by millrace"
in_container test -f /var/lib/millrace/millrace.db || die "the database is not in the state directory /var/lib/millrace"
expect_contains "$(in_container millrace version)" "millrace $old_version " "millrace version"
# The sandbox as the running systemd applies it (the static checks score the unit files offline).
exposure="$(in_container systemd-analyze security millrace.service | grep -oE 'Overall exposure level for millrace.service: [0-9.]+' | grep -oE '[0-9.]+$')" ||
  die "systemd-analyze security gave no exposure level for the installed millrace.service"
awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' || die "the installed millrace.service has exposure $exposure; it must be 2.0 or less"
say "install test: installed millrace.service exposure $exposure"

step "publish, receive and ack round trip"
json -X PUT "$API/v1/queues/orders" -d '{}' >/dev/null
published="$(json -X POST "$API/v1/queues/orders/messages" -d '{"body":{"order":1}}')"
id1="$(sed -E 's/.*"id":"([^"]+)".*/\1/' <<<"$published")"
received="$(json -X POST "$API/v1/queues/orders/receive" -d '{"max":10,"waitSeconds":5}')"
expect_contains "$received" "\"id\":\"$id1\"" "receive"
receipt="$(sed -E 's/.*"receipt":"([^"]+)".*/\1/' <<<"$received")"
acked="$(json -X POST "$API/v1/queues/orders/ack" -d "{\"receipts\":[\"$receipt\"]}")"
expect_contains "$acked" '"result":"ok"' "ack"

step "systemctl restart keeps the data"
id2="$(json -X POST "$API/v1/queues/orders/messages" -d '{"body":{"order":2}}' | sed -E 's/.*"id":"([^"]+)".*/\1/')"
pid_before="$(in_container systemctl show -p MainPID --value millrace.service)"
in_container systemctl restart millrace.service
wait_ready "$API"
[[ "$(in_container systemctl show -p MainPID --value millrace.service)" != "$pid_before" ]] || die "restart did not start a new process"
expect_contains "$(json "$API/v1/queues/orders/messages/$id2")" "$id2" "message after restart"

step "systemctl stop drains cleanly and logs the shutdown sequence"
since="$(in_container date '+%Y-%m-%d %H:%M:%S')"
in_container systemctl stop millrace.service
[[ "$(in_container systemctl show -p Result --value millrace.service)" == success ]] || die "the stop did not end in Result=success"
[[ "$(in_container systemctl show -p ExecMainStatus --value millrace.service)" == 0 ]] || die "millrace did not exit 0 on SIGTERM"
journal="$(in_container journalctl -u millrace.service --since "$since" -o cat --no-pager)"
expected=("shutdown: readiness now answers 503" "shutdown: stopped accepting connections"
  "shutdown: in-flight requests finished" "shutdown: database closed; bye")
rest="$journal"
for line in "${expected[@]}"; do
  [[ "$rest" == *"$line"* ]] || die "the journal lacks \"$line\" (in order) after stop:
$journal"
  rest="${rest#*"$line"}"
done
in_container systemctl start millrace.service
wait_ready "$API"

step "millrace-backup.service writes a verified backup into /var/backups/millrace"
in_container systemctl start millrace-backup.service
[[ "$(in_container systemctl show -p Result --value millrace-backup.service)" == success ]] || die "millrace-backup.service failed"
backups="$(in_container sh -c 'ls /var/backups/millrace/millrace-*.db')"
[[ -n "$backups" ]] || die "no backup in /var/backups/millrace"
[[ "$(in_container stat -c '%U' "$(head -1 <<<"$backups")")" == millrace ]] || die "the backup is not owned by millrace"

step "template instance millrace@b with its own env file and state directory"
in_container sh -c "sed 's/^#MILLRACE_LISTEN=.*/MILLRACE_LISTEN=127.0.0.1:$PORT3/' /etc/millrace/millrace.env >/etc/millrace/b.env && chgrp millrace /etc/millrace/b.env && chmod 0640 /etc/millrace/b.env"
in_container systemctl start millrace@b.service
wait_ready "http://127.0.0.1:$PORT3"
in_container test -f /var/lib/millrace/b/millrace.db || die "millrace@b does not keep its data in /var/lib/millrace/b"
in_container systemctl stop millrace@b.service

fleet_started=$(date +%s)
step "packaged fleet: Debian's postgresql in the container on port $PG_PORT"
pg_version="$(in_container sh -c 'ls /usr/lib/postgresql | sort -V | tail -1')"
# The cached layer keeps it off at boot (see lib.sh), so this step is what starts it.
in_container systemctl is-active -q "postgresql@$pg_version-main.service" &&
  die "the container's PostgreSQL already runs before the test starts it; rebuild $ROOTFS_PG_CACHE"
in_container pg_conftool "$pg_version" main set port "$PG_PORT"
in_container systemctl start postgresql.service
in_container runuser -u postgres -- pg_isready -q -h 127.0.0.1 -p "$PG_PORT" ||
  die "the container's PostgreSQL $pg_version does not answer on 127.0.0.1:$PG_PORT after systemctl start postgresql"
# A role with a password (Debian's pg_hba.conf asks for scram-sha-256 over TCP) owning its database.
pg_password="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
in_container runuser -u postgres -- psql -q -X -v ON_ERROR_STOP=1 -p "$PG_PORT" -v password="$pg_password" >/dev/null <<'SQL' ||
CREATE ROLE millrace LOGIN PASSWORD :'password';
CREATE DATABASE millrace OWNER millrace;
SQL
  die "could not create the millrace role and database in the container's PostgreSQL"
database_url="postgres://millrace:$pg_password@127.0.0.1:$PG_PORT/millrace"

step "packaged fleet: /etc/millrace/a.env and b.env point millrace@a and millrace@b at it"
for instance in a:"$PORT4" b:"$PORT3"; do
  name="${instance%%:*}" port="${instance#*:}"
  in_container sh -c "sed -e 's|^#MILLRACE_LISTEN=.*|MILLRACE_LISTEN=127.0.0.1:$port|' \
    -e 's|^#MILLRACE_DATABASE_URL=.*|MILLRACE_DATABASE_URL=$database_url|' \
    /etc/millrace/millrace.env >/etc/millrace/$name.env && chgrp millrace /etc/millrace/$name.env && chmod 0640 /etc/millrace/$name.env"
  in_container grep -qx "MILLRACE_DATABASE_URL=$database_url" "/etc/millrace/$name.env" ||
    die "/etc/millrace/$name.env lacks MILLRACE_DATABASE_URL: the packaged env file no longer has a #MILLRACE_DATABASE_URL= line"
done

step "packaged fleet: the operator runs millrace migrate before starting the instances"
migrate() { in_container runuser -u millrace -- sh -c 'set -a; . /etc/millrace/a.env; exec millrace migrate'; }
expect_contains "$(migrate)" "0000_init" "millrace migrate on the empty database"

step "packaged fleet: start millrace@a and millrace@b; both ready"
in_container systemctl start millrace@a.service millrace@b.service
API_A="http://127.0.0.1:$PORT4" API_B="http://127.0.0.1:$PORT3"
wait_ready "$API_A"
wait_ready "$API_B"
for instance in a:"$PORT4" b:"$PORT3"; do
  expect_contains "$(in_container journalctl -u "millrace@${instance%%:*}.service" -o cat --no-pager)" \
    "ready on http://127.0.0.1:${instance#*:} (postgresql)" "the journal of millrace@${instance%%:*}"
done
# (b kept a SQLite file from the step above; a never ran on SQLite.)
in_container test -e /var/lib/millrace/a/millrace.db && die "millrace@a made a SQLite database; it should use PostgreSQL only"
exposure="$(in_container systemd-analyze security millrace@a.service | grep -oE 'Overall exposure level for millrace@a.service: [0-9.]+' | grep -oE '[0-9.]+$')" ||
  die "systemd-analyze security gave no exposure level for millrace@a.service"
awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' || die "millrace@a.service has exposure $exposure; it must be 2.0 or less"

step "packaged fleet: published to millrace@a, received and acked from millrace@b"
json -X PUT "$API_A/v1/queues/fleet" -d '{}' >/dev/null
# b long-polls first, so a's publish must reach it across instances (LISTEN/NOTIFY, or the poll).
json -X POST "$API_B/v1/queues/fleet/receive" -d '{"max":1,"waitSeconds":30}' >"$WORK/fleet-received.json" &
receiver=$!
published="$(json -X POST "$API_A/v1/queues/fleet/messages" -d '{"body":{"from":"a"}}')"
fleet_id="$(sed -E 's/.*"id":"([^"]+)".*/\1/' <<<"$published")"
wait "$receiver" || die "the receive on millrace@b failed"
received="$(cat "$WORK/fleet-received.json")"
expect_contains "$received" "\"id\":\"$fleet_id\"" "receive on millrace@b of the message published to millrace@a"
receipt="$(sed -E 's/.*"receipt":"([^"]+)".*/\1/' <<<"$received")"
expect_contains "$(json -X POST "$API_B/v1/queues/fleet/ack" -d "{\"receipts\":[\"$receipt\"]}")" '"result":"ok"' "ack on millrace@b"
# Acked messages are deleted: a, asked afterwards, no longer has it either.
status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$API_A/v1/queues/fleet/messages/$fleet_id")"
[[ "$status" == 404 ]] || die "millrace@a still has message $fleet_id after millrace@b acked it (HTTP $status)"
expect_contains "$(migrate)" "up to date" "millrace migrate while the fleet serves"

step "packaged fleet: stopping PostgreSQL and the instances together stops the instances first"
# As at shutdown: the units' After=postgresql.service lets the drain finish while the database is up.
# systemctl queues one stop job per unit, in this order; the instances' jobs, which take at least
# the 1 s readiness delay, are queued first, so the ordering decides when PostgreSQL's job may run.
since="$(in_container date '+%Y-%m-%d %H:%M:%S')"
in_container systemctl stop millrace@a.service millrace@b.service postgresql.service
for name in a b; do
  [[ "$(in_container systemctl show -p Result --value "millrace@$name.service")" == success ]] ||
    die "stopping millrace@$name with PostgreSQL did not end in Result=success (journal below)"
done
journal="$(in_container journalctl -u millrace@a.service -u millrace@b.service -u "postgresql@$pg_version-main.service" \
  --since "$since" -o cat --no-pager)"
[[ "$journal" == *"Stopping postgresql@$pg_version-main.service"* ]] || die "the journal shows no stop of PostgreSQL:
$journal"
before_pg="${journal%%"Stopping postgresql@$pg_version-main.service"*}"
[[ "$(grep -c "shutdown: database closed; bye" <<<"$before_pg")" == 2 ]] ||
  die "PostgreSQL began stopping before both instances had drained (units lack After=postgresql.service?):
$journal"
# Running again for the rest of the test: stopping the container must stop it (checked at the end).
in_container systemctl start postgresql.service
say "install test: the packaged fleet took $(($(date +%s) - fleet_started)) s"

step "edit /etc/millrace/millrace.env, then upgrade to $new_version"
in_container sh -c "echo 'MILLRACE_LISTEN=127.0.0.1:$PORT2' >>/etc/millrace/millrace.env"
pid_before="$(in_container systemctl show -p MainPID --value millrace.service)"
# The new package changed the env file too; unattended upgrades keep the local version
# (--force-confold) and dpkg leaves the packaged one beside it as .dpkg-dist.
in_container apt-get install -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  /root/new.deb >"$WORK/apt-upgrade.log" 2>&1 </dev/null || {
  cat "$WORK/apt-upgrade.log" >&2
  die "the upgrade failed (output above)"
}
in_container grep -qx "MILLRACE_LISTEN=127.0.0.1:$PORT2" /etc/millrace/millrace.env || die "the upgrade lost the edit to /etc/millrace/millrace.env"
in_container grep -qx "# Added in $new_version." /etc/millrace/millrace.env.dpkg-dist ||
  die "dpkg did not leave the new packaged env file as /etc/millrace/millrace.env.dpkg-dist"
[[ "$(in_container systemctl is-active millrace.service)" == active ]] || die "millrace.service is not active after the upgrade"
[[ "$(in_container systemctl show -p MainPID --value millrace.service)" != "$pid_before" ]] || die "the upgrade did not restart the service"
API="http://127.0.0.1:$PORT2" # the edited setting is in effect
wait_ready "$API"
expect_contains "$(in_container millrace version)" "millrace $new_version " "millrace version after upgrade"
expect_contains "$(json "$API/health")" "\"$new_version\"" "the running server's version after upgrade"
expect_contains "$(json "$API/v1/queues/orders/messages/$id2")" "$id2" "message after upgrade"

step "apt purge removes the service, data, configuration and user"
in_container apt-get purge -y -q millrace >"$WORK/apt-purge.log" 2>&1 || {
  cat "$WORK/apt-purge.log" >&2
  die "apt purge failed (output above)"
}
in_container systemctl is-active -q millrace.service && die "millrace.service still runs after purge"
for path in /var/lib/millrace /etc/millrace /usr/bin/millrace /usr/lib/systemd/system/millrace.service; do
  in_container test -e "$path" && die "$path is still there after purge"
done
in_container getent passwd millrace >/dev/null && die "the millrace user is still there after purge"
if curl -s -o /dev/null --max-time 1 "$API/health/live"; then die "something still answers on $API after purge"; fi

step "rpm scriptlets in the booted system: install starts nothing"
in_container apt-get install -y -q --no-install-recommends rpm >"$WORK/apt-rpm.log" 2>&1 || {
  cat "$WORK/apt-rpm.log" >&2
  die "could not install rpm in the container (output above); check the Debian mirror"
}
# --nodeps: Debian's rpm database knows none of the system's packages (not even /bin/sh).
in_container rpm -i --nodeps /root/old.rpm 2>&1 | grep -v 'does not exist - using root' >&2 || true
in_container rpm -q millrace >/dev/null || die "rpm -i did not install the .rpm"
in_container getent passwd millrace >/dev/null || die "%pre did not create the millrace user"
in_container systemctl is-active -q millrace.service && die "the .rpm started the service on install (RPM convention: it must not)"
in_container test -d /var/backups/millrace || die "%post did not create /var/backups/millrace"
[[ "$(in_container stat -c '%a %U:%G' /etc/millrace/millrace.env)" == "640 root:millrace" ]] ||
  die "the .rpm's env file should be 0640 root:millrace, is $(in_container stat -c '%a %U:%G' /etc/millrace/millrace.env)"
in_container systemctl start millrace.service
API="http://127.0.0.1:$PORT" # the test drop-in's port again; the .rpm brought a fresh env file
wait_ready "$API"
json -X PUT "$API/v1/queues/rpm" -d '{}' >/dev/null
id3="$(json -X POST "$API/v1/queues/rpm/messages" -d '{"body":"rpm"}' | sed -E 's/.*"id":"([^"]+)".*/\1/')"

step "rpm -U to $new_version restarts into the new version (the old %preun does not stop it)"
pid_before="$(in_container systemctl show -p MainPID --value millrace.service)"
in_container rpm -U --nodeps /root/new.rpm 2>&1 | grep -v 'does not exist - using root' >&2 || true
expect_contains "$(in_container rpm -q millrace)" "millrace-$new_version" "rpm -q after the upgrade"
[[ "$(in_container systemctl is-active millrace.service)" == active ]] || die "millrace.service is not active after rpm -U"
[[ "$(in_container systemctl show -p MainPID --value millrace.service)" != "$pid_before" ]] || die "rpm -U did not restart the service"
wait_ready "$API"
expect_contains "$(json "$API/health")" "\"$new_version\"" "the running server's version after rpm -U"
expect_contains "$(json "$API/v1/queues/rpm/messages/$id3")" "$id3" "message after rpm -U"
in_container test -e /var/lib/rpm-state/millrace/restart && die "%posttrans left its restart marker behind"

step "rpm -e stops and disables the service and keeps the data and the user"
in_container rpm -e --nodeps millrace
in_container systemctl is-active -q millrace.service && die "millrace.service still runs after rpm -e"
in_container test -e /usr/bin/millrace && die "/usr/bin/millrace is still there after rpm -e"
in_container test -f /var/lib/millrace/millrace.db || die "rpm -e deleted the data (RPM convention: keep it)"
in_container getent passwd millrace >/dev/null || die "rpm -e deleted the millrace user (RPM convention: keep it)"

in_container systemctl is-active -q "postgresql@$pg_version-main.service" || die "the container's PostgreSQL stopped early"
stop_container
if (exec 3<>"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null; then
  die "something still listens on 127.0.0.1:$PG_PORT after the container stopped: its PostgreSQL outlived it"
fi
say "install test: all checks passed"
