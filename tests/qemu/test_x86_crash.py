#!/usr/bin/env python3
"""Crash safety on x86 (issue 11): tests/qemu/test_crash.py on the x86 kernel and its xv6-x86 disk
(512-byte blocks, a superblock without magic, the IDE disk): cut the power in the middle of heavy
writing, boot again from the same image, find every completed file intact and every unlinked one
gone, and the image clean by the host fsck (--format=xv6-x86)."""
# matrix: cpus=2 arch=x86 timeout=900

import test_crash

if __name__ == "__main__":
    test_crash.main()
