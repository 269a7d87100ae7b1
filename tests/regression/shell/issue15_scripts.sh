#!/usr/bin/env bash
# issue15_scripts.sh GREEN_RUN CAUSE — the shell scripts of issue 15, each run
# natively, under green-run and under green-run --threads (three_ways.sh)
# with stdin from /dev/null, in a throwaway directory.
#
# CAUSE hub_fd_closed_by_shell: the hub's epoll fd was fd 3; bash closes 3
#   between pipelines, and the next epoll_wait aborted the shell with
#   "(libev) epoll_wait: Bad file descriptor" (cat and dd pipelines).
# CAUSE forked_hub_takes_pipe_number: the hub's fds sat at 3-5 (inherited
#   numbers the shell had reused for a pipe); a forked child's fresh hub closed
#   them and took the pipe's number for its eventfd, which the child then
#   dup2'd onto its stdin: sha256sum/tail/wc read an eventfd, EAGAIN (gzip and
#   tar pipelines).
set -u
green_run=$1 cause=$2
here=$(cd "$(dirname "$0")" && pwd)
three=$here/../../interpose/three_ways.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
for t in gzip tar dd sha256sum cmp diff; do
  command -v $t >/dev/null || { echo "SKIP: $t is not installed"; exit 77; }
done
# Fixtures: the same bytes for the three runs.
head -c 3000000 /dev/urandom >big.bin
seq 1 1000 >small.txt
mkdir -p tree/a tree/b
for i in $(seq 1 6); do seq 1 $((i * 100)) >tree/a/f$i; seq $i 200 >tree/b/g$i; done

fail=0
check() { "$three" "$green_run" null bash -c "$1" || fail=1; }
case "$cause" in
  hub_fd_closed_by_shell)
    check 'cat big.bin | cat | cat - | sha256sum; cat small.txt small.txt | wc -lc'
    check 'dd if=big.bin bs=64k status=none | dd of=dd.bin bs=1M iflag=fullblock status=none; cmp big.bin dd.bin && echo same'
    ;;
  forked_hub_takes_pipe_number)
    check 'gzip -n -c big.bin | tee b.gz | sha256sum; gzip -dc b.gz | sha256sum; seq 1 100000 | gzip -9 | gzip -dc | tail -1'
    check 'rm -rf x && mkdir x && tar -cf - tree | tee t.tar | sha256sum; tar -xf t.tar -C x && diff -r tree x/tree && echo same; tar -tvf t.tar | wc -l'
    ;;
  *) echo "unknown cause $cause"; exit 2 ;;
esac
exit $fail
