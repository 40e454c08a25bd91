#!/usr/bin/env bash
# Dynamight's copy of ../shared/peers/s3.sh, runnable from a clean clone and in CI.
# Loopback S3 peer: a throw-away single-node Ceph cluster (1 mon, 1 memstore OSD, no mgr) + radosgw (beast),
# all from Debian 12 packages, started by hand (no systemd), state under $S3_BASE.
# Usage: s3.sh start|stop|status   (start is idempotent: a running peer is kept; otherwise it builds a
#        FRESH empty cluster; stop destroys it; status exits 0 only when radosgw answers)
# Env overrides: S3_PORT (7480), S3_ACCESS_KEY (bkpaccess), S3_SECRET_KEY (bkpsecret123), S3_BASE (/tmp/peers/ceph),
#                S3_OSD_BYTES (store capacity, default 8 GiB; with memstore that much RAM at most),
#                S3_OSD_STORE (memstore, the default: objects in RAM, fastest to start | bluestore: objects in a
#                sparse file $S3_BASE/osd/ceph-0/block, RAM bounded by the 1 GiB memory target; for
#                benchmarks with more objects than RAM holds, e.g. bench-scale's million files)
# Endpoint: http://127.0.0.1:$S3_PORT  region us-east-1 (any), path-style (forcePathStyle: true)
set -euo pipefail
PORT="${S3_PORT:-7480}"
AK="${S3_ACCESS_KEY:-bkpaccess}"
SK="${S3_SECRET_KEY:-bkpsecret123}"
BASE="${S3_BASE:-/tmp/peers/ceph}"
OSD_BYTES="${S3_OSD_BYTES:-8589934592}"
OSD_STORE="${S3_OSD_STORE:-memstore}"
MON_PORT="${S3_MON_PORT:-16789}"
CONF="$BASE/ceph.conf"
export CEPH_CONF="$CONF"

store_config() {
  case "$OSD_STORE" in
    memstore) printf 'osd objectstore = memstore\nmemstore device bytes = %s\n' "$OSD_BYTES" ;;
    bluestore) printf 'osd objectstore = bluestore\nbluestore block create = true\nbluestore block size = %s\nbluestore fsck on mount = false\nbluestore fsck on mkfs = false\n' "$OSD_BYTES" ;;
    *) echo "s3.sh: S3_OSD_STORE must be memstore or bluestore, not $OSD_STORE" >&2; exit 2 ;;
  esac
}

