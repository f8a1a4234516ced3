// Directories (files of struct dirent) and path names. xv6: dirlookup, dirlink, namex
#pragma once

#include <cstdint>

#include "kernel/lib/result.h"

namespace pagoda {

struct Inode;

// Looks name up in the locked directory dp: the entry's inode, referenced and unlocked, or nullptr
// if there is no such entry. *poff (if given) gets the entry's byte offset. An error when the
// answer is unknown: kNoSpace (no free inode-table slot for the entry's inode), kIo (the
// directory cannot be read) or kInvalid (the entry names an inode that cannot exist). Callers
// must not take an error for absence (that is how duplicate names were made).
Result<Inode*> dirlookup(Inode* dp, const char* name, uint32_t* poff);

// Adds (name, inum) to the locked directory dp. kExists if present; kNoSpace if the directory
// cannot grow (then nothing changed).
Status dirlink(Inode* dp, const char* name, uint32_t inum);

// True if the locked directory holds only "." and "..".
bool dir_is_empty(Inode* dp);

// Compares directory-entry names (at most DIRSIZ bytes).
int namecmp(const char* s, const char* t);

}  // namespace pagoda
