"""Container images: OCI layouts (directory or tar), `docker save` archives, and images of
the local Podman/Docker store, scanned layer by layer with the files engine plus the
image's configuration and history.

No OCI library on PyPI is both maintained and able to read all three forms offline without
a registry client, so the few JSON documents are read here directly (OCI image-spec 1.1:
index.json, manifests, configs; Docker's manifest.json of `docker save`). Layers are tar
streams; every regular file of every layer is scanned, so a miner that a later layer
deletes (still shipped in the image, a `docker run --entrypoint` away) is found too and
said to be hidden by a whiteout.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import posixpath
import shutil
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, cast

from minehunt.cloud.deploy import miner_indicator
from minehunt.correlate import Signal, group
from minehunt.indicators import scan_text
from minehunt.intel import Intel
from minehunt.model import CheckId, Evidence, Finding, Target, TargetKind
from minehunt.report import Collector
from minehunt.rules import RuleSet

_MAX_JSON = 8 << 20
"""Largest index, manifest or config read (8 MiB; real ones are kilobytes); a larger one
makes the image unreadable with this limit named. Layers are streamed, never read whole."""
_WHITEOUT = ".wh."
_OPAQUE = ".wh..wh..opq"


class ImageError(Exception):
    """The input is not an image minehunt can read (a usage error, not a skipped layer)."""


@dataclass(frozen=True)
class ImageLimits:
    max_file_size: int = 256 << 20
    """Files larger than this inside a layer are skipped."""
    max_total: int = 8 << 30
    """Bytes unpacked from all layers at most; the rest is skipped."""


@dataclass
class Layer:
    index: int
    """0 for the base layer."""
    digest: str
    """sha256:… of the blob as stored (compressed)."""
    created_by: str | None = None


@dataclass
class Image:
    """An image opened for reading: config, layers (base first), and a blob reader."""

    ref: str
    config: dict[str, Any]
    layers: list[Layer]
    _open_blob: Any = field(repr=False)
    archive: str | None = None
    """The file on disk holding the image (tar forms), for finding locations."""

    def blob(self, digest: str) -> IO[bytes]:
        f: IO[bytes] = self._open_blob(digest)
        return f


# -- opening the three forms ------------------------------------------------------------------


def _json(data: bytes, what: str) -> Any:
    if len(data) > _MAX_JSON:
        raise ImageError(f"{what} is larger than {_MAX_JSON >> 20} MiB")
    try:
        return json.loads(data)
    except ValueError as e:
        raise ImageError(f"{what} is not JSON: {e}") from e


def _blob_name(digest: str) -> str:
    algo, _, hexd = digest.partition(":")
    if algo != "sha256" or len(hexd) != 64 or not all(c in "0123456789abcdef" for c in hexd):
        raise ImageError(f"unsupported or malformed digest {digest[:80]!r}")
    return f"blobs/sha256/{hexd}"


def _obj(value: Any, what: str) -> dict[str, Any]:
    """A JSON object of the image's metadata; anything else is a malformed image."""
    if not isinstance(value, dict):
        raise ImageError(f"{what} is not a JSON object")
    return value


def _digest(desc: Any, what: str) -> str:
    """The ``digest`` string of a descriptor object."""
    d = _obj(desc, what).get("digest")
    if not isinstance(d, str):
        raise ImageError(f"{what} names no digest")
    return d


def _dict_at(obj: dict[str, Any], key: str) -> dict[str, Any]:
    """A nested object, or empty when absent or of another JSON type (tolerated: only read)."""
    v = obj.get(key)
    return v if isinstance(v, dict) else {}


def _list_at(obj: dict[str, Any], key: str) -> list[Any]:
    """A nested array; a lone string counts as one element (Cmd/Entrypoint shell form)."""
    v = obj.get(key)
    if isinstance(v, str):
        return [v]
    return v if isinstance(v, list) else []


