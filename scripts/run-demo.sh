#!/bin/sh
# run-demo.sh - `make run`: generate the demo reports, ingest them into
# ./dmarcscope.db (again is fine: duplicates add nothing) and print the summary.
# The web portal joins `make run` when it exists.
set -eu
python3 demo/gen_demo.py build/demo-reports
./build/dmarcscope --db "${DMARCSCOPE_DB:-dmarcscope.db}" ingest build/demo-reports
echo
./build/dmarcscope --db "${DMARCSCOPE_DB:-dmarcscope.db}" summary
