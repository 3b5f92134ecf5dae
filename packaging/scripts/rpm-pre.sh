# millrace .rpm %pre ($1: 1 on install, 2+ on upgrade): create the system user first, so files
# owned by group millrace get it.
if command -v systemd-sysusers >/dev/null 2>&1; then
  echo 'u millrace - "Millrace message broker" /var/lib/millrace -' | systemd-sysusers -
elif ! getent passwd millrace >/dev/null; then
  useradd --system --user-group --home-dir /var/lib/millrace --no-create-home \
    --shell /sbin/nologin --comment "Millrace message broker" millrace
fi
exit 0
