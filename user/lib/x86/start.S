# Program entry on x86. exec leaves xv6-x86's stack: a fake return address 0xffffffff at esp, then
# argc and argv. Run C++ static constructors, then exit(main(argc, argv)), so returning from main
# exits with its status (Pagoda's exit is the extension call 43, user/lib/x86/usys.S).
        .section .text.entry
        .globl _start
        .type _start, @function
_start:
        call __ulib_run_constructors
        movl 8(%esp), %eax              # argv
        movl 4(%esp), %ecx              # argc
        pushl %eax
        pushl %ecx
        call main
        pushl %eax
        call exit                       # exit does not return
1:      jmp 1b
        .size _start, . - _start

        .section .note.GNU-stack, "", @progbits
