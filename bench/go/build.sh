#!/bin/sh
# Builds the Go twin into build/bench/gort-go (repo root relative), offline:
# standard library only, no toolchain or module downloads.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-buildvcs=false GO111MODULE=on
export GOCACHE="${GOCACHE:-$root/build/bench/go-cache}"
mkdir -p "$root/build/bench"
cd "$here"
go build -trimpath -o "$root/build/bench/gort-go" .
echo "$root/build/bench/gort-go"
