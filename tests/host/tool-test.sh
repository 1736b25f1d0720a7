#!/bin/bash
# tests/host/tool-test.sh (make check's "tool" step): build the dax-kmem-atomic
# command (make tool: -Wall -Wextra -Werror) and run its unit tests (make
# tool-test: the policy parser and matching), after installing what the
# build needs on the host (libkmod-dev, pkg-config) when root, or naming it.
# Ends with the unit tests' "N passed, N failed".
set -euo pipefail
. "$(dirname "$0")/../harness/common.sh"

need_cmd pkg-config pkg-config
need_pkg libkmod-dev
cd "$REPO_DIR"
make -s tool
make -s tool-test
