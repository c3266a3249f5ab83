#!/bin/sh
# SPDX-License-Identifier: MIT
# The `docs` test group: what the documentation claims is checked against
# the tree.  docs/bad-inputs.md: every row names a test file that exists
# and test names that are in it (scripts/bad_inputs.py).
set -u
cd "$(dirname "$0")/../.."
python3 scripts/bad_inputs.py check docs/bad-inputs.md
