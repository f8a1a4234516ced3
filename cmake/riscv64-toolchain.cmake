# Cross build for the kernel and the user programs: freestanding riscv64, no libc, no libstdc++ runtime.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(PAGODA_TARGET riscv64)

set(CMAKE_C_COMPILER riscv64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER riscv64-linux-gnu-g++)
set(CMAKE_ASM_COMPILER riscv64-linux-gnu-gcc)
set(CMAKE_OBJCOPY riscv64-linux-gnu-objcopy)
set(CMAKE_OBJDUMP riscv64-linux-gnu-objdump)

# The compiler cannot link a test program without a libc; only compile it.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(PAGODA_FREESTANDING_FLAGS
    "-march=rv64gc -mabi=lp64d -mcmodel=medany -mno-relax -ffreestanding -fno-common -nostdlib \
-fno-pie -fno-stack-protector -fno-omit-frame-pointer -fno-builtin-printf -ggdb -gdwarf-4")
set(CMAKE_C_FLAGS_INIT "${PAGODA_FREESTANDING_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT
    "${PAGODA_FREESTANDING_FLAGS} -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit")
set(CMAKE_ASM_FLAGS_INIT "${PAGODA_FREESTANDING_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -static -no-pie -Wl,--build-id=none")
