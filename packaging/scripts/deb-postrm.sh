#!/bin/sh
# millrace .deb postrm. remove: forget the units. purge: also delete the data
# (/var/lib/millrace), the configuration (/etc/millrace) and the millrace user. Backups in
# /var/backups/millrace are kept on purpose; delete them by hand when no longer wanted.
set -e

case "$1" in
  remove)
    if [ -d /run/systemd/system ]; then
      systemctl daemon-reload
    fi
    ;;
  purge)
    if command -v deb-systemd-helper >/dev/null 2>&1; then
      deb-systemd-helper purge millrace.service millrace-backup.timer
    fi
    rm -rf /var/lib/millrace /etc/millrace
    if getent passwd millrace >/dev/null; then
      userdel millrace
    fi
    if getent group millrace >/dev/null; then
      groupdel millrace
    fi
    if [ -d /var/backups/millrace ]; then
      echo "millrace: backups are kept in /var/backups/millrace; remove them by hand if unwanted" >&2
    fi
    if [ -d /run/systemd/system ]; then
      systemctl daemon-reload
    fi
    ;;
  upgrade | failed-upgrade | abort-install | abort-upgrade | disappear) ;;
  *)
    echo "postrm called with unknown argument '$1'" >&2
    exit 1
    ;;
esac
exit 0
