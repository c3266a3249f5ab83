# SPDX-License-Identifier: MIT
"""The checks of tests/gdb/check.py, by kind (see its docstring)."""
