# millrace .rpm %preun ($1: 0 on erase, 1+ on upgrade). Stop and disable only on erase; on
# upgrade the running version keeps serving until %posttrans try-restarts it.
if [ "$1" -eq 0 ]; then
  systemctl --no-reload disable --now millrace-backup.timer millrace.service >/dev/null 2>&1 || :
  systemctl stop millrace-backup.service 'millrace@*.service' >/dev/null 2>&1 || :
fi
exit 0