def _history(config: dict[str, Any]) -> list[str | None]:
    """created_by of each history entry that made a layer (empty_layer ones make none)."""
    hist = config.get("history")
    out: list[str | None] = []
    for h in hist if isinstance(hist, list) else []:
        if isinstance(h, dict) and not h.get("empty_layer"):
            cb = h.get("created_by")
            out.append(cb if isinstance(cb, str) else None)
    return out


def _head(f: IO[bytes]) -> bytes:
    """A metadata file, read no further than one byte past _MAX_JSON (`_json` refuses it)."""
    with f:
        return f.read(_MAX_JSON + 1)


def _oci(ref: str, open_: Any, archive: str | None) -> Image:
    """An OCI layout; ``open_(name) -> IO[bytes]`` opens a file of the layout."""

    def read(name: str) -> bytes:
        return _head(open_(name))

    index = _json(read("index.json"), "index.json")
    manifests = index.get("manifests") if isinstance(index, dict) else None
    if not isinstance(manifests, list) or not manifests:
        raise ImageError("index.json lists no manifest")
    desc = manifests[0]
    if "#" in ref:
        wanted = ref.rsplit("#", 1)[1]
        for m in manifests:
            if not isinstance(m, dict):
                continue
            ann = _dict_at(m, "annotations")
            if wanted in (ann.get("org.opencontainers.image.ref.name"), m.get("digest")):
                desc = m
    manifest = _obj(_json(read(_blob_name(_digest(desc, "index entry"))), "manifest"), "manifest")
    entries = manifest.get("manifests")
    if isinstance(entries, list) and entries:
        # An image index (multi-platform): take the first linux/amd64 entry, else the first.
        pick = next(
            (
                e
                for e in entries
                if isinstance(e, dict) and _dict_at(e, "platform").get("architecture") == "amd64"
            ),
            entries[0],
        )
        manifest = _obj(
            _json(read(_blob_name(_digest(pick, "index entry"))), "manifest"), "manifest"
        )
    config_digest = _digest(manifest.get("config"), "manifest config")
    config = _obj(_json(read(_blob_name(config_digest)), "image config"), "image config")
    hist = _history(config)
    layers = [
        Layer(i, _digest(d, "manifest layer"), hist[i] if i < len(hist) else None)
        for i, d in enumerate(_list_at(manifest, "layers"))
    ]

    def open_blob(digest: str) -> IO[bytes]:
        f: IO[bytes] = open_(_blob_name(digest))
        return f

    return Image(ref, config, layers, open_blob, archive)


def _docker_archive(ref: str, tar: tarfile.TarFile, archive: str) -> Image:
    """`docker save` / docker-archive: manifest.json names a config file and layer tars."""

    def open_member(name: str) -> IO[bytes]:
        try:
            f = tar.extractfile(name)
        except KeyError as e:
            raise ImageError(f"{name} is missing from the archive") from e
        if f is None:
            raise ImageError(f"{name} is not a regular file in the archive")
        return f

    def read(name: str) -> bytes:
        return _head(open_member(name))

    manifest = _json(read("manifest.json"), "manifest.json")
    if not isinstance(manifest, list) or not manifest or not isinstance(manifest[0], dict):
        raise ImageError("manifest.json lists no image")
    entry = manifest[0]
    config_name = entry.get("Config")
    if not isinstance(config_name, str):
        raise ImageError("manifest.json names no config file")
    config = _obj(_json(read(config_name), "image config"), "image config")
    hist = _history(config)
    diff_ids = [d for d in _list_at(_dict_at(config, "rootfs"), "diff_ids") if isinstance(d, str)]
    layer_names = [n for n in _list_at(entry, "Layers") if isinstance(n, str)]
    layers = []
    for i, name in enumerate(layer_names):
        digest = diff_ids[i] if i < len(diff_ids) else f"file:{name}"
        layers.append(Layer(i, digest, hist[i] if i < len(hist) else None))
    names = dict(zip((la.digest for la in layers), layer_names, strict=False))

    def open_blob(digest: str) -> IO[bytes]:
        return open_member(names[digest])

    return Image(ref, config, layers, open_blob, archive)


