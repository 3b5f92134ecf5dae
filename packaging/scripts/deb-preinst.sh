#!/bin/sh
# millrace .deb preinst: create the system user before unpacking, so the files owned by group
# millrace (/etc/millrace/millrace.env) get the right group.
set -e

create_user() {
  if command -v systemd-sysusers >/dev/null 2>&1; then
    echo 'u millrace - "Millrace message broker" /var/lib/millrace -' | systemd-sysusers -
  elif ! getent passwd millrace >/dev/null; then
    useradd --system --user-group --home-dir /var/lib/millrace --no-create-home \
      --shell /usr/sbin/nologin --comment "Millrace message broker" millrace
  fi
}

case "$1" in
  install | upgrade) create_user ;;
  abort-upgrade) ;;
  *)
    echo "preinst called with unknown argument '$1'" >&2
    exit 1
    ;;
esac
exit 0
