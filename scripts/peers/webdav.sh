#!/usr/bin/env bash
# Dynamight's copy of ../shared/peers/webdav.sh, runnable from a clean clone and in CI (idempotent start).
# Loopback WebDAV peer: Debian apache2 + mod_dav/mod_dav_fs + Basic auth, started by hand (no systemd).
# Usage: webdav.sh start|stop|status
# Env overrides: DAV_PORT (8080), DAV_USER (bkpdav), DAV_PASS (bkpdav-pass), DAV_BASE (/tmp/peers/webdav)
# URL: http://127.0.0.1:$DAV_PORT/dav/   (files land in $DAV_BASE/data)
set -euo pipefail
PORT="${DAV_PORT:-8080}"
U="${DAV_USER:-bkpdav}"
P="${DAV_PASS:-bkpdav-pass}"
BASE="${DAV_BASE:-/tmp/peers/webdav}"
CONF="$BASE/httpd.conf"
PIDFILE="$BASE/httpd.pid"

start() {
  [ -x /usr/sbin/apache2 ] && command -v htpasswd >/dev/null || { echo "install: apt-get install -y --no-install-recommends apache2 apache2-utils" >&2; exit 1; }
  mkdir -p "$BASE/data" "$BASE/lock" "$BASE/logs"
  htpasswd -b -c -m "$BASE/htpasswd" "$U" "$P" >/dev/null 2>&1   # apr1-MD5: ~0.8 ms/request; bcrypt (-B) costs ~2 ms more per request
  chown -R www-data:www-data "$BASE/data" "$BASE/lock"     # apache refuses to run as root; workers run as www-data
  M=/usr/lib/apache2/modules
  cat > "$CONF" <<CFG
ServerRoot "$BASE"
ServerName 127.0.0.1
Listen 127.0.0.1:$PORT
PidFile "$PIDFILE"
Mutex file:$BASE/lock default
DefaultRuntimeDir "$BASE/lock"
User www-data
Group www-data
ErrorLog "$BASE/logs/error.log"
LogLevel warn
LoadModule mpm_event_module $M/mod_mpm_event.so
LoadModule authz_core_module $M/mod_authz_core.so
LoadModule authz_user_module $M/mod_authz_user.so
LoadModule authn_core_module $M/mod_authn_core.so
LoadModule authn_file_module $M/mod_authn_file.so
LoadModule auth_basic_module $M/mod_auth_basic.so
LoadModule mime_module $M/mod_mime.so
LoadModule alias_module $M/mod_alias.so
LoadModule dav_module $M/mod_dav.so
LoadModule dav_fs_module $M/mod_dav_fs.so
TypesConfig /etc/mime.types
LogFormat "%h %u \"%r\" %>s %b %D" dav
CustomLog "$BASE/logs/access.log" dav
StartServers 1
ServerLimit 4
ThreadsPerChild 25
MaxRequestWorkers 100
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 30
LimitRequestBody 0
Timeout 300
DavLockDB "$BASE/lock/DavLock"
DocumentRoot "$BASE/data"
Alias /dav "$BASE/data"
<Directory "/">
  Require all denied
  AllowOverride None
</Directory>
<Directory "$BASE/data">
  Dav On
  DavDepthInfinity On
  Options None
  AllowOverride None
  AuthType Basic
  AuthName "bkp-webdav"
  AuthUserFile "$BASE/htpasswd"
  Require valid-user
</Directory>
CFG
  /usr/sbin/apache2 -t -f "$CONF" 2>&1 | grep -v "Syntax OK" || true
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then echo "already running pid $(cat "$PIDFILE")"; return; fi
  /usr/sbin/apache2 -f "$CONF" -k start
  for _ in $(seq 50); do [ -s "$PIDFILE" ] && break; sleep 0.1; done
  echo "webdav peer up: http://$U:$P@127.0.0.1:$PORT/dav/  root=$BASE/data  pid=$(cat "$PIDFILE")"
}

stop() {
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    pid="$(cat "$PIDFILE")"
    /usr/sbin/apache2 -f "$CONF" -k stop || kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "webdav peer stopped (pid $pid)"
  else echo "webdav peer not running"; fi
  rm -f "$PIDFILE"
  [ "${DAV_PURGE:-0}" = 1 ] && rm -rf "$BASE" || true
}

case "${1:-}" in
  start) start ;; stop) stop ;;
  status) [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && echo running || { echo stopped; exit 1; } ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
