# Pagoda: the commands xv6 users know. CMake does the building underneath.
#   make qemu       build everything and boot Pagoda to its shell (Ctrl-a x quits QEMU)
#   make qemu-gdb   the same, stopped for gdb on tcp::26000 (then `make gdb` in another terminal)
#   make gdb        gdb-multiarch, connected, with Pagoda's page-table commands (tools/gdb/pagoda.py)
#   make test       host unit tests and the QEMU integration tests, under ctest
#   make bench      the benchmarks (see bench/README.md; BENCH_BASE=DIR: beside an older build's)
#   make view       boot, run a workload, capture the page tables: build/view/index.html (JSON=FILE: draw a saved capture)
#   make grade      LAB=pgtbl2020: build the lab profile, run its tests, print a score per test and in total
#                   (LAB= or no LAB: list the profiles it grades)
#   make LAB=NAME / make qemu LAB=NAME   build / boot a lab profile's kernel in build/riscv-NAME
#                   (pgtbl2020 lazy2020 cow mmap pgtbl2024; cmake/lab_profiles.cmake says what each has)
#   make clean      remove build/
# Options: CPUS=3 (harts), MEM=128M (RISC-V RAM, QEMU's -m: the kernel reads it from the device tree),
#          KPT=per-process|global (kernel page-table design for make qemu),
#          ARCH=x86 (make qemu/qemu-gdb/gdb run the x86 kernel, issue 11; `make` builds both).

CPUS ?= 3
MEM ?= 128M
KPT ?= per-process
JOBS ?= $(shell nproc)
HOST := build/host
SANITIZE := build/host-sanitize
RISCV := build/riscv
RISCV_GLOBAL := build/riscv-global
X86 := build/x86
ARCH ?= riscv
# LAB=NAME: a lab profile's kernel (it fixes its own page-table design; KPT does not apply).
LAB ?=
LAB_DIR := build/riscv-$(LAB)
LAB_TARGET := $(if $(LAB),lab)
# Every lab profile but the default (which build/riscv and build/riscv-global are); `make all`
# builds each into build/riscv-NAME, for the tests that define it.
LABS := pgtbl2020 lazy2020 cow mmap pgtbl2024
KERNEL_DIR := $(if $(LAB),$(LAB_DIR),$(if $(filter global,$(KPT)),$(RISCV_GLOBAL),$(RISCV)))

QEMUOPTS = -machine virt -bios none -kernel $(KERNEL_DIR)/kernel/kernel -m $(MEM) -smp $(CPUS) -nographic \
	-global virtio-mmio.force-legacy=false \
	-drive file=$(RISCV)/fs.img,if=none,format=raw,id=x0 \
	-device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0

# The x86 machine (issue 11): exactly this line, as the README and tests/qemu give it.
X86_QEMU = qemu-system-i386 -nographic -no-reboot -kernel $(X86)/kernel/kernel \
	-drive file=$(X86)/fs.img,index=1,media=disk,format=raw -smp 2 -m 512

.PHONY: all bootstrap host host-sanitize riscv riscv-global x86 lab labs qemu qemu-gdb gdb view grade test bench clean format

all: host riscv riscv-global x86 labs

bootstrap:
	@tools/bootstrap.sh

host: bootstrap
	@cmake -S . -B $(HOST) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(HOST) -j $(JOBS)

riscv: host
	@cmake -S . -B $(RISCV) -DCMAKE_TOOLCHAIN_FILE=cmake/riscv64-toolchain.cmake \
		-DPAGODA_KERNEL_PAGETABLE=per-process -DPAGODA_HOST_BUILD=$(abspath $(HOST)) >/dev/null
	@cmake --build $(RISCV) -j $(JOBS)

riscv-global: host
	@cmake -S . -B $(RISCV_GLOBAL) -DCMAKE_TOOLCHAIN_FILE=cmake/riscv64-toolchain.cmake \
		-DPAGODA_KERNEL_PAGETABLE=global -DPAGODA_HOST_BUILD=$(abspath $(HOST)) >/dev/null
	@cmake --build $(RISCV_GLOBAL) -j $(JOBS) --target kernel

# A lab profile's kernel; it boots build/riscv's fs.img (the programs are the same in every profile).
lab: host riscv
	@test -n "$(LAB)" || { echo "make lab: say LAB=NAME" 1>&2; exit 2; }
	@cmake -S . -B $(LAB_DIR) -DCMAKE_TOOLCHAIN_FILE=cmake/riscv64-toolchain.cmake \
		-DPAGODA_LAB=$(LAB) -DPAGODA_HOST_BUILD=$(abspath $(HOST)) >/dev/null
	@cmake --build $(LAB_DIR) -j $(JOBS) --target kernel