def open_image(ref: str, workdir: Path) -> Image:
    """Open an OCI layout directory, an OCI or docker-archive tar, or (not a path) an image
    of the local Podman or Docker store, exported read-only into ``workdir``."""
    path = Path(ref.split("#", 1)[0] if "#" in ref and not Path(ref).exists() else ref)
    if path.is_dir():
        if not (path / "oci-layout").is_file():
            raise ImageError(f"{path}: a directory without an oci-layout file")

        def open_dir(name: str) -> IO[bytes]:
            p = path / name
            if p.is_symlink() or not p.is_file():
                raise ImageError(f"{name} is missing from the layout")
            return open(p, "rb")

        return _oci(ref, open_dir, None)
    if path.is_file():
        try:
            tar = tarfile.open(path)  # noqa: SIM115 - lives as long as the scan
        except (tarfile.TarError, OSError) as e:
            raise ImageError(f"{path}: not a tar archive ({e})") from e
        names = set(tar.getnames())
        if "manifest.json" in names:
            return _docker_archive(ref, tar, str(path))
        if "oci-layout" in names or "./oci-layout" in names:
            prefix = "./" if "./oci-layout" in names else ""

            def open_tar(name: str) -> IO[bytes]:
                try:
                    f = tar.extractfile(prefix + name)
                except KeyError as e:
                    raise ImageError(f"{name} is missing from the archive") from e
                if f is None:
                    raise ImageError(f"{name} is not a regular file")
                return f

            return _oci(ref, open_tar, str(path))
        raise ImageError(f"{path}: neither an OCI layout nor a docker-archive")
    return _from_store(ref, workdir)


def _from_store(ref: str, workdir: Path) -> Image:
    """Export an image of the local store as an OCI archive (reads the store only)."""
    out = workdir / "store-image.tar"
    for tool in ("podman", "docker"):
        exe = shutil.which(tool)
        if exe is None:
            continue
        args = [exe, "save", "-o", str(out), ref]
        if tool == "podman":
            args[2:2] = ["--format", "oci-archive"]
        done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
        if done.returncode == 0:
            img = open_image(str(out), workdir)
            return replace(img, ref=ref, archive=None)
    raise ImageError(f"{ref}: no such file, and no local Podman/Docker image by that name")


# -- layers --------------------------------------------------------------------------------


def _safe(name: str) -> str | None:
    """A layer member's path inside the image ('/usr/bin/x'), or None if it escapes."""
    norm = posixpath.normpath("/" + name.lstrip("./") if name.startswith("./") else "/" + name)
    if ".." in name.split("/") or "\0" in name:
        return None
    return norm


@dataclass
class _Unpacked:
    files: dict[str, tuple[int, str]] = field(default_factory=dict)
    """disk path -> (layer index, path in image)."""
    present: dict[str, int] = field(default_factory=dict)
    """path in image -> layer index of the copy the final image shows."""
    total: int = 0


