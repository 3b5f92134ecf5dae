# millrace .rpm %postun ($1: 0 on erase, 1+ on upgrade). RPM convention: the data in
# /var/lib/millrace, edited configuration (saved as .rpmsave) and the millrace user stay.
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || :
fi
exit 0
