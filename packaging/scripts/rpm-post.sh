# millrace .rpm %post ($1: 1 on install, 2+ on upgrade). RPM convention: apply the preset policy
# on first install (enabled only where the distribution's presets say so) and never start it;
# start it with `systemctl enable --now millrace`. On upgrade, %posttrans restarts it if running.
if command -v systemd-tmpfiles >/dev/null 2>&1; then
  systemd-tmpfiles --create millrace.conf || :
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || :
fi
if [ "$1" -eq 1 ]; then
  systemctl --no-reload preset millrace.service millrace-backup.timer >/dev/null 2>&1 || :
else
  mkdir -p /var/lib/rpm-state/millrace && touch /var/lib/rpm-state/millrace/restart || :
fi
exit 0
