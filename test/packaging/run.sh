#!/usr/bin/env bash
# The packaging suite, run by scripts/test: builds the binaries and packages (the current version,
# and a higher one for the upgrade test), runs the static checks (systemd-analyze, promtool, nginx,
# lintian, rpmlint, rpm --root), the arm64 binary under qemu-user, then the real install test in a
# booted Debian 12.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
source "$HERE/lib.sh"
cd "$REPO"

started=$(date +%s)
version="$(node -p 'require("./package.json").version')"
# The upgrade target: the same version with the patch number raised by one.
next="$(node -p 'const [a, b, c] = require("./package.json").version.split(/[.+~-]/); `${a}.${b}.${Number(c) + 1}`')"

say "packaging: building $next (x64, for the upgrade test), then $version (x64 and arm64)"
# The newer package also changes the env file, so the upgrade exercises dpkg's conffile handling.
MILLRACE_VERSION="$next" MILLRACE_BUILD_TARGETS=x64 MILLRACE_PACKAGE_ENV_NOTE="Added in $next." scripts/package
MILLRACE_VERSION="$version" MILLRACE_REQUIRE_ARM64=1 scripts/package
[[ -f "dist/millrace_${version}_amd64.deb" && -f "dist/millrace-${version}.x86_64.rpm" ]] ||
  die "scripts/package did not produce dist/millrace_${version}_amd64.deb and dist/millrace-${version}.x86_64.rpm"
"$HERE/arm64-smoke.sh" dist/millrace-linux-arm64
built=$(date +%s)

"$HERE/static-checks.sh" "dist/millrace_${version}_amd64.deb" "dist/millrace-${version}.x86_64.rpm"
checked=$(date +%s)

"$HERE/install-test.sh" "dist/millrace_${version}_amd64.deb" "dist/millrace_${next}_amd64.deb" \
  "dist/millrace-${version}.x86_64.rpm" "dist/millrace-${next}.x86_64.rpm" "$version" "$next"
done_at=$(date +%s)
say "packaging suite passed in $((done_at - started)) s (build and arm64 smoke $((built - started)) s, static checks $((checked - built)) s, install test $((done_at - checked)) s)"
