/* The xv6 user API (user/user.h), callable from C and C++.
   System calls are implemented in user/lib/usys.S, the rest in user/lib. */
#ifndef PAGODA_USER_USER_H
#define PAGODA_USER_USER_H

#include "kernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct stat;
struct sysinfo;
struct copystats;
struct meminfo;

/* mmap's types (the mmap lab's user.h names them size_t and off_t). */
typedef __SIZE_TYPE__ size_t;
typedef long off_t;

/* system calls */
int fork(void);
int exit(int) __attribute__((noreturn));
int wait(int*);
int pipe(int*);
int write(int, const void*, int);
int read(int, void*, int);
int close(int);
int kill(int);
int exec(const char*, char**);
int open(const char*, int);
int mknod(const char*, short, short);
int unlink(const char*);
int fstat(int fd, struct stat*);
int link(const char*, const char*);
int mkdir(const char*);
int chdir(const char*);
int dup(int);
int getpid(void);
char* sbrk(int);
char* sbrklazy(int); /* issue 12: grow without allocating (SBRK_LAZY) */
int sleep(int);
int uptime(void);
/* lab and Pagoda extensions (see kernel/syscall.h) */
int sysinfo(struct sysinfo*);
int kpgtbl(void);
int pgaccess(void* base, int len, void* mask); /* 2021 lab: bit i = page i accessed */
int meminfo(struct meminfo*);                  /* kernel/sysinfo.h */
uint64 pgpte(void*); /* the leaf PTE that maps an address, or 0 */
int halt(int);
int copystats(struct copystats*);
int allocfail(int mode, uint64 arg, uint64 seed); /* kernel/allocfail.h */
/* mmap lab: PROT_* and MAP_* in kernel/fcntl.h; (void*)-1 on failure */
void* mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off);
int munmap(void* addr, size_t len);

/* 2024 lab: the pid, read from the usyscall page (kernel/memlayout.h) without a system call.
   RISC-V only; a kernel built without the page (pgtbl2020, lazy2020, cow, mmap) kills the caller. */
int ugetpid(void);

/* ulib.c */
int stat(const char*, struct stat*);
char* strcpy(char*, const char*);
void* memmove(void*, const void*, int);
char* strchr(const char*, char c);
int strcmp(const char*, const char*);
void fprintf(int, const char*, ...) __attribute__((format(printf, 2, 3)));
void printf(const char*, ...) __attribute__((format(printf, 1, 2)));
char* gets(char*, int max);
uint strlen(const char*);
void* memset(void*, int, uint);
void* malloc(uint);
void free(void*);
int atoi(const char*);
int memcmp(const void*, const void*, uint);
void* memcpy(void*, const void*, uint);

#ifdef __cplusplus
}
#endif

#endif
