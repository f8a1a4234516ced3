# Cross build for the x86 kernel and user programs: freestanding 32-bit i686 (xv6-x86's machine),
# no libc, no libstdc++ runtime. Debian: g++-i686-linux-gnu, binutils-i686-linux-gnu.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR i686)
set(PAGODA_TARGET i686)

set(CMAKE_C_COMPILER i686-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER i686-linux-gnu-g++)
set(CMAKE_ASM_COMPILER i686-linux-gnu-gcc)
set(CMAKE_OBJCOPY i686-linux-gnu-objcopy)
set(CMAKE_OBJDUMP i686-linux-gnu-objdump)

# The compiler cannot link a test program without a libc; only compile it.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# No SSE/x87 in the kernel's code (traps do not save FPU state). Inline memset/memcpy as unrolled
# loops: QEMU emulates `rep stos` one iteration at a time, which made kinit2 take 15 s.
set(PAGODA_FREESTANDING_FLAGS
    "-m32 -march=i686 -mno-sse -mno-mmx -mno-80387 -mstringop-strategy=unrolled_loop -ffreestanding -fno-common -nostdlib -fno-pie \
-fno-pic -fno-stack-protector -fno-omit-frame-pointer -fno-builtin-printf -ggdb -gdwarf-4 -Wno-format")
set(CMAKE_C_FLAGS_INIT "${PAGODA_FREESTANDING_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT
    "${PAGODA_FREESTANDING_FLAGS} -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit")
set(CMAKE_ASM_FLAGS_INIT "${PAGODA_FREESTANDING_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -static -no-pie -Wl,--build-id=none -Wl,-m,elf_i386 -Wl,-z,noexecstack")
