// Freestanding string functions. The mem* ones are extern "C" because the compiler emits calls to
// them.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {
void* memset(void* dst, int c, size_t n);
void* memmove(void* dst, const void* src, size_t n);
void* memcpy(void* dst, const void* src, size_t n);
int memcmp(const void* a, const void* b, size_t n);
}

namespace pagoda {

size_t strlen(const char* s);
int strncmp(const char* a, const char* b, size_t n);
// Copies at most n bytes; like C's strncpy, may leave dst unterminated.
char* strncpy(char* dst, const char* src, size_t n);
// Like strncpy but always NUL-terminates (n > 0). xv6: safestrcpy
char* safestrcpy(char* dst, const char* src, size_t n);

}  // namespace pagoda
