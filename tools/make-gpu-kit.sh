#!/usr/bin/env bash
# Packs what bench/gpu/run.sh needs on the GPU machine, which has no Node: the node binary
# of this machine (process.execPath) and node_modules, xz-compressed into .gpu-kit/
# (git-ignored; carry it: run(command="bash bench/gpu/run.sh", carry=[".gpu-kit"])).
#   bash tools/make-gpu-kit.sh
# NOTE: the binary is never committed; both must be x86-64 Linux like the GPU machine.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE_BIN=$(node -p 'process.execPath')
mkdir -p .gpu-kit
tar -C "$(dirname "$NODE_BIN")" -cJf .gpu-kit/node.tar.xz "$(basename "$NODE_BIN")"
# -h: node_modules may be a symlink (worktrees); typescript is kept (run.sh compiles TS).
tar -chJf .gpu-kit/node_modules.tar.xz --exclude='node_modules/.cache' node_modules
node -p 'process.version' > .gpu-kit/node-version.txt
du -sh .gpu-kit/*
