"""Walking the trees to scan: regular files out, everything else a count or a skip.

Symlinks are not followed by default: a link to something inside the scanned trees is
scanned where its target lives, a link out of the trees is left alone (counted). With
``follow_symlinks`` every link is followed, and each directory and file is visited once
(by device and inode), so link cycles end. A link that loops (ELOOP) is a skip either way.
Pseudo file systems (/proc, /sys, /dev ...) below a root are not entered.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from .worker import FileJob

Skip = Callable[[str, str], None]
Count = Callable[[str], None]

_PSEUDO_FS = frozenset(
    {
        *("proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "debugfs", "tracefs"),
        *("securityfs", "pstore", "bpf", "configfs", "fusectl", "mqueue", "hugetlbfs"),
        *("autofs", "binfmt_misc", "efivarfs", "selinuxfs", "nsfs"),
    }
)
_KIND = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def _pseudo_devices() -> frozenset[int]:
    """Device numbers of pseudo file systems mounted on this host."""
    devs: set[int] = set()
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as fh:
            lines = fh.readlines()
    except OSError:
        return frozenset()
    for line in lines:
        pre, _, post = line.partition(" - ")
        fields, post_fields = pre.split(), post.split()
        if len(fields) >= 5 and post_fields and post_fields[0] in _PSEUDO_FS:
            try:
                devs.add(os.stat(fields[4].replace("\\040", " ")).st_dev)
            except OSError:
                continue
    return frozenset(devs)


@dataclass
class Walker:
    """Yields a FileJob per regular file under ``roots``; reports the rest."""

    roots: Sequence[str]
    skip: Skip
    count: Count
    follow_symlinks: bool = False
    _real_roots: tuple[str, ...] = ()
    _seen: set[tuple[int, int]] = field(default_factory=set)
    _pseudo: frozenset[int] = frozenset()

    def __iter__(self) -> Iterator[FileJob]:
        self._real_roots = tuple(os.path.realpath(r) for r in self.roots)
        self._pseudo = _pseudo_devices()
        for root in self.roots:
            try:
                st = os.stat(root)  # roots themselves are followed, like find -H
            except OSError as e:
                self.skip(root, _why(e))
                continue
            if stat.S_ISDIR(st.st_mode):
                self._seen.add((st.st_dev, st.st_ino))
                yield from self._tree(root)
            else:
                yield from self._file(root, os.path.normpath(root), st)

    def exclude(self, directory: str) -> None:
        """Never enter ``directory`` (minehunt's own working files), also once the walk is
        under way."""
        try:
            st = os.stat(directory)
        except OSError:
            return
        self._seen.add((st.st_dev, st.st_ino))

    def _inside(self, real: str) -> bool:
        return any(real == r or real.startswith(r.rstrip("/") + "/") for r in self._real_roots)

    def _tree(self, top: str) -> Iterator[FileJob]:
        stack = [top]
        while stack:
            d = stack.pop()
            try:
                with os.scandir(d) as it:
                    entries = list(it)
            except OSError as e:
                self.skip(d, f"directory unreadable: {_why(e)}")
                continue
            self.count("directories")
            for entry in entries:
                path = os.path.normpath(entry.path)
                try:
                    st = entry.stat(follow_symlinks=False)
                    if stat.S_ISLNK(st.st_mode):
                        target = self._link(path)
                        if target is None:
                            continue
                        st = target
                except OSError as e:
                    self.skip(path, _why(e))
                    continue
                if stat.S_ISDIR(st.st_mode):
                    key = (st.st_dev, st.st_ino)
                    if st.st_dev in self._pseudo:
                        self.count("pseudo_filesystems_not_entered")
                    elif key not in self._seen:
                        self._seen.add(key)
                        stack.append(path)
                else:
                    yield from self._file(path, path, st)

    def _link(self, path: str) -> os.stat_result | None:
        """The stat of the link's target if it is to be followed, else None (counted)."""
        try:
            target = os.stat(path)
        except OSError as e:
            if e.errno == errno.ELOOP:
                self.skip(path, "symlink loop")
            else:
                self.count("symlinks_dangling")
            return None
        if self.follow_symlinks:
            return target
        self.count(
            "symlinks_in_tree" if self._inside(os.path.realpath(path)) else "symlinks_out_of_tree"
        )
        return None

    def _file(self, path: str, display: str, st: os.stat_result) -> Iterator[FileJob]:
        kind = stat.S_IFMT(st.st_mode)
        if kind != stat.S_IFREG:
            self.skip(display, f"not a regular file ({_KIND.get(kind, 'special file')})")
            return
        if self.follow_symlinks:
            key = (st.st_dev, st.st_ino)
            if key in self._seen:
                return
            self._seen.add(key)
        self.count("files")
        yield FileJob(path, display, st.st_size)


def _why(e: OSError) -> str:
    if e.errno == errno.ELOOP:
        return "symlink loop"
    if isinstance(e, PermissionError):
        return "permission denied"
    if isinstance(e, FileNotFoundError):
        return "no such file or directory"
    return e.strerror or str(e)
