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
int sleep(int);
int uptime(void);
/* lab and Pagoda extensions (see kernel/syscall.h) */
int sysinfo(struct sysinfo*);
int kpgtbl(void);
uint64 pgpte(void*); /* the leaf PTE that maps an address, or 0 */
int halt(int);
int copystats(struct copystats*);
int allocfail(int mode, uint64 arg, uint64 seed); /* kernel/allocfail.h */

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
