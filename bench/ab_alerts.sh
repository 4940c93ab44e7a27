#!/bin/sh
# ab_alerts.sh - the same-run ingest benchmark of docs/PERFORMANCE.md "The
# alerts' change log on the ingest path": binaries run in turn, their order
# rotating each run, on the corpora of bench/run.sh (BENCH_GEN_ONLY=1 sh
# bench/run.sh makes them).  B holds main-dmarcscope (main's build),
# a2-dmarcscope (with the hook) and nohook-dmarcscope (the same source with
# the hook compiled out); each run gets a fresh database there.
# Prints: corpus binary run wall user sys maxrss_kb alert_changes records
cd "$(dirname "$0")/.."
B=${B:-/tmp/a2bench}
BIGX=$(ls bench/out/big/*.xml | head -1)
for i in 1 2 3 4 5 6; do
  for k in mixed bigxml; do
    case $k in mixed) in=bench/out/mixed ;; bigxml) in=$BIGX ;; esac
    case $((i % 3)) in 1) order="main a2 nohook" ;; 2) order="a2 nohook main" ;; 0) order="nohook main a2" ;; esac
    for who in $order; do
      rm -f $B/db-$who $B/db-$who-wal $B/db-$who-shm
      /usr/bin/time -o $B/time-$who -f "%e %U %S %M" $B/$who-dmarcscope -q --db $B/db-$who ingest --max-decompressed 2g --no-progress --json $in > $B/out-$who-$k-$i.json 2>&1
      echo "$k $who $i $(cat $B/time-$who) $(sqlite3 $B/db-$who 'select count(*) from alert_changes' 2>/dev/null) $(grep -o '"records":[0-9]*' $B/out-$who-$k-$i.json)"
    done
  done
done
