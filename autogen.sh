#!/bin/sh
# Generates configure and Makefile.in (kept out of git).
set -e
cd "$(dirname "$0")"
mkdir -p m4
autoreconf --install --force
