#!/bin/sh
# Writes gwtop's shell completions into completions/ (gwtop.bash, gwtop.zsh,
# gwtop.fish) from `gwtop completion SHELL`. goreleaser runs it as a
# before-hook so that the deb and rpm packages ship them; completions/ is
# not committed. A shell whose generator fails (or prints nothing) fails the
# script, and no partial file is left behind.
set -eu
cd "$(dirname "$0")/.."
GO=${GO:-go}
out=completions
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One build of the host binary, run once per shell; CGO_ENABLED=0 and
# -trimpath as the release build, so that both share the compiled packages.
CGO_ENABLED=0 "$GO" build -trimpath -o "$tmp/gwtop" ./cmd/gwtop
for sh in bash zsh fish; do
	if ! "$tmp/gwtop" completion "$sh" >"$tmp/gwtop.$sh"; then
		echo "completions.sh: 'gwtop completion $sh' failed" >&2
		exit 1
	fi
	if [ ! -s "$tmp/gwtop.$sh" ]; then
		echo "completions.sh: 'gwtop completion $sh' printed nothing" >&2
		exit 1
	fi
	mv "$tmp/gwtop.$sh" "$out/gwtop.$sh"
done
