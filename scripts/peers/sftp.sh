#!/usr/bin/env bash
# Dynamight's copy of ../shared/peers/sftp.sh, runnable from a clean clone and in CI (idempotent start).
# Loopback SFTP peer: OpenSSH sshd run by hand (no systemd), password + key auth.
# Usage: sftp.sh start|stop|status
# Env overrides: SFTP_PORT (2222), SFTP_USER (bkpsftp), SFTP_PASS (bkpsftp-pass), SFTP_BASE (/tmp/peers/sftp)
set -euo pipefail
PORT="${SFTP_PORT:-2222}"
USER_NAME="${SFTP_USER:-bkpsftp}"
PASS="${SFTP_PASS:-bkpsftp-pass}"
BASE="${SFTP_BASE:-/tmp/peers/sftp}"
HOME_DIR="$BASE/home"
CONF="$BASE/sshd_config"
PIDFILE="$BASE/sshd.pid"

start() {
  command -v /usr/sbin/sshd >/dev/null || { echo "install: apt-get install -y --no-install-recommends openssh-server openssh-client" >&2; exit 1; }
  mkdir -p "$BASE" /run/sshd            # /run/sshd = privilege-separation dir sshd insists on
  chmod 0755 /run/sshd
  # dedicated test user (needs root); password set every start
  if ! id "$USER_NAME" >/dev/null 2>&1; then
    useradd -M -d "$HOME_DIR" -s /bin/bash "$USER_NAME"
  fi
  echo "$USER_NAME:$PASS" | chpasswd
  mkdir -p "$HOME_DIR/.ssh" "$HOME_DIR/data"
  # host key + client key live under $BASE
  [ -f "$BASE/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$BASE/ssh_host_ed25519_key"
  [ -f "$BASE/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C bkp-test -f "$BASE/client_ed25519"
  [ -f "$BASE/client_rsa" ] || ssh-keygen -q -t rsa -b 3072 -m PEM -N '' -C bkp-test-rsa -f "$BASE/client_rsa"
  cat "$BASE/client_ed25519.pub" "$BASE/client_rsa.pub" > "$HOME_DIR/.ssh/authorized_keys"
  chown -R "$USER_NAME:$USER_NAME" "$HOME_DIR"
  chmod 700 "$HOME_DIR" "$HOME_DIR/.ssh"; chmod 600 "$HOME_DIR/.ssh/authorized_keys"
  cat > "$CONF" <<CFG
Port $PORT
ListenAddress 127.0.0.1
HostKey $BASE/ssh_host_ed25519_key
PidFile $PIDFILE
AuthorizedKeysFile .ssh/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin no
AllowUsers $USER_NAME
StrictModes no
UseDNS no
X11Forwarding no
AllowTcpForwarding no
MaxStartups 50:30:100
MaxSessions 20
Subsystem sftp internal-sftp
LogLevel VERBOSE
CFG
  /usr/sbin/sshd -t -f "$CONF"
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then echo "already running pid $(cat "$PIDFILE")"; return; fi
  /usr/sbin/sshd -f "$CONF" -E "$BASE/sshd.log"     # daemonizes; writes $PIDFILE
  for _ in $(seq 50); do [ -s "$PIDFILE" ] && break; sleep 0.1; done
  ssh-keyscan -p "$PORT" -t ed25519 127.0.0.1 2>/dev/null | sed "s/^127.0.0.1/[127.0.0.1]:$PORT/" > "$BASE/known_hosts"
  echo "sftp peer up: sftp://$USER_NAME:$PASS@127.0.0.1:$PORT  key=$BASE/client_ed25519  root=$HOME_DIR/data  pid=$(cat "$PIDFILE")"
}

stop() {
  if [ -f "$PIDFILE" ]; then
    pid="$(cat "$PIDFILE")"
    # per-connection sshd processes are children of the listener: end them by PID, then the listener
    for c in $(ps -o pid= --ppid "$pid" 2>/dev/null); do kill "$c" 2>/dev/null || true; done
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$PIDFILE"; echo "sftp peer stopped (pid $pid)"
  else echo "sftp peer not running"; fi
  # optional full cleanup: SFTP_PURGE=1 sftp.sh stop  -> removes user and $BASE
  if [ "${SFTP_PURGE:-0}" = 1 ]; then userdel "$USER_NAME" 2>/dev/null || true; rm -rf "$BASE"; fi
}

case "${1:-}" in
  start) start ;; stop) stop ;;
  status) [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && echo running || { echo stopped; exit 1; } ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