labs: host riscv
	@for lab in $(LABS); do $(MAKE) -s --no-print-directory lab LAB=$$lab || exit 1; done

x86: host
	@cmake -S . -B $(X86) -DCMAKE_TOOLCHAIN_FILE=cmake/i686-toolchain.cmake \
		-DPAGODA_HOST_BUILD=$(abspath $(HOST)) >/dev/null
	@cmake --build $(X86) -j $(JOBS)

ifeq ($(ARCH),x86)
qemu: host x86
	$(X86_QEMU)

qemu-gdb: host x86
	@echo "*** Now run 'make gdb ARCH=x86' in another window." 1>&2
	$(X86_QEMU) -S -gdb tcp::26000

# gdb with the kernel's symbols and the page-table commands (tools/gdb/pagoda.py decodes i386 too).
gdb:
	gdb-multiarch -q -ex 'set architecture i386' -ex 'file $(X86)/kernel/kernel' \
		-ex 'source tools/gdb/pagoda.py' -ex 'target remote localhost:26000'
else
qemu: host riscv $(if $(filter global,$(KPT)),riscv-global) $(LAB_TARGET)
	qemu-system-riscv64 $(QEMUOPTS)

qemu-gdb: host riscv $(if $(filter global,$(KPT)),riscv-global) $(LAB_TARGET)
	@echo "*** Now run 'make gdb' in another window." 1>&2
	qemu-system-riscv64 $(QEMUOPTS) -S -gdb tcp::26000

# gdb with the kernel's symbols and the page-table commands (`pagoda procs`, `pagoda pt`, ...:
# tools/gdb/pagoda.py; `help pagoda` lists them).
gdb:
	gdb-multiarch -q -ex 'set architecture riscv:rv64' -ex 'file $(KERNEL_DIR)/kernel/kernel' \
		-ex 'source tools/gdb/pagoda.py' -ex 'target remote localhost:26000'
endif

# The page-table viewer: boot, run `vmview` (user/vmview.cc), capture every process's tables through the
# gdb extension (build/view/capture.json) and draw them in build/view/index.html, one file with no
# network. JSON=FILE draws a saved capture instead, without booting.
VIEW := build/view
view: $(if $(JSON),,host riscv $(if $(filter global,$(KPT)),riscv-global))
ifeq ($(JSON),)
	@python3 tools/view/capture.py --kernel $(KERNEL_DIR)/kernel/kernel --fs $(RISCV)/fs.img \
		--cpus $(CPUS) --out $(VIEW)/capture.json
	@python3 tools/view/build.py --json $(VIEW)/capture.json --out $(VIEW)/index.html
else
	@python3 tools/view/build.py --json $(JSON) --out $(VIEW)/index.html
endif

# The lab grader: tools/grade/grade.py builds the profile's kernel, runs the tests that define the
# lab and prints a score per test and in total (`make grade LAB=` lists the profiles).
grade:
	@python3 tools/grade/grade.py $(if $(LAB),--lab $(LAB),--list)

# The host suites again under ASan + UBSan (tests labelled `sanitize`).
host-sanitize: bootstrap
	@cmake -S . -B $(SANITIZE) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPAGODA_SANITIZE=ON >/dev/null
	@cmake --build $(SANITIZE) -j $(JOBS)

test: all host-sanitize
	cd $(HOST) && ctest --output-on-failure -j 2 --timeout 1500
	cd $(SANITIZE) && ctest --output-on-failure -j 2 --timeout 600 -L sanitize

# BENCH_BASE=DIR: also boot the kernels of an older revision's build directory (DIR/riscv,
# DIR/riscv-global; bench/README.md says how to make one) in the same run, beside today's.
BENCH_BASE ?=
bench: all
	@python3 bench/run_bench.py --kernel $(RISCV)/kernel/kernel --kernel-global $(RISCV_GLOBAL)/kernel/kernel \
		--fs $(RISCV)/fs.img --kernel-x86 $(X86)/kernel/kernel --fs-x86 $(X86)/fs.img \
		--host-bench $(HOST)/bench/pagetable_bench --out bench \
		$(if $(BENCH_BASE),--baseline per-process=$(BENCH_BASE)/riscv/kernel/kernel \
		--baseline global=$(BENCH_BASE)/riscv-global/kernel/kernel)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf build
