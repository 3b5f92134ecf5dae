#!/bin/sh
# millrace .deb prerm. Stops the service only when the package is removed. On upgrade it does
# nothing: the running version keeps serving until the new package's postinst try-restarts it,
# so an upgrade never leaves the service stopped.
set -e

case "$1" in
  remove | deconfigure)
    if [ -d /run/systemd/system ]; then
      deb-systemd-invoke stop millrace-backup.timer millrace-backup.service millrace.service
      instances="$(systemctl list-units --plain --no-legend 'millrace@*.service' | awk '{print $1}')"
      if [ -n "$instances" ]; then
        # shellcheck disable=SC2086
        systemctl stop $instances
      fi
    fi
    ;;
  upgrade | failed-upgrade) ;;
  *)
    echo "prerm called with unknown argument '$1'" >&2
    exit 1
    ;;
esac
exit 0