class _Hashing(io.RawIOBase):
    """Passes a stream through while hashing it: blobs are verified as they are read."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.sha = raw, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self.raw.read(len(b))
        self.sha.update(data)
        b[: len(data)] = data
        return len(data)

    def drain(self) -> str:
        while self.read(1 << 20):
            pass
        return "sha256:" + self.sha.hexdigest()


def _unpack(img: Image, dest: Path, limits: ImageLimits, col: Collector, skip: Any) -> _Unpacked:
    out = _Unpacked()
    for layer in img.layers:
        where = f"{img.ref} layer {layer.index} ({layer.digest[:19]})"
        before = dict(out.present)
        try:
            stored = _Hashing(img.blob(layer.digest))
            head = io.BufferedReader(stored)
            magic = head.peek(4)[:4]
            if magic == b"\x28\xb5\x2f\xfd":
                skip(where, "zstd-compressed layer: not supported yet")
                continue
            # docker-archive names layers by diff_id, the digest of the uncompressed tar.
            gz = magic[:2] == b"\x1f\x8b"
            inner = cast(IO[bytes], gzip.GzipFile(fileobj=head) if gz else head)
            plain = _Hashing(inner)
            tar = tarfile.open(fileobj=io.BufferedReader(plain), mode="r|")  # noqa: SIM115
        except (ImageError, tarfile.TarError, OSError, KeyError, EOFError) as e:
            skip(where, f"unreadable layer: {e}")
            continue
        root = dest / f"layer{layer.index}"
        added: list[str] = []
        try:
            for m in tar:
                disk = _member(m, tar, layer, root, img, out, limits, skip)
                if disk:
                    added.append(disk)
            digests = {plain.drain(), stored.drain()}
        except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
            skip(where, f"layer cut short: {e}; files before it were scanned")
            digests = {layer.digest}
        if layer.digest.startswith("sha256:") and layer.digest not in digests:
            skip(where, "blob does not match its digest; layer not scanned")
            for disk in added:
                out.files.pop(disk, None)
                Path(disk).unlink(missing_ok=True)
            out.present = before
        col.count("image_layers", 1)
    return out


def _member(
    m: tarfile.TarInfo,
    tar: tarfile.TarFile,
    layer: Layer,
    root: Path,
    img: Image,
    out: _Unpacked,
    limits: ImageLimits,
    skip: Any,
) -> str | None:
    """Unpack one member; the disk path of a regular file written, else None."""
    path = _safe(m.name)
    if path is None:
        skip(f"{img.ref} layer {layer.index}: {m.name[:200]!r}", "path leaves the image root")
        return None
    base = posixpath.basename(path)
    parent = posixpath.dirname(path)
    if base == _OPAQUE:
        for p in [p for p in out.present if p.startswith(parent.rstrip("/") + "/")]:
            del out.present[p]
        return None
    if base.startswith(_WHITEOUT):
        gone = posixpath.join(parent, base[len(_WHITEOUT) :])
        for p in [p for p in out.present if p == gone or p.startswith(gone + "/")]:
            del out.present[p]
        return None
    if not m.isreg():
        if m.isdir() or m.issym() or m.islnk():
            out.present.setdefault(path, layer.index)
        return None
    if m.size > limits.max_file_size:
        skip(f"{img.ref} layer {layer.index}: {path}", f"larger than {limits.max_file_size}")
        return None
    if out.total + m.size > limits.max_total:
        skip(f"{img.ref} layer {layer.index}: {path}", "image unpack budget exhausted")
        return None
    src = tar.extractfile(m)
    if src is None:
        return None
    disk = root / path.lstrip("/")
    try:
        disk.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        skip(f"{img.ref} layer {layer.index}: {path}", "a parent of this path is a file")
        return None
    if disk.is_dir():
        return None
    with open(disk, "wb") as f:  # never follows a link: the tree holds regular files only
        shutil.copyfileobj(src, f, 1 << 20)
    disk.chmod(0o600)
    out.total += m.size
    out.files[str(disk)] = (layer.index, path)
    out.present[path] = layer.index
    return str(disk)


# -- configuration and history -------------------------------------------------------------


def _config_signals(intel: Intel, img: Image) -> Iterator[Signal]:
    cfg = _dict_at(img.config, "config") or _dict_at(img.config, "container_config")
    target = Target(kind=TargetKind.FILE, name=img.ref, path=f"{img.ref}!config")
    argv = [*_list_at(cfg, "Entrypoint"), *_list_at(cfg, "Cmd")]
    parts = [("Entrypoint/Cmd", " ".join(str(a) for a in argv))]
    parts += [("Env", str(e)) for e in _list_at(cfg, "Env")]
    parts += [(f"Label {k}", f"{k}={v}") for k, v in _dict_at(cfg, "Labels").items()]
    for where, text in parts:
        found = miner_indicator(intel, text)
        if found is not None:
            what, t = found
            yield Signal(
                target,
                Evidence(
                    CheckId("MH-IMG-001"),
                    f"image {where} names {what}",
                    source=f"{img.ref} config {where}",
                    attributes={"indicator": what, "text": t[:300]},
                ),
            )
    for layer in img.layers:
        yield from _history_signals(intel, img, layer.created_by, layer, target)
    for h in _list_at(img.config, "history"):
        if isinstance(h, dict) and h.get("empty_layer") and isinstance(h.get("created_by"), str):
            yield from _history_signals(intel, img, h["created_by"], None, target)


def _history_signals(
    intel: Intel, img: Image, line: str | None, layer: Layer | None, target: Target
) -> Iterator[Signal]:
    if not line:
        return
    where = f"layer {layer.index} ({layer.digest[:19]})" if layer else "history"
    snippet = line if len(line) <= 200 else line[:197] + "..."
    for kind, _pat in intel.script_hits(line):
        yield Signal(
            target,
            Evidence(
                CheckId("MH-IMG-002"),
                f"{where} was built by a step that {kind.replace('_', ' ')}: {snippet}",
                source=f"{img.ref} history",
                attributes={"behaviour": kind, "created_by": snippet},
            ),
        )
    hits = scan_text(intel, line)
    if (what := hits.strongest) is not None:
        yield Signal(
            target,
            Evidence(
                CheckId("MH-IMG-001"),
                f"{where} build step names {what}: {snippet}",
                source=f"{img.ref} history",
                attributes={"indicator": what, "created_by": snippet},
            ),
        )


# -- the scan ------------------------------------------------------------------------------


def scan_image(
    ruleset: RuleSet,
    intel: Intel,
    ref: str,
    col: Collector,
    limits: ImageLimits | None = None,
    jobs: int | None = None,
) -> Iterator[Finding]:
    """Findings about one image: its files (each naming layer and path) and its config."""
    from minehunt.files import FileScanOptions, scan_files

    limits = limits or ImageLimits()
    skip = col.skipper("image")
    with tempfile.TemporaryDirectory(prefix="minehunt-image-") as tmp:
        work = Path(tmp)
        img = open_image(ref, work)
        col.count("images", 1)
        yield from group(list(_config_signals(intel, img)))
        dest = work / "layers"
        dest.mkdir()
        unpacked = _unpack(img, dest, limits, col, skip)
        opts = FileScanOptions(max_file_size=limits.max_file_size)
        if jobs is not None:
            opts = replace(opts, jobs=jobs)
        prefix = str(dest) + "/"
        for f in scan_files(ruleset, [str(dest)], opts, col):
            yield _relocate(f, img, unpacked, prefix)


def _relocate(f: Finding, img: Image, unpacked: _Unpacked, prefix: str) -> Finding:
    """Name the image, layer and in-image path instead of the temporary unpack path."""
    disk = f.target.path or ""
    member = ""
    if "!" in disk:
        disk, member = disk.split("!", 1)
        member = "!" + member
    found = unpacked.files.get(disk)
    if found is None:
        return f
    index, path = found
    layer = img.layers[index]
    hidden = unpacked.present.get(path) != index
    shown = f"{img.ref}@{layer.digest}:{path}{member}"
    note = (
        f" (layer {index}; removed or replaced by a later layer, still shipped in the image)"
        if hidden
        else f" (layer {index})"
    )
    target = replace(
        f.target,
        path=shown,
        archive=img.archive,
        name=posixpath.basename(path),
    )
    evidence = tuple(
        replace(e, source=e.source.replace(prefix, "/") if e.source else e.source)
        for e in f.evidence
    )
    summary = f.summary.replace(disk, f"{img.ref}:{path}") + note
    return replace(f, target=target, evidence=evidence, summary=summary)
