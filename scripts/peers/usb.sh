#!/usr/bin/env bash
# A fake "USB drive" for the mount/unmount tests: a small filesystem image on a loop device with a
# known UUID. Needs root. Each invocation works in its own USB_BASE, so test files running at the
# same time (each with its own base and UUID) never touch each other's drive.
#
# Usage: usb.sh start|stop|detach|attach|status
#   start   create the image (once) and attach it; prints dev=, uuid=, label=, image=, base= lines
#   detach  detach the loop device, keep the image (the drive is "unplugged")
#   attach  attach the image again ("plugged back in")
#   stop    unmount whatever is mounted from it, detach, delete USB_BASE (unless USB_KEEP=1)
# Env: USB_BASE (default /tmp/dynamight-usb-$$: always pass one when you call start and stop separately),
#      USB_UUID (default a fresh random UUID), USB_LABEL (DMUSB), USB_SIZE (16M),
#      USB_FS (ext4 | xfs | swap: swap gives a UUID that cannot be mounted, for "wrong filesystem" tests),
#      USB_UDEV=1 also start systemd-udevd so lsblk shows LABEL/UUID (off by default: the app probes
#      with blkid when udev is absent, and a daemon left behind would outlive the tests).
set -euo pipefail
export LC_ALL=C
BASE="${USB_BASE:-/tmp/dynamight-usb-$$}"
UUID="${USB_UUID:-$(cat /proc/sys/kernel/random/uuid)}"
LABEL="${USB_LABEL:-DMUSB}"
SIZE="${USB_SIZE:-16M}"
FS="${USB_FS:-ext4}"
IMG="$BASE/usb.img"

loopdev() { losetup -j "$IMG" 2>/dev/null | cut -d: -f1 | head -1 || true; }

attach() {
  local loop
  loop="$(loopdev)"
  # losetup -f --show picks and binds a free device in one call, so concurrent starts do not collide.
  [ -n "$loop" ] || loop="$(losetup -f --show "$IMG")"
  echo "$loop" > "$BASE/loopdev"
  echo "$loop"
}

start() {
  [ "$(id -u)" = 0 ] || { echo "usb.sh: needs root" >&2; exit 1; }
  mkdir -p "$BASE"
  if [ ! -f "$IMG" ]; then
    truncate -s "$SIZE" "$IMG"
    case "$FS" in
      ext4) mkfs.ext4 -q -F -L "$LABEL" -U "$UUID" "$IMG" ;;
      xfs)  mkfs.xfs -q -f -L "$LABEL" -m uuid="$UUID" "$IMG" ;;
      swap) mkswap -q -L "$LABEL" -U "$UUID" "$IMG" >/dev/null ;;
      *) echo "usb.sh: unknown USB_FS $FS" >&2; exit 2 ;;
    esac
  fi
  local loop
  loop="$(attach)"
  if [ "${USB_UDEV:-0}" = 1 ] && [ -x /lib/systemd/systemd-udevd ] && ! udevadm control --ping >/dev/null 2>&1; then
    /lib/systemd/systemd-udevd --daemon >/dev/null 2>&1
    for _ in $(seq 20); do udevadm control --ping >/dev/null 2>&1 && break; sleep 0.1; done
    pgrep -n -x systemd-udevd > "$BASE/udevd.pid" || true
  fi
  if udevadm control --ping >/dev/null 2>&1; then
    udevadm trigger --subsystem-match=block --action=change "--name-match=$loop" || true
    udevadm settle -t 10 || true
  fi
  echo "dev=$loop"
  echo "uuid=$(blkid -c /dev/null -s UUID -o value "$loop")"
  echo "label=$LABEL"
  echo "fs=$FS"
  echo "image=$IMG"
  echo "base=$BASE"
}

unmount_all() {
  local loop="$1"
  { findmnt -rn -S "$loop" -o TARGET || true; } | while read -r m; do
    m="$(printf '%b' "$m")"
    umount "$m" 2>/dev/null || umount -l "$m"
  done
}

detach() {
  local loop
  loop="$(loopdev)"
  if [ -z "$loop" ]; then return 0; fi
  unmount_all "$loop"
  losetup -d "$loop"
  rm -f "$BASE/loopdev"
}

stop() {
  if [ -f "$IMG" ]; then detach; fi
  if [ -f "$BASE/udevd.pid" ]; then kill "$(cat "$BASE/udevd.pid")" 2>/dev/null || true; fi
  [ "${USB_KEEP:-0}" = 1 ] || rm -rf "$BASE"
  echo "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  detach) detach; echo "detached" ;;
  attach) echo "dev=$(attach)" ;;
  status) loop="$(loopdev)"; if [ -n "$loop" ]; then blkid -c /dev/null "$loop" || true; else echo "not attached"; fi ;;
  *) echo "usage: $0 start|stop|detach|attach|status" >&2; exit 2 ;;
esac
