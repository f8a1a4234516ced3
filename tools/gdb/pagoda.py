"""Pagoda's gdb extension: see the page tables of a stopped kernel.

Load it with `make gdb` (or `source tools/gdb/pagoda.py` in gdb). Every command reads the guest
through gdb alone, at any breakpoint or after Ctrl-C, with no help from the kernel:

    pagoda procs                  the process table: pid, state, name, size, page-table roots
    pagoda pt [PID|kernel] [--kernel] [--vmprint] [--full]
                                  a page table as a tree (default: the current process's)
    pagoda vtop VA [PID|kernel] [--kernel] [--bytes=N]
                                  one translation, level by level (and the bytes found there)
    pagoda layout [PID]           the regions of a process's address space
    pagoda free [--walk]          free frames and what holds the others
    pagoda dump-json FILE         everything above, for the viewer (tools/view)

Three parts, so that each can change alone:
  * PTE formats (Sv39Format, I386Format): how an entry decodes, how a VA splits into indices.
  * PhysMem: reading physical memory (QEMU's gdbstub physical mode, else the direct map).
  * The kernel model (KernelModel): where the kernel keeps its tables. Every struct field is read
    by name through gdb's type information; the few places that know how a process reaches its
    page table, size and regions are in KernelModel.proc_memory() alone.
"""

import gdb
import json
import re
import struct

# --------------------------------------------------------------------------------------------
# PTE formats


class Pte:
    """One decoded page-table entry at a given level."""

    __slots__ = ("raw", "level", "index", "valid", "leaf", "pa", "flags", "cow", "borrowed",
                 "superpage", "span")

    def flag_string(self):
        marks = list(self.flags)
        if self.borrowed:
            marks.append("BORROWED")
        if self.cow:
            marks.append("COW")
        if self.superpage:
            marks.append("SUPER")
        return " ".join(marks)

    def perm_string(self):
        """rwxu-style permissions of a leaf (Sv39 R W X U; i386 has R implied, X always)."""
        f = set(self.flags)
        return "".join(c if k in f else "-" for c, k in (("r", "R"), ("w", "W"), ("x", "X"),
                                                         ("u", "U")))


class PteFormat:
    """A multi-level page-table format. Level levels-1 is the root, level 0 holds 4 KiB leaves."""

    name = "?"
    levels = 0
    index_bits = 0
    pte_bytes = 0
    page_shift = 12
    max_va = 0
    upper_half = None  # the first VA of a translated upper half (Sv39), if the format has one
    # (bit, name) of the flags printed for every entry, in order.
    flag_bits = ()

    @property
    def entries(self):
        return 1 << self.index_bits

    def index(self, va, level):
        return (va >> (self.page_shift + self.index_bits * level)) & (self.entries - 1)

    def span(self, level):
        """Bytes of virtual address space one entry at `level` covers."""
        return 1 << (self.page_shift + self.index_bits * level)

    def va_bits_of(self, level):
        lo = self.page_shift + self.index_bits * level
        return (lo + self.index_bits - 1, lo)

    def unpack_table(self, data):
        fmt = "<%d%s" % (self.entries, "Q" if self.pte_bytes == 8 else "I")
        return struct.unpack(fmt, data)

    def decode(self, raw, level, index=0):
        raise NotImplementedError

    def root_from_token(self, token):
        """The root table's physical address from satp / cr3."""
        raise NotImplementedError


class Sv39Format(PteFormat):
    """RISC-V Sv39 (privileged spec 4.4): 3 levels of 512 eight-byte PTEs."""

    name = "sv39"
    levels = 3
    index_bits = 9
    pte_bytes = 8
    max_va = 1 << 38  # xv6 MAXVA: one bit below what Sv39 allows
    user_top = max_va  # user memory and the trampoline/trapframe pages lie below
    upper_half = 0xffffffc000000000  # sign-extended bit 38: the kernel and the direct map
    flag_bits = ((0, "V"), (1, "R"), (2, "W"), (3, "X"), (4, "U"), (5, "G"), (6, "A"), (7, "D"))
    # The RSW bits 8..9, ignored by hardware, carry two of Pagoda's marks (sv39.h): on a table
    # entry bit 8 says it lends a subtree of another tree (kBorrowed); on a leaf bit 9 is the
    # copy-on-write mark (kCow).
    BORROWED = 1 << 8
    COW = 1 << 9
    # Where user pages end: the trapframe and the trampoline above are the kernel's (memlayout.h).
    user_pages_end = max_va - 2 * 4096

    def decode(self, raw, level, index=0):
        p = Pte()
        p.raw, p.level, p.index = raw, level, index
        p.valid = bool(raw & 1)
        p.leaf = p.valid and bool(raw & 0xE)  # spec 4.3.2 step 4: any of R/W/X
        p.pa = ((raw >> 10) & ((1 << 44) - 1)) << 12
        p.flags = [n for b, n in self.flag_bits if raw & (1 << b)]
        p.borrowed = p.valid and not p.leaf and bool(raw & self.BORROWED)
        p.cow = p.leaf and bool(raw & self.COW)
        p.superpage = p.leaf and level > 0
        p.span = self.span(level)
        return p

    def root_from_token(self, token):
        mode = token >> 60
        if mode != 8:
            return None  # paging off (Bare) or another mode
        return (token & ((1 << 44) - 1)) << 12


