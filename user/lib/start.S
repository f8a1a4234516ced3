# Program entry. exec starts us with argc in a0, argv in a1 and sp on a 16-byte aligned user stack
# (xv6: exec). Run C++ static constructors, then exit(main(argc, argv)), so returning from main exits.
.section .text.entry
.global _start
.type _start, @function
_start:
  mv s0, a0
  mv s1, a1
  call __ulib_run_constructors
  mv a0, s0
  mv a1, s1
  call main
  call exit        # exit does not return
1:
  j 1b
.size _start, . - _start
