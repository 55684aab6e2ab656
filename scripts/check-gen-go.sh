#!/usr/bin/env bash
# Compiles the generated Go stubs (gen/go) and the Go example against Debian's Go protobuf and
# gRPC sources (golang-google-protobuf-dev, golang-google-grpc-dev under /usr/share/gocode).
# GOPATH mode, because this machine has no Go module proxy: no go.mod, no downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
module="$work/src/github.com/trueparser/control-plane"
mkdir -p "$module"
# Copies, not symlinks: `go build ./...` patterns do not follow symlinked directories.
cp -r gen "$module/gen"
cp -r examples "$module/examples"
# The build cache outlives the run (as in test/clients/go-client.test.ts): a cold build of
# Debian's gRPC-Go takes ~30 s.
export GO111MODULE=off GOPATH="$work:/usr/share/gocode" GOCACHE="${GOCACHE:-${TMPDIR:-/tmp}/trueparser-go-build-cache}" GOFLAGS=
go build github.com/trueparser/control-plane/gen/go/... github.com/trueparser/control-plane/examples/go/...
go vet github.com/trueparser/control-plane/gen/go/... github.com/trueparser/control-plane/examples/go/...
echo "gen/go and examples/go compile ($(go version | cut -d' ' -f3))"