class I386Format(PteFormat):
    """32-bit i386 paging (Intel SDM vol. 3, 4.3): a directory and tables of 1024 four-byte entries.
    A present entry is readable and executable; PS in a directory entry is a 4 MiB page."""

    name = "i386"
    levels = 2
    index_bits = 10
    pte_bytes = 4
    max_va = 1 << 32
    user_top = 0x80000000  # KERNBASE: above it, the kernel map every directory carries
    user_pages_end = user_top  # the trapframe lives in kernel memory (xv6-x86)
    flag_bits = ((0, "V"), (1, "W"), (2, "U"), (5, "A"), (6, "D"), (8, "G"))
    BORROWED = 1 << 9  # AVL bit (i386.h kBorrowed)
    COW = 1 << 10  # AVL bit 10: the kernel's copy-on-write mark (i386.h)

    def decode(self, raw, level, index=0):
        p = Pte()
        p.raw, p.level, p.index = raw, level, index
        p.valid = bool(raw & 1)
        p.leaf = p.valid and (level == 0 or bool(raw & 0x80))
        p.pa = raw & 0xFFFFF000
        flags = [n for b, n in self.flag_bits if raw & (1 << b)]
        if p.leaf:  # R and X are implied by P (no NX without PAE); keep V R W X U order
            order = ["V", "R", "W", "X", "U", "A", "D", "G"]
            flags = [f for f in order if f in flags or f in ("R", "X")]
        p.flags = flags
        p.borrowed = p.valid and not p.leaf and bool(raw & self.BORROWED)
        p.cow = p.leaf and bool(raw & self.COW)
        p.superpage = p.leaf and level > 0
        p.span = self.span(level)
        return p

    def root_from_token(self, token):
        return token & 0xFFFFF000


def format_for_target():
    arch = gdb.selected_inferior().architecture().name()
    if "riscv" in arch:
        return Sv39Format()
    if "i386" in arch or "x86" in arch:
        return I386Format()
    raise gdb.GdbError("pagoda: no PTE format for architecture %s" % arch)


# --------------------------------------------------------------------------------------------
# Physical memory


class PhysMem:
    """Reads guest physical memory. With QEMU's gdbstub, physical mode (Qqemu.PhyMemMode) reads
    frames whatever satp holds, even while a user process runs; otherwise the kernel's direct map
    (VA = PA + offset) is used. Use as a context manager around one command."""

    def __init__(self, direct_map_offset=0, physical_mode=True):
        self.offset = direct_map_offset
        self.physical_mode = physical_mode
        self.physical = False
        self.cache = {}

    def __enter__(self):
        if not self.physical_mode:
            # x86: the kernel's variables live at KERNBASE + pa, which physical mode would read as
            # physical addresses; the kernel map is in every process's directory (xv6-x86), so the
            # direct map reaches every frame whatever %cr3 holds.
            self.physical = False
            return self
        try:
            out = gdb.execute("maintenance packet Qqemu.PhyMemMode:1", to_string=True)
            self.physical = "OK" in out
        except gdb.error:
            self.physical = False
        if self.physical:
            # gdb's caches hold virtual-mode reads; they must not answer physical ones.
            self._saved = [gdb.parameter("code-cache"), gdb.parameter("stack-cache")]
            gdb.execute("set code-cache off")
            gdb.execute("set stack-cache off")
            # RISC-V: the kernel's variables are at PA + offset (the upper half): read them at PA.
            _KernelVars.offset = self.offset
        return self

    def __exit__(self, *exc):
        _KernelVars.offset = 0
        if self.physical:
            gdb.execute("maintenance packet Qqemu.PhyMemMode:0", to_string=True)
            gdb.execute("set code-cache %s" % ("on" if self._saved[0] else "off"))
            gdb.execute("set stack-cache %s" % ("on" if self._saved[1] else "off"))
        return False

    def read(self, pa, n):
        addr = pa if self.physical else pa + self.offset
        return bytes(gdb.selected_inferior().read_memory(addr, n))

    def u64(self, pa):
        return struct.unpack("<Q", self.read(pa, 8))[0]

    def table(self, fmt, pa):
        """The entries of the table page at pa (cached for the command)."""
        if pa not in self.cache:
            self.cache[pa] = fmt.unpack_table(self.read(pa, fmt.entries * fmt.pte_bytes))
        return self.cache[pa]


# --------------------------------------------------------------------------------------------
# Reading the kernel's data by name


class _KernelVars:
    """While a command reads in physical mode with the kernel linked at PA + offset (RISC-V's
    upper half), a kernel object is read at its physical address: offset is that offset, else 0."""
    offset = 0


def at_physical(value):
    """value, re-addressed at its physical address when _KernelVars says so (once: a value
    already at a physical address stays)."""
    off = _KernelVars.offset
    addr = value.address if off else None
    if addr is None or (int(addr) & ((1 << 64) - 1)) < off:
        return value
    return gdb.Value((int(addr) & ((1 << 64) - 1)) - off).cast(value.type.pointer()).dereference()


def lookup(*names):
    """The gdb.Value of the first of these global names that exists (static or in an anonymous
    namespace: gdb spells those `pagoda::(anonymous namespace)::g_procs`)."""
    for name in names:
        for spelling in (name, "'%s'" % name):
            try:
                return at_physical(gdb.parse_and_eval(spelling))
            except gdb.error:
                pass
        try:
            sym = gdb.lookup_static_symbol(name)
            if sym is not None:
                return at_physical(sym.value())
        except (gdb.error, AttributeError):
            pass
    return None


def has_field(value, name):
    t = value.type.strip_typedefs()
    if t.code == gdb.TYPE_CODE_PTR:
        t = t.target().strip_typedefs()
    return type_has_field(t, name)


def type_has_field(t, name):
    """Whether struct type t, or one of its base classes, has a member `name`."""
    try:
        fields = t.strip_typedefs().fields()
    except TypeError:
        return False
    for f in fields:
        if f.name == name:
            return True
        if f.is_base_class and type_has_field(f.type, name):
            return True
    return False


def field(value, path):
    """value.a.b.c for path "a.b.c", dereferencing pointers on the way; None on a null pointer."""
    for name in path.split("."):
        if value.type.strip_typedefs().code == gdb.TYPE_CODE_PTR:
            if int(value) == 0:
                return None
            value = at_physical(value.dereference())
        value = value[name]
    return value


