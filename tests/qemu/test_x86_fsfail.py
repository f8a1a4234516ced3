#!/usr/bin/env python3
"""Disk-block and inode exhaustion by injection on x86 (issue 15): tests/qemu/test_fsfail.py on
the x86 kernel and its xv6-x86 disk (512-byte blocks, no superblock magic, the IDE disk)."""
# matrix: cpus=2 arch=x86 timeout=900

import test_fsfail

if __name__ == "__main__":
    test_fsfail.main()
