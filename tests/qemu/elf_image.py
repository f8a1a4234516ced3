"""What a loader puts in memory from an ELF executable, for the tests that compare guest memory
with the file: the PT_LOAD segments of a little-endian ELF32 (x86) or ELF64 (RISC-V) file, the
class byte (e_ident[EI_CLASS]) saying which layout its headers have (ELF spec, "ELF Header" and
"Program Header")."""

import struct

PT_LOAD = 1
# Per class: e_phoff's offset and format, e_phentsize/e_phnum's offset, and one program header
# as (p_type, p_offset, p_vaddr, p_filesz) in file order of the fields.
_CLASSES = {
    1: (0x1C, "<I", 0x2A, "<IIIIIIII", lambda h: (h[0], h[1], h[2], h[4])),  # ELF32
    2: (0x20, "<Q", 0x36, "<IIQQQQQQ", lambda h: (h[0], h[2], h[3], h[5])),  # ELF64
}


def load_segments(data):
    """[(offset, vaddr, filesz)] of every PT_LOAD segment of the ELF image `data` (bytes)."""
    if data[:4] != b"\x7fELF" or data[4] not in _CLASSES or data[5] != 1:
        raise RuntimeError("not a little-endian ELF32 or ELF64 file")
    phoff_at, phoff_fmt, ph_at, ph_fmt, fields = _CLASSES[data[4]]
    phoff, = struct.unpack_from(phoff_fmt, data, phoff_at)
    phentsize, phnum = struct.unpack_from("<HH", data, ph_at)
    out = []
    for i in range(phnum):
        p_type, off, vaddr, filesz = fields(struct.unpack_from(ph_fmt, data, phoff + i * phentsize))
        if p_type == PT_LOAD:
            out.append((off, vaddr, filesz))
    return out


def loaded_bytes(path, va, n):
    """n bytes of the loaded image at va, from the PT_LOAD segment whose file part holds them."""
    with open(path, "rb") as f:
        data = f.read()
    for off, vaddr, filesz in load_segments(data):
        if vaddr <= va and va + n <= vaddr + filesz:
            return data[off + va - vaddr:off + va - vaddr + n]
    raise RuntimeError("0x%x not in a loaded segment of %s" % (va, path))


SHT_SYMTAB = 2
# Per class: e_shoff (offset, format), e_shentsize/e_shnum, one section header as
# (sh_type, sh_offset, sh_size, sh_link, sh_entsize), one symbol as (st_name, st_value).
_SECTIONS = {
    1: (0x20, "<I", 0x2E, "<IIIIIIIIII", lambda h: (h[1], h[4], h[5], h[6], h[9]),
        "<III", lambda s: (s[0], s[1])),
    2: (0x28, "<Q", 0x3A, "<IIQQQQIIQQ", lambda h: (h[1], h[4], h[5], h[6], h[9]),
        "<IBBHQ", lambda s: (s[0], s[4])),
}


def symbol(path, name):
    """The value of symbol `name` in the ELF file's symbol table (the file must keep one)."""
    with open(path, "rb") as f:
        data = f.read()
    load_segments(data)  # checks the header
    shoff_at, shoff_fmt, sh_at, sh_fmt, sh_fields, sym_fmt, sym_fields = _SECTIONS[data[4]]
    shoff, = struct.unpack_from(shoff_fmt, data, shoff_at)
    shentsize, shnum = struct.unpack_from("<HH", data, sh_at)
    sections = [sh_fields(struct.unpack_from(sh_fmt, data, shoff + i * shentsize))
                for i in range(shnum)]
    want = name.encode()
    for sh_type, off, size, link, entsize in sections:
        if sh_type != SHT_SYMTAB:
            continue
        strtab = sections[link][1]
        for at in range(off, off + size, entsize):
            st_name, value = sym_fields(struct.unpack_from(sym_fmt, data, at))
            end = data.index(b"\0", strtab + st_name)
            if data[strtab + st_name:end] == want:
                return value
    raise RuntimeError("no symbol %s in %s" % (name, path))