def number(value):
    """An integer from an integer, enum, pointer or a one-field address type (PhysAddr: value_)."""
    t = value.type.strip_typedefs()
    if t.code == gdb.TYPE_CODE_STRUCT:
        for name in ("value_", "raw_"):
            if has_field(value, name):
                return number(value[name])
        raise gdb.GdbError("pagoda: cannot read %s as a number" % t)
    return int(value)


def enum_name(value):
    s = str(value)
    return s.split("::")[-1]


def c_string(value):
    try:
        return value.string(length=int(value.type.sizeof)).split("\0")[0]
    except (gdb.error, UnicodeDecodeError):
        return "?"


class KernelModel:
    """Where Pagoda keeps processes, page tables and frames. Symbol names are tried in order, so a
    renamed global needs one more spelling here, not a new command."""

    def __init__(self, fmt):
        self.fmt = fmt
        self._procs = lookup("pagoda::(anonymous namespace)::g_procs", "pagoda::g_procs", "g_procs")
        if self._procs is None:
            raise gdb.GdbError("pagoda: no process table (g_procs): is the kernel's ELF loaded?")
        self._cpus = lookup("pagoda::(anonymous namespace)::g_cpus", "pagoda::g_cpus", "g_cpus")
        self._kernel_table = lookup("pagoda::(anonymous namespace)::g_kernel_table",
                                    "pagoda::g_kernel_table")
        self._frames = lookup("pagoda::(anonymous namespace)::g_frames", "pagoda::g_frames")
        self._kpt = lookup("pagoda::(anonymous namespace)::g_tables", "pagoda::g_tables")

    # The globals above, re-addressed at their physical addresses while a command reads in
    # physical mode (at_physical): looked up before, read during it.
    def __setattr__(self, name, value):
        if name in KernelModel._GLOBALS:
            name = "_raw" + name
        object.__setattr__(self, name, value)

    def __getattr__(self, name):
        if name in KernelModel._GLOBALS:
            v = self.__dict__.get("_raw" + name)
            return None if v is None else at_physical(v)
        raise AttributeError(name)

    _GLOBALS = ("_procs", "_cpus", "_kernel_table", "_frames", "_kpt")

    # -- processes ----------------------------------------------------------------------------
    def procs(self, include_unused=False):
        lo, hi = self._procs.type.strip_typedefs().range()
        out = []
        for slot in range(lo, hi + 1):
            p = self._procs[slot]
            state = enum_name(p["state"])
            if state == "kUnused" and not include_unused:
                continue
            out.append(ProcInfo(self, slot, p, state))
        return out

    def proc(self, pid):
        for p in self.procs():
            if p.pid == pid:
                return p
        raise gdb.GdbError("pagoda: no process with pid %d" % pid)

    def current_proc(self):
        """The process on the selected hart (gdb thread N is hart N-1 under QEMU), or None."""
        if self._cpus is None or gdb.selected_thread() is None:
            return None
        hart = gdb.selected_thread().num - 1
        lo, hi = self._cpus.type.strip_typedefs().range()
        if not lo <= hart <= hi:
            return None
        ptr = self._cpus[hart]["proc"]
        if int(ptr) == 0:
            return None
        slot = (int(ptr) - int(self._procs.address)) // self._procs.type.target().sizeof
        for p in self.procs():
            if p.slot == slot:
                return p
        return None

    # -- the one place that knows how a process reaches its memory ----------------------------
    def proc_memory(self, p):
        """{root, size, kernel_root, regions, trapframe} of Proc value p.

        Proc::memory (kernel/proc/process_memory.h, a ProcessMemory by value) owns the
        AddressSpace as_{table_: PageTable{root_, mem_}, size_}, the RegionList regions_ and the
        design's kernel table kernel_ (PerProcessKernelTable{mirror_: KernelMirror{table_}}; the
        global design's GlobalKernelTable holds nothing). Kernels older than that kept a pointer
        Proc::space to a slot's UserSpace and the kernel tables in g_tables[slot]; both shapes are
        read here and nowhere else.
        """
        m = {"root": None, "size": 0, "kernel_root": None, "regions": None, "trapframe": None}
        if has_field(p, "trapframe"):
            m["trapframe"] = int(p["trapframe"]) or None
        space = None
        if has_field(p, "memory"):  # after pm: a ProcessMemory by value
            mem = p["memory"]
            for name in ("space_", "space", "as_", "as", "address_space_", "address_space"):
                if has_field(mem, name):
                    space = mem[name]
                    break
            for name in ("regions_", "regions"):
                if has_field(mem, name):
                    m["regions"] = self._region_list(mem[name])
            for name in ("kernel_", "kernel_table_", "kernel_table", "kpt_", "kpt"):
                if has_field(mem, name):
                    m["kernel_root"] = self._kernel_table_root(mem[name])
        elif has_field(p, "space"):  # today: a pointer to a slot's UserSpace
            us = p["space"]
            if int(us) != 0:
                space = at_physical(us.dereference())["as"]
        if space is not None and has_field(space, "table_"):
            table = space["table_"]
            if int(table["mem_"]) != 0:
                m["root"] = number(table["root_"])
                m["size"] = int(space["size_"])
        if m["kernel_root"] is None and self._kpt is not None and m["root"] is not None:
            m["kernel_root"] = self._process_kernel_table_root(self._kpt[p_slot(self, p)])
        return m

    def _process_kernel_table_root(self, tables):
        """ProcessKernelTables: the active one of tables_[2] (KernelProcessTable{table_})."""
        active = int(tables["active_"])
        if active < 0:
            return None
        return self._kernel_table_root(tables["tables_"][active])

    def _kernel_table_root(self, kpt):
        """A kernel table's root: PerProcessKernelTable{mirror_: KernelMirror{table_}}, or a
        PageTable; None for the global design (GlobalKernelTable has no table) or an empty one."""
        if has_field(kpt, "mirror_"):
            kpt = kpt["mirror_"]
        if not has_field(kpt, "table_") and not has_field(kpt, "root_"):
            return None
        t = kpt["table_"] if has_field(kpt, "table_") else kpt
        if has_field(t, "mem_") and int(t["mem_"]) == 0:
            return None
        return number(t["root_"])

    def _region_list(self, rl):
        count = int(rl["count_"])
        out = []
        for i in range(count):
            r = rl["regions_"][i]
            out.append({"start": number(r["start"]), "size": int(r["size"]),
                        "perm": int(r["perm"]), "kind": enum_name(r["kind"])})
        return out

    # -- the kernel ---------------------------------------------------------------------------
    def kernel_root(self):
        if self._kernel_table is None:
            return None
        return number(self._kernel_table["root_"])

    def frames(self):
        """The buddy frame allocator's fields (kernel/mm/frame_allocator.h): the free-list head of
        each order, the per-CPU caches (head, count), the zones [start, end) with the pages their
        metadata takes, the free count (lists and caches), [start, end) of all zones, total."""
        f = self._frames
        if f is None:
            raise gdb.GdbError("pagoda: no frame allocator (g_frames)")
        offset = int(f["offset_"])

        def array(v):
            lo, hi = v.type.strip_typedefs().range()
            return [v[i] for i in range(lo, hi + 1)]

        zones = []
        for z in array(f["zones_"])[:int(f["zone_count_"])]:
            start, end = int(z["start"]), int(z["end"])
            meta = int(z["state"].cast(gdb.lookup_type("unsigned long"))) - offset
            zones.append({"start": start, "end": end, "meta": meta})
        caches = [(int(c["head"]), int(c["count"])) for c in array(f["caches_"])]
        free = int(f["free_count_"]) + sum(n for _, n in caches)
        return {"heads": [int(h) for h in array(f["heads_"])], "caches": caches, "zones": zones,
                "free": free, "start": zones[0]["meta"] if zones else 0,
                "end": zones[-1]["end"] if zones else 0, "total": int(f["total_"]),
                "offset": offset}

    def frame_refs(self):
        """The copy-on-write reference counts (mm::FrameRefs, g_frames.refs_; frame_refs.h):
        {first, frames, pages: the physical address of each page of counts}, or None when the
        kernel keeps none (no COW fork: the table was never sized)."""
        f = self._frames
        if f is None or not has_field(f, "refs_"):
            return None
        refs = f["refs_"]
        frames = int(refs["npages_"])
        if frames == 0:
            return None
        per_page = 4096 // int(refs["leaves_"][0].type.target().sizeof)
        offset = int(f["offset_"])
        pages = [int(refs["leaves_"][i]) - offset for i in range(-(-frames // per_page))]
        return {"first": int(refs["first_"]), "frames": frames, "per_page": per_page,
                "pages": pages}

    def scheduler_stacks(self):
        """Kernel addresses inside the stack each hart's scheduler runs on: the sp that Cpu::context
        saved when the hart last switched to a process, else (it never has) the hart's live sp.
        One page each; on RISC-V they lie in the kernel image (entry.S), on x86 the other CPUs'
        come from the frame allocator at boot (start_others)."""
        if self._cpus is None:
            return []
        lo, hi = self._cpus.type.strip_typedefs().range()
        live = {t.num - 1: t for t in gdb.selected_inferior().threads()}
        out = []
        for hart in range(lo, hi + 1):
            sp = int(self._cpus[hart]["context"]["sp"])
            if sp == 0 and hart in live:
                current = gdb.selected_thread()
                live[hart].switch()
                try:
                    sp = int(gdb.parse_and_eval("$sp")) & ((1 << 64) - 1)
                finally:
                    current.switch()
            if sp != 0:
                out.append(sp)
        return out

    def symbol_address(self, name):
        v = lookup(name)
        if v is None:
            return None
        try:
            return int(v.address) if v.address is not None else int(v)
        except gdb.error:
            return None

    def nproc(self):
        lo, hi = self._procs.type.strip_typedefs().range()
        return hi - lo + 1


def p_slot(model, p):
    return (int(p.address) - int(model._procs.address)) // p.type.sizeof


class ProcInfo:
    def __init__(self, model, slot, value, state):
        self.slot = slot
        self.value = value
        self.state = state
        self.pid = int(value["pid"])
        self.name = c_string(value["name"])
        self.mem = model.proc_memory(value)


# --------------------------------------------------------------------------------------------
# Walking


def walk_tree(fmt, mem, root, level=None, base=0, visit=None, depth=1, follow_borrowed=True):
    """Calls visit(pte, va, depth) for every valid entry, depth first (vmprint's order)."""
    level = fmt.levels - 1 if level is None else level
    for i, raw in enumerate(mem.table(fmt, root)):
        pte = fmt.decode(raw, level, i)
        if not pte.valid:
            continue
        va = base + i * fmt.span(level)
        if fmt.name == "sv39" and va >= (1 << 38):
            va |= ~((1 << 39) - 1) & ((1 << 64) - 1)  # sign-extend like the hardware
        descend = visit(pte, va, depth)
        if not pte.leaf and level > 0 and (follow_borrowed or not pte.borrowed) and descend is not False:
            walk_tree(fmt, mem, pte.pa, level - 1, va, visit, depth + 1, follow_borrowed)


def leaves(fmt, mem, root, follow_borrowed=True):
    """[(va, pte)] of every leaf."""
    out = []

    def visit(pte, va, depth):
        if pte.leaf:
            out.append((va, pte))

    walk_tree(fmt, mem, root, visit=visit, follow_borrowed=follow_borrowed)
    return out


def table_pages(fmt, mem, root, follow_borrowed=False):
    """Physical addresses of the table pages of a tree (the root included), borrowed subtrees
    left out unless asked."""
    out = [root]

    def visit(pte, va, depth):
        if not pte.leaf and (follow_borrowed or not pte.borrowed):
            out.append(pte.pa)
            return True
        return False

    walk_tree(fmt, mem, root, visit=visit, follow_borrowed=follow_borrowed)
    return out


def translate(fmt, mem, root, va):
    """The steps of one walk: [(level, index, pte_addr, pte)], then (pa or None, why)."""
    steps = []
    if va >= fmt.max_va and not (fmt.upper_half and va >= fmt.upper_half):
        return steps, None, "VA 0x%x is at or above MAXVA 0x%x" % (va, fmt.max_va)
    table = root
    for level in range(fmt.levels - 1, -1, -1):
        i = fmt.index(va, level)
        pte = fmt.decode(mem.table(fmt, table)[i], level, i)
        steps.append((level, i, table + i * fmt.pte_bytes, pte))
        if not pte.valid:
            return steps, None, "the level-%d PTE is not valid (V clear): a page fault" % level
        if pte.leaf:
            off = va & (fmt.span(level) - 1)
            return steps, pte.pa + off, None
        if level == 0:
            return steps, None, "a level-0 PTE without R, W or X is reserved: a page fault"
        table = pte.pa
    return steps, None, "no leaf"


# --------------------------------------------------------------------------------------------
# Layout


KIB = 1024


def human(n):
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return "%d %s" % (n // size, unit)
    if n >= 1 << 20:
        return "%.1f MiB" % (n / (1 << 20))
    if n >= 1024:
        return "%.1f KiB" % (n / 1024)
    return "%d B" % n


def page_down(n, page=4096):
    return n // page * page


def page_up(n, page=4096):
    return (n + page - 1) // page * page


PERM_BITS = {"R": 1, "W": 2, "X": 4, "U": 8}  # mm::Perm (perm.h): kRead 1, kWrite 2, kExec 4, kUser 8


def layout_of(fmt, mem, info):
    """The regions of a process: its RegionList when the kernel keeps one, else inferred from the
    tree and the size the way exec builds it (xv6's layout: text and data from 0, a guard page
    without U, one stack page, the heap up to the size), plus the trapframe and trampoline."""
    m = info.mem
    regions = []
    if m["root"] is None:
        return regions
    top = {}
    user = {}
    for va, pte in leaves(fmt, mem, m["root"]):
        if va >= fmt.user_top:
            continue  # x86: the kernel map, not the process's layout
        if va < page_up(m["size"]):
            user[va] = pte
        else:
            top[va] = pte
    if m["regions"] is not None:
        for r in m["regions"]:
            perm = "".join(c if r["perm"] & b else "-" for c, b in
                           (("r", 1), ("w", 2), ("x", 4), ("u", 8)))
            regions.append({"start": r["start"], "size": r["size"], "kind": r["kind"][1:].lower(),
                            "perm": perm, "pages": sum(1 for a in list(user) + list(top)
                                                       if r["start"] <= a < r["start"] + r["size"])})
    else:
        kind = None
        run = None
        phase = "text"
        for va in range(0, page_up(m["size"]), 4096):
            pte = user.get(va)
            if pte is None:
                k, perm = "unmapped", "----"
            else:
                perm = pte.perm_string()
                if "U" not in pte.flags:
                    k = "guard"
                    phase = "stack"
                elif phase == "stack":
                    k = "stack"
                    phase = "heap"
                elif phase == "heap":
                    k = "heap"
                elif "X" in pte.flags:
                    k = "text"
                else:
                    k = "data"
            if run and run["kind"] == k and run["perm"] == perm and k != "stack":
                run["size"] += 4096
                run["pages"] += pte is not None
            else:
                run = {"start": va, "size": 4096, "kind": k, "perm": perm, "pages": int(pte is not None)}
                regions.append(run)
                kind = k
    trapframe = fmt.max_va - 2 * 4096
    trampoline = fmt.max_va - 4096
    usyscall = fmt.max_va - 3 * 4096  # the 2024 lab's page (kernel/memlayout.h), if the kernel has it
    for va, pte in sorted(top.items()):
        if any(r["start"] <= va < r["start"] + r["size"] for r in regions):
            continue  # in a region of the list already (a mapping, the usyscall page)
        k = {trapframe: "trapframe", trampoline: "trampoline", usyscall: "usyscall"}.get(va, "other")
        regions.append({"start": va, "size": pte.span, "kind": k, "perm": pte.perm_string(),
                        "pages": 1})
    return regions


# --------------------------------------------------------------------------------------------
# Frame reference counts


class FrameOwners:
    """How many address spaces share a frame copy-on-write, as the kernel counts them (FrameRefs:
    the references beyond the first, one 32-bit word per frame; MAP_SHARED pages are counted apart,
    in kernel/proc/mmap.cc). Each page of counts is read once."""

    def __init__(self, refs, mem):
        self.refs = refs
        self.mem = mem
        self.pages = {}

    def owners(self, pa):
        """1 + the extra references of frame pa, or None if the kernel does not count it."""
        r = self.refs
        if r is None or not r["first"] <= pa < r["first"] + r["frames"] * 4096:
            return None
        i = (pa - r["first"]) // 4096
        page, word = divmod(i, r["per_page"])
        if page not in self.pages:
            self.pages[page] = struct.unpack("<%dI" % r["per_page"],
                                             self.mem.read(r["pages"][page], 4096))
        return 1 + self.pages[page][word]


# --------------------------------------------------------------------------------------------
# Free frames


def free_report(model, fmt, mem, walk=False):
    """Free frames and what holds the others."""
    f = model.frames()
    rep = {"total": f["total"], "free": f["free"], "start": f["start"], "end": f["end"],
           "walked": None, "held": []}
    if walk:
        # Each order's list (a block of 2^order frames per entry, linked through its first word),
        # then each CPU cache's stack of single frames; ~0 ends a list.
        none = (1 << 64) - 1
        n = 0
        seen = set()
        lists = [(h, 1 << order) for order, h in enumerate(f["heads"])] + \
                [(h, 1) for h, _ in f["caches"]]
        for p, frames in lists:
            while p != none and n <= f["free"] + 1:
                if p in seen or not f["start"] <= p < f["end"]:
                    rep["walk_error"] = "bad link 0x%x after %d frames" % (p, n)
                    break
                seen.add(p)
                n += frames
                p = mem.u64(p)
        rep["walked"] = n
    claimed = {}  # frame -> first holder

    def hold(what, frames, optional=False):
        frames = [a for a in frames if f["start"] <= a < f["end"]]
        if optional and not frames:
            return  # none of the allocator's: not worth a line
        new = [a for a in frames if a not in claimed]
        for a in new:
            claimed[a] = what
        rep["held"].append({"what": what, "frames": len(set(frames)), "new": len(set(new))})

    hold("frame allocator: metadata", [a for z in f["zones"] for a in range(z["meta"], z["start"], 4096)])
    refs = model.frame_refs()
    rep["refs"] = None
    if refs is not None:
        # Taken from the allocator at boot for copy-on-write fork and kept for good.
        hold("frame refcounts", refs["pages"])
        rep["refs"] = {"frames": refs["frames"], "per_page": refs["per_page"],
                       "pages": len(refs["pages"])}
    kroot = model.kernel_root()
    if kroot is not None:
        hold("kernel page table: tables", table_pages(fmt, mem, kroot))
        # Kernel stacks: leaves of the kernel table that lie in the allocator's range and are not
        # the direct map (VA = PA + the direct map's offset: 0, or KERNBASE on x86).
        stacks = [pte.pa for va, pte in leaves(fmt, mem, kroot)
                  if va != pte.pa + mem.offset and f["start"] <= pte.pa < f["end"]]
        hold("kernel stacks", stacks)
    hold("scheduler stacks", [page_down(sp) - f["offset"] for sp in model.scheduler_stacks()],
         optional=True)
    for p in model.procs():
        m = p.mem
        who = "pid %d %s" % (p.pid, p.name)
        if m["trapframe"]:
            # Proc::trapframe is a kernel address: the frame's direct-map address.
            hold(who + ": trapframe", [m["trapframe"] - f["offset"]])
        if m["root"] is not None:
            hold(who + ": user tables", table_pages(fmt, mem, m["root"]))
            # Every leaf below the trapframe: the heap and what lies below it, the mappings above
            # it, the usyscall page. A superpage leaf holds every 4 KiB frame of its span.
            hold(who + ": user pages", [pte.pa + off for va, pte in leaves(fmt, mem, m["root"])
                                        if va < fmt.user_pages_end
                                        for off in range(0, pte.span if pte.superpage else 4096, 4096)])
        if m["kernel_root"] is not None:
            hold(who + ": kernel tables", table_pages(fmt, mem, m["kernel_root"]))
    rep["accounted"] = len(claimed)
    rep["other"] = f["total"] - f["free"] - len(claimed)
    return rep


# --------------------------------------------------------------------------------------------
# Output


def hex16(n):
    return "0x%016x" % n


class Printer:
    def __init__(self, fmt):
        self.fmt = fmt
        self.w = 16 if fmt.pte_bytes == 8 else 8

    def h(self, n):
        return "0x%0*x" % (self.w, n)


def fold_bits(pte):
    """What two leaves must share to be folded into one line: their flags but A and D (which the
    hardware sets page by page), and their marks."""
    return (tuple(f for f in pte.flags if f not in ("A", "D")), pte.cow, pte.superpage)


def print_tree(fmt, mem, root, full=False, out=print):
    """A page table as a tree. Runs of similar leaves (contiguous frames, the same flags) are
    folded into one line unless full."""
    pr = Printer(fmt)
    lines = []
    run = {"n": 0}

    def flush():
        if run["n"] > 1:
            lines.append("%s... %d more like it (A/D aside), up to va %s pa %s" % (
                "  " * run["depth"], run["n"] - 1, pr.h(run["va_end"] - 1), pr.h(run["pa_end"] - 1)))
        run["n"] = 0

    def visit(pte, va, depth):
        if (not full and pte.leaf and run["n"] > 0 and run["depth"] == depth
                and va == run["va_end"] and pte.pa == run["pa_end"]
                and fold_bits(pte) == run["bits"]):
            run["n"] += 1
            run["va_end"] += pte.span
            run["pa_end"] += pte.span
            return
        flush()
        end = va + pte.span - 1
        head = "%s[%d] %s-%s pte %s" % ("  " * depth, pte.index, pr.h(va), pr.h(end), pr.h(pte.raw))
        if pte.leaf:
            lines.append("%s pa %s %s" % (head, pr.h(pte.pa), pte.flag_string()))
            run.update(n=1, depth=depth, va_end=va + pte.span, pa_end=pte.pa + pte.span,
                       bits=fold_bits(pte))
        else:
            lines.append("%s -> table %s %s" % (head, pr.h(pte.pa), pte.flag_string()))

    walk_tree(fmt, mem, root, visit=visit)
    flush()
    for line in lines:
        out(line)


def print_vmprint(fmt, mem, root, out=print):
    """Exactly the kernel's vmprint (kernel/mm/page_table_print.cc)."""
    out("page table 0x%016x" % root)

    def visit(pte, va, depth):
        out("%s%d: pte 0x%016x pa 0x%016x" % (" .." * depth, pte.index, pte.raw, pte.pa))

    walk_tree(fmt, mem, root, visit=visit)


# --------------------------------------------------------------------------------------------
# Commands


def parse(arg):
    words = gdb.string_to_argv(arg)
    opts = {w for w in words if w.startswith("--")}
    rest = [w for w in words if not w.startswith("--")]
    return rest, opts


def eval_int(s):
    return int(gdb.parse_and_eval(s)) & ((1 << 64) - 1)


class Session:
    """What one command needs: the format, the model, physical memory."""

    def __init__(self):
        self.fmt = format_for_target()
        self.model = KernelModel(self.fmt)
        # Both kernels direct-map RAM: RISC-V at the upper half (read in physical mode, since a
        # per-process design's user table lacks the kernel), x86 at KERNBASE (in every directory).
        self.mem = (PhysMem(Sv39Format.upper_half) if self.fmt.name == "sv39"
                    else PhysMem(0x80000000, physical_mode=False))

    def token_root(self):
        reg = "satp" if self.fmt.name == "sv39" else "cr3"
        try:
            token = int(gdb.parse_and_eval("$" + reg)) & ((1 << 64) - 1)  # gdb reads it signed
            return self.fmt.root_from_token(token)
        except gdb.error:
            return None

    def select(self, rest, opts):
        """(title, root) for [PID|kernel] [--kernel]; default the current process or satp."""
        want_kernel = "--kernel" in opts
        if rest and rest[0] in ("kernel", "k"):
            return "the kernel page table", self.model.kernel_root(), None
        if rest:
            p = self.model.proc(int(rest[0], 0))
        else:
            p = self.model.current_proc()
            if p is None:
                root = self.token_root()
                if root is None:
                    raise gdb.GdbError("pagoda: no current process and paging is off")
                return "the table in %s (no process on this hart)" % (
                    "satp" if self.fmt.name == "sv39" else "cr3"), root, None
        if want_kernel:
            if p.mem["kernel_root"] is None:
                raise gdb.GdbError("pagoda: pid %d has no kernel page table of its own "
                                   "(global design)" % p.pid)
            return "the kernel page table of pid %d (%s)" % (p.pid, p.name), p.mem["kernel_root"], p
        if p.mem["root"] is None:
            raise gdb.GdbError("pagoda: pid %d has no address space" % p.pid)
        return "pid %d (%s)" % (p.pid, p.name), p.mem["root"], p


class PagodaPrefix(gdb.Command):
    """Pagoda's page-table commands: procs, pt, vtop, layout, free, dump-json."""

    def __init__(self):
        super().__init__("pagoda", gdb.COMMAND_DATA, prefix=True)


class ProcsCommand(gdb.Command):
    """pagoda procs: the process table (pid, state, name, size, user and kernel page-table roots,
    the hart it runs on)."""

    def __init__(self):
        super().__init__("pagoda procs", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        s = Session()
        cur = s.model.current_proc()
        print("%-4s %-4s %-9s %-15s %10s  %-18s %-18s" % ("slot", "pid", "state", "name", "size",
                                                          "page table", "kernel table"))
        for p in s.model.procs():
            m = p.mem
            print("%-4d %-4d %-9s %-15s %10d  %-18s %-18s%s" % (
                p.slot, p.pid, p.state[1:].lower(), p.name, m["size"],
                hex16(m["root"]) if m["root"] is not None else "-",
                hex16(m["kernel_root"]) if m["kernel_root"] is not None else "-",
                "  <- current" if cur is not None and cur.slot == p.slot else ""))


class PtCommand(gdb.Command):
    """pagoda pt [PID|kernel] [--kernel] [--vmprint] [--full]: a page table as a tree, each line
    with the VA range it covers, the PTE, the frame and its flags (V R W X U G A D; BORROWED, COW,
    SUPER). Default: the current process's table. --kernel: the process's own kernel table.
    --vmprint: the kernel's vmprint format. --full: do not fold runs of similar leaves."""

    def __init__(self):
        super().__init__("pagoda pt", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        s = Session()
        rest, opts = parse(arg)
        with s.mem:
            title, root, _ = s.select(rest, opts)
            if "--vmprint" in opts:
                print_vmprint(s.fmt, s.mem, root)
                return
            print("%s: %s, root %s" % (title, s.fmt.name, hex16(root)))
            print_tree(s.fmt, s.mem, root, full="--full" in opts)


class VtopCommand(gdb.Command):
    """pagoda vtop VA [PID|kernel] [--kernel] [--bytes=N]: translate VA step by step: the index at
    each level, the PTE read and where, and the physical address, or where the walk stops and why.
    --bytes=N also dumps the first N bytes at that physical address (within its page)."""

    def __init__(self):
        super().__init__("pagoda vtop", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        s = Session()
        rest, opts = parse(arg)
        if not rest:
            raise gdb.GdbError("usage: pagoda vtop VA [PID|kernel] [--kernel]")
        va = eval_int(rest[0])
        with s.mem:
            title, root, _ = s.select(rest[1:], opts)
            pr = Printer(s.fmt)
            print("vtop %s in %s: %s, root %s" % (pr.h(va), title, s.fmt.name, hex16(root)))
            steps, pa, why = translate(s.fmt, s.mem, root, va)
            for level, index, where, pte in steps:
                hi, lo = s.fmt.va_bits_of(level)
                kind = ("page %s" % pr.h(pte.pa)) if pte.leaf else (
                    "table %s" % pr.h(pte.pa) if pte.valid else "invalid")
                print("  level %d: index %3d (va[%d:%d])  pte at %s = %s  %-14s -> %s" % (
                    level, index, hi, lo, hex16(where), pr.h(pte.raw), pte.flag_string() or "-", kind))
            if pa is None:
                print("  stops: " + why)
            else:
                last = steps[-1][3]
                off = va & (last.span - 1)
                print("  pa = %s + offset 0x%x = %s  (%s page, %s%s)" % (
                    pr.h(last.pa), off, pr.h(pa), human(last.span), last.perm_string(),
                    "" if "U" in last.flags else ", kernel only"))
                n = next((int(o.split("=", 1)[1], 0) for o in opts if o.startswith("--bytes=")), 0)
                n = min(n, last.span - off)  # never past the page
                if n > 0:
                    data = s.mem.read(pa, n)
                    for i in range(0, n, 16):
                        print("  %s: %s" % (pr.h(pa + i), " ".join("%02x" % b for b in data[i:i + 16])))


class LayoutCommand(gdb.Command):
    """pagoda layout [PID]: the regions of a process's address space (text, data, guard, stack,
    heap, mapped files, trapframe, trampoline), from its region list or inferred from its tree."""

    def __init__(self):
        super().__init__("pagoda layout", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        s = Session()
        rest, opts = parse(arg)
        with s.mem:
            title, root, p = s.select(rest, set())
            if p is None:
                raise gdb.GdbError("pagoda: layout needs a process")
            src = "region list" if p.mem["regions"] is not None else "inferred from the page table"
            print("%s: size %d (%s), %s" % (title, p.mem["size"], human(page_up(p.mem["size"])), src))
            for r in layout_of(s.fmt, s.mem, p):
                print("  %s-%s %10s  %s  %-10s %d pages" % (
                    hex16(r["start"]), hex16(r["start"] + r["size"] - 1), human(r["size"]),
                    r["perm"], r["kind"], r["pages"]))


class FreeCommand(gdb.Command):
    """pagoda free [--walk]: free frames (the allocator's count; --walk follows the free list too)
    and what holds the others: kernel tables, kernel stacks, and per process its trapframe, user
    tables, user pages and kernel tables."""

    def __init__(self):
        super().__init__("pagoda free", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        s = Session()
        rest, opts = parse(arg)
        with s.mem:
            rep = free_report(s.model, s.fmt, s.mem, walk="--walk" in opts)
        print("frames %s-%s: %d total, %d free, %d in use" % (
            hex16(rep["start"]), hex16(rep["end"]), rep["total"], rep["free"],
            rep["total"] - rep["free"]))
        if rep["walked"] is not None:
            print("free list walked: %d frames%s" % (
                rep["walked"], " (matches)" if rep["walked"] == rep["free"] else " (MISMATCH)"))
        if "walk_error" in rep:
            print("free list: " + rep["walk_error"])
        if rep["refs"] is not None:
            print("frame refcounts: %d pages, one per %d frames, for %d frames" % (
                rep["refs"]["pages"], rep["refs"]["per_page"], rep["refs"]["frames"]))
        print("held by:")
        for h in rep["held"]:
            shared = h["frames"] - h["new"]
            print("  %-40s %6d%s" % (h["what"], h["frames"],
                                     " (%d counted above)" % shared if shared else ""))
        print("  %-40s %6d" % ("other (pipes, exec in flight, ...)", rep["other"]))


# --------------------------------------------------------------------------------------------
# JSON for the viewer


def tree_json(fmt, mem, root, level=None, depth=0, owners=None):
    """{pa, level, entries:[{i, pte, pa, flags, leaf, level, borrowed, cow, super, owners,
    child}]}. owners (a FrameOwners): on each leaf, FrameRefs' count of its frame's owners (the
    first frame of a superpage), when the kernel keeps counts. Borrowed subtrees are not
    descended: the viewer finds the lender's table by the entry's pa."""
    level = fmt.levels - 1 if level is None else level
    node = {"pa": "0x%x" % root, "level": level, "entries": []}
    for i, raw in enumerate(mem.table(fmt, root)):
        pte = fmt.decode(raw, level, i)
        if not pte.valid:
            continue
        e = {"i": i, "pte": "0x%x" % raw, "pa": "0x%x" % pte.pa, "flags": pte.flags,
             "leaf": pte.leaf, "level": level}
        if pte.borrowed:
            e["borrowed"] = True
        if pte.cow:
            e["cow"] = True
        if pte.superpage:
            e["super"] = True
        if pte.leaf and owners is not None:
            n = owners.owners(pte.pa)
            if n is not None:
                e["owners"] = n
        if not pte.leaf and level > 0 and not pte.borrowed:
            e["child"] = tree_json(fmt, mem, pte.pa, level - 1, depth + 1, owners)
        node["entries"].append(e)
    return node


def dump(session, walk_free=False):
    fmt, model, mem = session.fmt, session.model, session.mem
    out = {"format": fmt.name, "levels": fmt.levels, "index_bits": fmt.index_bits,
           "max_va": "0x%x" % fmt.max_va, "page_size": 4096, "procs": [], "kernel": None}
    owners = FrameOwners(model.frame_refs(), mem)
    kroot = model.kernel_root()
    if kroot is not None:
        out["kernel"] = {"root": "0x%x" % kroot, "tree": tree_json(fmt, mem, kroot)}
    for p in model.procs():
        m = p.mem
        e = {"pid": p.pid, "name": p.name, "state": p.state[1:].lower(), "slot": p.slot,
             "size": m["size"], "root": "0x%x" % m["root"] if m["root"] is not None else None,
             "kernel_root": "0x%x" % m["kernel_root"] if m["kernel_root"] is not None else None,
             "trapframe": "0x%x" % m["trapframe"] if m["trapframe"] else None,
             "regions_source": "region list" if m["regions"] is not None else "inferred"}
        if m["root"] is not None:
            e["tree"] = tree_json(fmt, mem, m["root"], owners=owners)
            e["layout"] = [dict(r, start="0x%x" % r["start"]) for r in layout_of(fmt, mem, p)]
        if m["kernel_root"] is not None:
            e["kernel_tree"] = tree_json(fmt, mem, m["kernel_root"])
        out["procs"].append(e)
    rep = free_report(model, fmt, mem, walk=walk_free)
    out["free"] = {k: rep[k] for k in ("total", "free", "walked", "accounted", "other", "held",
                                       "refs")}
    return out


class DumpJsonCommand(gdb.Command):
    """pagoda dump-json FILE [--walk]: every process's page tables (user and kernel), layout, the
    kernel page table and the frame counts as JSON, for tools/view."""

    def __init__(self):
        super().__init__("pagoda dump-json", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        s = Session()
        rest, opts = parse(arg)
        if not rest:
            raise gdb.GdbError("usage: pagoda dump-json FILE")
        with s.mem:
            data = dump(s, walk_free="--walk" in opts)
        with open(rest[0], "w") as f:
            json.dump(data, f, separators=(",", ":"))
        print("pagoda: wrote %s (%d processes)" % (rest[0], len(data["procs"])))


PagodaPrefix()
ProcsCommand()
PtCommand()
VtopCommand()
LayoutCommand()
FreeCommand()
DumpJsonCommand()