pids() { cat "$BASE"/run/*.pid 2>/dev/null || true; }

start() {
  for b in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph; do
    command -v $b >/dev/null || { echo "install: apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw ceph-common" >&2; exit 1; }
  done
  if [ -f "$BASE/run/client.rgw.a.pid" ] && kill -0 "$(cat "$BASE/run/client.rgw.a.pid")" 2>/dev/null \
     && curl -fs -o /dev/null "http://127.0.0.1:$PORT/"; then echo "already running: endpoint=http://127.0.0.1:$PORT"; return; fi
  stop >/dev/null 2>&1 || true
  rm -rf "$BASE"; mkdir -p "$BASE"/{run,log,mon/ceph-a,osd/ceph-0,rgw}
  FSID="$(cat /proc/sys/kernel/random/uuid)"
  cat > "$CONF" <<CFG
[global]
fsid = $FSID
mon initial members = a
mon host = v1:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
cluster addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
run dir = $BASE/run
pid file = $BASE/run/\$name.pid
log file = $BASE/log/\$name.log
log to stderr = false
err to stderr = false
ms bind msgr2 = false
ms bind ipv6 = false
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
mon warn on insecure global id reclaim allowed = false
mon warn on insecure global id reclaim = false
mon data avail warn = 1
mon data avail crit = 0
$(store_config)
osd memory target = 1073741824
osd op num shards = 1
osd op num threads per shard = 2
[mon]
admin socket = $BASE/run/\$name.asok
paxos propose interval = 0.05
paxos min wait = 0.01
mon data = $BASE/mon/\$cluster-\$id
[osd]
admin socket = $BASE/run/\$name.asok
osd data = $BASE/osd/\$cluster-\$id
[client.rgw.a]
admin socket = $BASE/run/\$name.asok
rgw frontends = beast endpoint=127.0.0.1:$PORT tcp_nodelay=1
rgw data = $BASE/rgw
rgw dns name = localhost
rgw thread pool size = 64
CFG
  # monitor
  monmaptool --create --clobber --fsid "$FSID" --add a "v1:127.0.0.1:$MON_PORT" "$BASE/monmap" >/dev/null
  ceph-mon --mkfs -i a --monmap "$BASE/monmap" -c "$CONF"
  ceph-mon -i a -c "$CONF"                 # daemonizes, pid in run/mon.a.pid
  # osd (memstore: objects live in RAM; bluestore: in a sparse file under osd/)
  OSD_UUID="$(cat /proc/sys/kernel/random/uuid)"
  ceph --connect-timeout 20 osd new "$OSD_UUID" >/dev/null      # registers osd.0; mkfs MUST use the same uuid
  ceph-osd -i 0 --mkfs --osd-uuid "$OSD_UUID" -c "$CONF" >/dev/null 2>&1
  # on boot the OSD places itself under host=<hostname> in the CRUSH map. Its first mon command sometimes races the
  # monmap (mon log: "handle_command on fsid 0000... != <fsid>", osd exits 250), so retry the start a few times.
  for try in 1 2 3 4 5; do ceph-osd -i 0 -c "$CONF" && break; [ "$try" = 5 ] && { echo "ceph-osd failed, see $BASE/log/osd.0.log" >&2; exit 1; }; sleep 1; done
  for i in $(seq 60); do ceph osd stat 2>/dev/null | grep -q '1 up' && break; [ "$i" = 60 ] && { echo "osd.0 never came up, see $BASE/log/osd.0.log" >&2; exit 1; }; sleep 0.5; done
  # pre-create the pools radosgw would otherwise create lazily (first CreateBucket/PutObject/multipart then take ~2 s)
  for p in .rgw.root default.rgw.control default.rgw.meta default.rgw.log default.rgw.buckets.index default.rgw.buckets.data default.rgw.buckets.non-ec; do
    ceph osd pool create "$p" 8 8 >/dev/null 2>&1 && ceph osd pool application enable "$p" rgw >/dev/null 2>&1 || true
  done
  # rados gateway
  radosgw -c "$CONF" -n client.rgw.a
  for i in $(seq 120); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; [ "$i" = 120 ] && { echo "radosgw not answering, see $BASE/log/client.rgw.a.log" >&2; exit 1; }; sleep 0.5; done
  radosgw-admin -c "$CONF" user create --uid=bkp --display-name="bkp test" --access-key="$AK" --secret="$SK" >/dev/null
  echo "s3 peer up: endpoint=http://127.0.0.1:$PORT accessKey=$AK secretKey=$SK (path-style) pids: $(pids | tr '\n' ' ')"
}

stop() {
  local any=0
  for f in rgw.a osd.0 mon.a; do
    # pid files are named after the daemon: client.rgw.a.pid, osd.0.pid, mon.a.pid
    for pf in "$BASE"/run/*"$f"*.pid; do
      [ -f "$pf" ] || continue
      pid="$(cat "$pf")"; any=1
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
      rm -f "$pf"
    done
  done
  [ "${S3_KEEP:-0}" = 1 ] || rm -rf "$BASE"
  [ $any = 1 ] && echo "s3 peer stopped" || echo "s3 peer not running"
}

case "${1:-}" in
  start) start ;; stop) stop ;;
  status) curl -fs -o /dev/null "http://127.0.0.1:$PORT/" && echo "running: endpoint=http://127.0.0.1:$PORT" || { echo stopped; exit 1; } ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
