"""What a file is, judged by its first bytes, never by its name."""

from __future__ import annotations

import enum
import struct

HEAD_BYTES = 4096
"""How much of a file ``sniff`` wants to see (tar's magic sits at offset 257)."""


class FileType(enum.StrEnum):
    """Content types the file scanner tells apart."""

    EMPTY = "empty"
    ELF = "elf"
    PE = "pe"
    MACHO = "mach-o"
    WASM = "wasm"
    ZIP = "zip"
    TAR = "tar"
    GZIP = "gzip"
    BZIP2 = "bzip2"
    XZ = "xz"
    SCRIPT = "script"
    TEXT = "text"
    DATA = "data"

    @property
    def is_archive(self) -> bool:
        return self in _ARCHIVES

    @property
    def is_compressed(self) -> bool:
        """A compressed stream: a single file or a compressed tar."""
        return self in (FileType.GZIP, FileType.BZIP2, FileType.XZ)


_ARCHIVES = frozenset({FileType.ZIP, FileType.TAR, FileType.GZIP, FileType.BZIP2, FileType.XZ})
_MAGIC: tuple[tuple[bytes, FileType], ...] = (
    (b"\x7fELF", FileType.ELF),
    (b"\0asm", FileType.WASM),
    (b"PK\x03\x04", FileType.ZIP),
    (b"PK\x05\x06", FileType.ZIP),  # an empty zip
    (b"\x1f\x8b", FileType.GZIP),
    (b"BZh", FileType.BZIP2),
    (b"\xfd7zXZ\0", FileType.XZ),
    (b"\xcf\xfa\xed\xfe", FileType.MACHO),
    (b"\xce\xfa\xed\xfe", FileType.MACHO),
    (b"\xca\xfe\xba\xbe", FileType.MACHO),  # fat binary (also Java class files; both binary)
    (b"#!", FileType.SCRIPT),
)


def sniff(head: bytes) -> FileType:
    """The type of a file whose first bytes (up to HEAD_BYTES) are ``head``."""
    if not head:
        return FileType.EMPTY
    for magic, ftype in _MAGIC:
        if head.startswith(magic):
            return ftype
    if head.startswith(b"MZ") and _is_pe(head):
        return FileType.PE
    if len(head) >= 262 and head[257:262] == b"ustar":
        return FileType.TAR
    if b"\0" not in head:
        return FileType.TEXT
    return FileType.DATA


def _is_pe(head: bytes) -> bool:
    if len(head) < 0x40:
        return False
    (pe_off,) = struct.unpack_from("<I", head, 0x3C)
    return head[pe_off : pe_off + 4] == b"PE\0\0" if pe_off + 4 <= len(head) else True


def elf_truncation(head: bytes, size: int) -> str | None:
    """Why an ELF file of ``size`` bytes is cut short, or None if its headers fit.

    A truncated ELF cannot run and YARA-X's elf module sees only part of it, so the scan
    of such a file is incomplete: the caller reports it as skipped (after a raw scan).
    """
    if len(head) < 0x34 or head[4] not in (1, 2) or head[5] not in (1, 2):
        return f"truncated ELF: {size} bytes, shorter than an ELF header"
    end = "<" if head[5] == 1 else ">"
    if head[4] == 2:  # ELFCLASS64
        if len(head) < 0x40:
            return f"truncated ELF: {size} bytes, shorter than an ELF header"
        phoff, shoff = struct.unpack_from(end + "QQ", head, 0x20)
        phentsize, phnum, shentsize, shnum = struct.unpack_from(end + "HHHH", head, 0x36)
    else:
        phoff, shoff = struct.unpack_from(end + "II", head, 0x1C)
        phentsize, phnum, shentsize, shnum = struct.unpack_from(end + "HHHH", head, 0x2A)
    if phnum and (ends := phoff + phnum * phentsize) > size:
        return f"truncated ELF: program headers end at {ends}, file has {size} bytes"
    if shoff and (ends := shoff + shnum * shentsize) > size:
        return f"truncated ELF: section headers end at {ends}, file has {size} bytes"
    # Segments whose headers fit in the bytes we were given must fit in the file too.
    # p_offset and p_filesz: at 8 and 32 in Elf64_Phdr, at 4 and 16 in Elf32_Phdr.
    fmt, at_off, at_size = (end + "Q", 8, 32) if head[4] == 2 else (end + "I", 4, 16)
    for i in range(phnum):
        at = phoff + i * phentsize
        if at + phentsize > len(head):
            break
        (offset,) = struct.unpack_from(fmt, head, at + at_off)
        (filesz,) = struct.unpack_from(fmt, head, at + at_size)
        if offset + filesz > size:
            return f"truncated ELF: segment {i} ends at {offset + filesz}, file has {size} bytes"
    return None
