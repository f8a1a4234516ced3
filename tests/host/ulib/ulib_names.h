// Host tests only: gives every name of the user API a u_ prefix, so the ulib sources compile and
// link next to the host's libc without replacing it. Force-included (-include) into ulib's sources
// and the tests, after the host's own headers in the tests.
#ifndef PAGODA_USER_LIB_HOST_TEST_ULIB_NAMES_H
#define PAGODA_USER_LIB_HOST_TEST_ULIB_NAMES_H

#define atoi u_atoi
#define chdir u_chdir
#define close u_close
#define copystats u_copystats
#define dup u_dup
#define exec u_exec
#define exit u_exit
#define fork u_fork
#define fprintf u_fprintf
#define free u_free
#define fstat u_fstat
#define getpid u_getpid
#define gets u_gets
#define halt u_halt
#define kill u_kill
#define kpgtbl u_kpgtbl
#define link u_link
#define malloc u_malloc
#define memcmp u_memcmp
#define memcpy u_memcpy
#define memmove u_memmove
#define memset u_memset
#define mkdir u_mkdir
#define mknod u_mknod
#define open u_open
#define pipe u_pipe
#define printf u_printf
#define read u_read
#define sbrk u_sbrk
#define sleep u_sleep
#define stat u_stat
#define strchr u_strchr
#define strcmp u_strcmp
#define strcpy u_strcpy
#define strlen u_strlen
#define sysinfo u_sysinfo
#define unlink u_unlink
#define uptime u_uptime
#define wait u_wait
#define write u_write

#endif
