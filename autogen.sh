#!/bin/sh
# Regenerates ./configure from configure.ac (needs autoconf, automake for aclocal, pkg-config for pkg.m4).
set -e
cd "$(dirname "$0")"
aclocal
autoconf
rm -rf autom4te.cache
