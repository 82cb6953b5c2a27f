#!/bin/sh
# Prepares (or cleans up) the area of the local primary that the browser test manages.
#
#   e2e/prepare-primary.sh DIR           DIR: a directory on a btrfs filesystem mounted with
#                                        subvolid=5 (created if missing). Makes DIR/e2e-vol
#                                        (btrfs subvolume create; kept if it already is one) and
#                                        DIR/.snapshots, then prints DIR as an absolute path (the
#                                        only line on stdout). Use it as E2E_PRIMARY_ROOT and as
#                                        DIST_BTRFS_PRIMARY_ROOTS of `serve`.
#   e2e/prepare-primary.sh --clean DIR   deletes the subvolumes in DIR/.snapshots and DIR/e2e-vol,
#                                        then removes DIR/.snapshots and DIR if they are empty.
#
# Needs root (or whatever lets `btrfs subvolume create/delete` work there). Exit status 0 on
# success; errors go to stderr. Touches nothing outside DIR.
set -eu

die() { echo "prepare-primary: $*" >&2; exit 1; }

clean=0
if [ "${1:-}" = "--clean" ]; then clean=1; shift; fi
[ $# -eq 1 ] || die "usage: $0 [--clean] DIR"
command -v btrfs >/dev/null 2>&1 || die "btrfs (btrfs-progs) not found"

if [ "$clean" -eq 1 ]; then
  [ -d "$1" ] || exit 0
  dir=$(cd "$1" && pwd -P)
  if [ -d "$dir/.snapshots" ]; then
    for snap in "$dir"/.snapshots/*; do
      [ -e "$snap" ] || continue
      if btrfs subvolume show "$snap" >/dev/null 2>&1; then
        btrfs subvolume delete "$snap" >/dev/null || die "cannot delete $snap"
      fi
    done
    rmdir "$dir/.snapshots" 2>/dev/null || echo "prepare-primary: $dir/.snapshots is not empty, left in place" >&2
  fi
  if [ -d "$dir/e2e-vol" ]; then
    btrfs subvolume delete "$dir/e2e-vol" >/dev/null || die "cannot delete $dir/e2e-vol"
  fi
  rmdir "$dir" 2>/dev/null || echo "prepare-primary: $dir is not empty, left in place" >&2
  exit 0
fi

mkdir -p "$1" || die "cannot create $1"
dir=$(cd "$1" && pwd -P)
fstype=$(stat -f -c %T "$dir")
[ "$fstype" = "btrfs" ] || die "$dir is on $fstype, not btrfs"

if [ -e "$dir/e2e-vol" ]; then
  btrfs subvolume show "$dir/e2e-vol" >/dev/null 2>&1 || die "$dir/e2e-vol exists and is not a subvolume"
else
  btrfs subvolume create "$dir/e2e-vol" >/dev/null || die "cannot create the subvolume $dir/e2e-vol"
fi
mkdir -p "$dir/.snapshots" || die "cannot create $dir/.snapshots"
echo "$dir"
