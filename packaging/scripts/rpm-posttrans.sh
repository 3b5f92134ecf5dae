# millrace .rpm %posttrans: runs from the NEW package after the whole transaction, so an upgrade
# restarts into the new version (only if it was running) whatever the old package's scripts did.
if [ -e /var/lib/rpm-state/millrace/restart ]; then
  rm -f /var/lib/rpm-state/millrace/restart
  if [ -d /run/systemd/system ]; then
    systemctl try-restart millrace.service || :
    systemctl try-restart 'millrace@*.service' || :
  fi
fi
exit 0
