// Inodes: the in-memory table of active inodes and the operations on them. xv6: fs.c
// The struct itself is in inode_table.h; the kernel core only needs pointers and these calls.
#pragma once

#include <cstdint>

#include "kernel/lib/result.h"

struct stat;

namespace pagoda {

struct Inode;

// On-disk inode types (kernel/stat.h T_*).
enum class InodeType : short { kFree = 0, kDir = 1, kFile = 2, kDevice = 3 };

Inode* namei(const char* path);                    // xv6: namei; referenced, unlocked, or nullptr
Inode* nameiparent(const char* path, char* name);  // xv6: nameiparent; name gets DIRSIZ bytes
Inode* idup(Inode* ip);
bool inum_in_range(uint32_t inum);  // 1 <= inum < the superblock's ninodes
void iput(Inode* ip);               // inside a transaction (may free the inode)
// Reads the inode from disk if needed. A dinode that cannot be right (bad type, size or block
// number) is reported on the console once and marks ip damaged (see inode_table.h).
void ilock(Inode* ip);
void iunlock(Inode* ip);
void iunlockput(Inode* ip);
int readi(Inode* ip, bool user_dst, uint64_t dst, uint32_t off, uint32_t n);

// The rest, for the file system's own files.
Result<Inode*> ialloc(uint32_t dev, InodeType type);  // kNoSpace when no inode is free
void iupdate(Inode* ip);                              // write the locked inode to disk (logged)
void itrunc(Inode* ip);                               // free its data blocks
void stati(Inode* ip, struct stat* st);
// Writes n bytes at off; returns the count written (short when the disk is full), or -1 on a bad
// offset or user address with nothing written.
int writei(Inode* ip, bool user_src, uint64_t src, uint32_t off, uint32_t n);

}  // namespace pagoda
