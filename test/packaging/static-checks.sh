#!/usr/bin/env bash
# Checks of the packaging artifacts that need no booted system:
#   systemd-analyze verify (clean) and security --offline=yes (exposure <= 2.0) on every service;
#   promtool check rules + promtool test rules (a firing and a not-firing case per alert);
#   nginx -t on a config that includes packaging/nginx/millrace.conf;
#   lintian (no errors) on the .deb, rpmlint (no errors) on the .rpm;
#   the .rpm installed into a scratch root with rpm --root: files, modes, config flags, scriptlets.
# Usage: test/packaging/static-checks.sh DEB RPM
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
source "$HERE/lib.sh"
[[ $# -eq 2 ]] || die "usage: $0 DEB RPM"
deb="$(realpath "$1")" rpmfile="$(realpath "$2")"

need_tool systemd-analyze systemd
need_tool promtool prometheus
need_tool nginx nginx-light
need_tool lintian lintian
need_tool rpm rpm
need_tool rpmlint rpmlint

scratch="$(mktemp -d /tmp/millrace-static-checks.XXXXXX)"
trap 'rm -rf "$scratch"' EXIT

# --- systemd units -----------------------------------------------------------------------------
say "systemd-analyze verify and security on the units as packaged"
root="$scratch/units-root"
mkdir -p "$root/usr/lib/systemd/system" "$root/usr/bin" "$root/etc/millrace"
# verify resolves dependencies (multi-user.target, ...) inside --root: give it the host's units.
cp -a /lib/systemd/system/. "$root/usr/lib/systemd/system/"
dpkg-deb -x "$deb" "$root"
units=(millrace.service millrace@a.service millrace-backup.service millrace-backup.timer)
if ! out="$(systemd-analyze verify --root="$root" "${units[@]}" 2>&1)" || [[ -n "$out" ]]; then
  die "systemd-analyze verify is not clean:
$out"
fi
echo "systemd-analyze verify: clean (${units[*]})"
for unit in millrace.service millrace@a.service millrace-backup.service; do
  line="$(systemd-analyze security --offline=yes --root="$root" "$unit" 2>&1 | grep 'Overall exposure level')" ||
    die "systemd-analyze security printed no exposure level for $unit"
  exposure="$(grep -oE '[0-9]+\.[0-9]+' <<<"$line" | head -1)"
  awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' || die "$unit exposure is $exposure; it must be 2.0 or less"
  echo "systemd-analyze security: $unit exposure $exposure (<= 2.0)"
done
grep -q '^Type=exec$' "$REPO/systemd/millrace.service" || die "millrace.service must be Type=exec"
grep -q '^MemoryDenyWriteExecute' "$REPO"/systemd/*.service && die "MemoryDenyWriteExecute breaks Bun's JIT; remove it"
stop_timeout="$(grep -oE '^TimeoutStopSec=[0-9]+' "$REPO/systemd/millrace.service" | cut -d= -f2)"
(( stop_timeout > 30 )) || die "TimeoutStopSec ($stop_timeout) must be above the 30 s default shutdown timeout"

# --- Prometheus --------------------------------------------------------------------------------
say "promtool check rules and promtool test rules"
promtool check rules "$REPO/packaging/prometheus/millrace-alerts.yml"
(cd "$HERE" && promtool test rules millrace-alerts.test.yml)
# Every alert has a firing case in the tests, and a runbook anchor in the README.
for alert in $(grep -oE '^ +- alert: [A-Za-z]+' "$REPO/packaging/prometheus/millrace-alerts.yml" | awk '{print $3}'); do
  grep -q "alertname: $alert\$" "$HERE/millrace-alerts.test.yml" || die "alert $alert has no promtool test case"
done
for anchor in $(grep -oE 'README.md#[a-z0-9-]+' "$REPO/packaging/prometheus/millrace-alerts.yml" | sort -u | cut -d# -f2); do
  heading="$(grep -E '^### ' "$REPO/README.md" | sed -E 's/^### //' | tr 'A-Z' 'a-z' | sed -E 's/[^a-z0-9 -]//g; s/ /-/g' | grep -x "$anchor")" ||
    die "runbook link #$anchor has no matching ### heading in README.md"
done
echo "every alert has tests and a README runbook section"

# --- nginx -------------------------------------------------------------------------------------
say "nginx -t with packaging/nginx/millrace.conf included"
mkdir -p "$scratch/nginx"
cat >"$scratch/nginx/nginx.conf" <<EOF
pid $scratch/nginx/nginx.pid;
error_log $scratch/nginx/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $scratch/nginx/body;
    proxy_temp_path $scratch/nginx/proxy;
    fastcgi_temp_path $scratch/nginx/fastcgi;
    uwsgi_temp_path $scratch/nginx/uwsgi;
    scgi_temp_path $scratch/nginx/scgi;
    include $REPO/packaging/nginx/millrace.conf;
}
EOF
nginx -t -q -p "$scratch/nginx" -c "$scratch/nginx/nginx.conf" || die "nginx -t rejects packaging/nginx/millrace.conf"
echo "nginx -t: ok"

# --- lintian and rpmlint -----------------------------------------------------------------------
say "lintian $(basename "$deb")"
lintian_out="$(lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v 'running with root privileges' || true)"
echo "$lintian_out"
grep -q '^E: ' <<<"$lintian_out" && die "lintian reports errors (above); fix them or, for a proven false positive, add an override to packaging/lintian-overrides"
say "rpmlint $(basename "$rpmfile")"
rpmlint_out="$(rpmlint -r "$REPO/packaging/rpmlintrc" "$rpmfile" 2>&1 || true)"
grep -E '^millrace|packages and' <<<"$rpmlint_out"
grep -qE '[1-9][0-9]* errors?,' <<<"$rpmlint_out" && die "rpmlint reports errors (above); fix them or justify a filter in packaging/rpmlintrc"
grep -q ' 0 errors' <<<"$rpmlint_out" || die "rpmlint did not report its summary:
$rpmlint_out"

# --- rpm into a scratch root -------------------------------------------------------------------
say "rpm --root: install into a scratch root and check files, modes and scriptlets"
rroot="$scratch/rpm-root"
mkdir -p "$rroot"
rpm --root "$rroot" --initdb
# --noscripts: the scriptlets need a real system (user creation, systemctl); their text is
# checked below instead. --nodeps: the scratch root has no /bin/sh package to satisfy.
rpm --root "$rroot" -i --nodeps --noscripts "$rpmfile" 2>"$scratch/rpm.err" || {
  cat "$scratch/rpm.err" >&2
  die "rpm -i into the scratch root failed"
}
check_mode() { # path mode
  local got
  got="$(stat -c '%a' "$rroot$1")" || die "$1 is missing from the installed .rpm"
  [[ "$got" == "$2" ]] || die "$1 has mode $got, expected $2"
}
check_mode /usr/bin/millrace 755
check_mode /etc/millrace/millrace.env 640
for f in /usr/lib/systemd/system/millrace.service /usr/lib/systemd/system/millrace@.service \
  /usr/lib/systemd/system/millrace-backup.service /usr/lib/systemd/system/millrace-backup.timer \
  /usr/lib/sysusers.d/millrace.conf /usr/lib/tmpfiles.d/millrace.conf \
  /usr/share/millrace/nginx/millrace.conf /usr/share/millrace/prometheus/millrace-alerts.yml \
  /usr/share/millrace/grafana/millrace-dashboard.json; do
  check_mode "$f" 644
done
"$rroot/usr/bin/millrace" version | grep -q '^millrace ' || die "the installed binary does not run"
flags="$(rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags} %{FILEUSERNAME}:%{FILEGROUPNAME}\n]' "$rpmfile")"
grep -qx '/etc/millrace/millrace.env cn root:millrace' <<<"$flags" ||
  die "millrace.env must be %config(noreplace) root:millrace in the .rpm; got: $(grep millrace.env <<<"$flags")"
scripts="$(rpm -qp --scripts "$rpmfile")"
for section in "preinstall scriptlet" "postinstall scriptlet" "preuninstall scriptlet" "postuninstall scriptlet" "posttrans scriptlet"; do
  grep -q "^$section" <<<"$scripts" || die "the .rpm has no $section"
done
# RPM conventions: %pre creates the user; %post applies presets and never starts anything;
# %preun stops only on erase ($1 = 0); the upgrade restart happens in the new package's %posttrans.
pre="$(sed -n '/^preinstall scriptlet/,/^postinstall scriptlet/p' <<<"$scripts")"
post="$(sed -n '/^postinstall scriptlet/,/^preuninstall scriptlet/p' <<<"$scripts")"
preun="$(sed -n '/^preuninstall scriptlet/,/^postuninstall scriptlet/p' <<<"$scripts")"
posttrans="$(sed -n '/^posttrans scriptlet/,$p' <<<"$scripts")"
grep -q 'systemd-sysusers' <<<"$pre" || die "%pre does not create the millrace user"
grep -q 'systemctl --no-reload preset' <<<"$post" || die "%post does not apply the systemd preset on install"
grep -v '^ *#' <<<"$post" | grep -qE 'systemctl (start|restart)|--now' && die "%post must not start the service (RPM convention)"
grep -q '"$1" -eq 0' <<<"$preun" || die "%preun must stop the service only on erase"
grep -q 'try-restart millrace.service' <<<"$posttrans" || die "%posttrans must try-restart on upgrade"
for s in "$REPO"/packaging/scripts/*.sh; do
  sh -n "$s" || die "$s has a shell syntax error"
done
echo "rpm: files, modes, config flags and scriptlets as expected"
say "static packaging checks passed"
