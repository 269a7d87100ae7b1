#!/usr/bin/env bash
# shell_torture.sh GREEN_RUN SEED COUNT STDIN — COUNT random pipelines
# (shell_torture.py SEED COUNT) in one `bash` script, run natively, under
# green-run and under green-run --threads (three_ways.sh) with stdin from
# STDIN (null, pipe, tty), in a throwaway directory: same stdout and exit status.
set -u
green_run=$1 seed=$2 count=$3 stdin=$4
here=$(cd "$(dirname "$0")" && pwd)
for t in python3 gzip tar sed awk dd xargs timeout od base64 nl paste; do
  command -v $t >/dev/null || { echo "SKIP: $t is not installed"; exit 77; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
head -c 3000000 /dev/urandom >big.bin
seq 1 3000 >small.txt
mkdir -p tree/a tree/b
for i in $(seq 1 6); do seq 1 $((i * 100)) >tree/a/f$i; seq $i 200 >tree/b/g$i; done
python3 "$here/shell_torture.py" "$seed" "$count" >script.sh || exit 1
# Each run starts from the same files: the script writes its own beside them.
mkdir pristine && cp -a big.bin small.txt tree script.sh pristine/
exec "$here/three_ways.sh" "$green_run" "$stdin" bash -c 'd=$(mktemp -d) && cp -a pristine/. "$d"/ && cd "$d" && bash -c "$(cat script.sh)"; rc=$?; cd / && rm -rf "$d"; exit $rc'
