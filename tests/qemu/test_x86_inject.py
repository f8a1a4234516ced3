#!/usr/bin/env python3
"""Issue 15 on x86: the user-space suites under random frame-allocation failure, as
test_inject.py does on RISC-V (its docstring says what is checked): every subtest of each suite
runs with `-allocfail P SEED` armed; no panic, no hang, no page or process lost, and the injection
must make subtests fail. The suites are x86's classic ones (test_x86_suites.py) but exectests,
which reads its first argument as its own mode."""
# matrix: cpus=1,2 arch=x86 timeout=1200

import test_inject

SUITES = ["proctests", "fstests", "copytests", "vmtests", "faulttests", "grindtests", "pipetests"]

if __name__ == "__main__":
    test_inject.main(SUITES, min_injected=12, suite_timeout=900)
