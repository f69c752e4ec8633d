#!/bin/sh
# Builds the Go twin into build/bench/gort-go (repo root relative), and the
# same program for Go's own js/wasm port (GOOS=js GOARCH=wasm) into
# build/bench/gort-go.wasm (run under Node by bench/go/run-wasm.cjs),
# offline: standard library only, no toolchain or module downloads.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-buildvcs=false GO111MODULE=on
export GOCACHE="${GOCACHE:-$root/build/bench/go-cache}"
mkdir -p "$root/build/bench"
cd "$here"
go build -trimpath -o "$root/build/bench/gort-go" .
GOOS=js GOARCH=wasm go build -trimpath -o "$root/build/bench/gort-go.wasm" .
echo "$root/build/bench/gort-go"
echo "$root/build/bench/gort-go.wasm"
