#!/bin/sh
# millrace .deb postinst. A fresh install enables and starts millrace.service and the daily backup
# timer; an upgrade restarts only what is running (try-restart), so the new version takes over.
set -e

UNITS="millrace.service millrace-backup.timer"

running_systemd() { [ -d /run/systemd/system ]; }

case "$1" in
  configure)
    if command -v systemd-sysusers >/dev/null 2>&1; then
      systemd-sysusers millrace.conf
    fi
    if command -v systemd-tmpfiles >/dev/null 2>&1; then
      systemd-tmpfiles --create millrace.conf
    else
      install -d -m 0750 -o millrace -g millrace /var/backups/millrace
    fi
    # The env file holds secrets: readable by the service's group only. Only set on first
    # install; later the administrator's choice stands.
    if [ -z "$2" ] && [ -f /etc/millrace/millrace.env ]; then
      chown root:millrace /etc/millrace/millrace.env
      chmod 0640 /etc/millrace/millrace.env
    fi
    if running_systemd; then
      systemctl daemon-reload
    fi
    if [ -z "$2" ]; then
      # Fresh install: enable (recorded for purge by deb-systemd-helper), then start.
      # shellcheck disable=SC2086
      deb-systemd-helper enable $UNITS
      if running_systemd; then
        # shellcheck disable=SC2086
        deb-systemd-invoke start $UNITS
      fi
    else
      # Upgrade: restart what runs, leave stopped what the administrator stopped.
      # shellcheck disable=SC2086
      deb-systemd-helper update-state $UNITS
      if running_systemd; then
        deb-systemd-invoke try-restart millrace.service
        # Template instances (millrace@NAME) run the same binary.
        instances="$(systemctl list-units --plain --no-legend --state=active 'millrace@*.service' | awk '{print $1}')"
        if [ -n "$instances" ]; then
          # shellcheck disable=SC2086
          systemctl try-restart $instances
        fi
      fi
    fi
    ;;
  abort-upgrade | abort-remove | abort-deconfigure) ;;
  *)
    echo "postinst called with unknown argument '$1'" >&2
    exit 1
    ;;
esac
exit 0
