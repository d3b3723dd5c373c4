"""Reading an uploaded zip without trusting it: sizes, compression ratios and paths are checked
before a single member is decompressed, so a zip bomb or a path like `../settings.py` is refused
as a whole file.
"""

import io
import lzma
import stat
import zipfile
import zlib

from apps.questions.formats.base import FormatError

MB = 1024 * 1024
DEFAULT_MAX_ARCHIVE_BYTES = 50 * MB
DEFAULT_MAX_TOTAL_BYTES = 200 * MB
MAX_RATIO = 100
# Small members may compress far better than 100:1 (a page of blank lines) and cost nothing.
RATIO_CHECK_ABOVE = 1 * MB
# What zipfile raises for a damaged archive besides BadZipFile: a broken deflate, bzip2 (OSError)
# or LZMA stream (or LZMA properties cut short), an unknown compression method or zip version,
# offsets outside the file.
UNREADABLE = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    OSError,
    EOFError,
    IndexError,
    NotImplementedError,
    ValueError,
)


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def read_zip(
    data: bytes,
    *,
    max_archive_bytes: int = DEFAULT_MAX_ARCHIVE_BYTES,
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
) -> dict[str, bytes]:
    """Every file in the archive by its path; folders are left out."""
    if len(data) > max_archive_bytes:
        raise FormatError(
            f"The archive is {_size(len(data))}; the limit is {_size(max_archive_bytes)}."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            _check_members(members, max_total_bytes)
            # zipfile stops at each declared size and checks the CRC: the checks bound memory.
            return {info.filename: archive.read(info) for info in members}
    except UNREADABLE as exc:
        reason = str(exc).rstrip(".") or "its data ends too soon"
        raise FormatError(f"The file is not a readable zip archive: {reason}.") from exc


def _check_members(members: list[zipfile.ZipInfo], max_total_bytes: int) -> None:
    seen: set[str] = set()
    for info in members:
        check_member_path(info.filename)
        if info.filename in seen:
            raise FormatError(f"The archive holds '{info.filename}' twice.")
        seen.add(info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise FormatError(f"The archive member '{info.filename}' is a symbolic link.")
        if info.flag_bits & 0x1:
            raise FormatError(f"The archive member '{info.filename}' is encrypted.")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECK_ABOVE and ratio > MAX_RATIO:
            raise FormatError(
                f"The archive member '{info.filename}' expands {ratio:,.0f} times "
                f"(more than {MAX_RATIO}:1), as a zip bomb does."
            )
    total = sum(info.file_size for info in members)
    if total > max_total_bytes:
        raise FormatError(
            f"The archive expands to {_size(total)}; the limit is {_size(max_total_bytes)}."
        )


def check_member_path(path: str) -> None:
    """Refuse a path that could land outside the folder it is unpacked into."""
    segments = path.split("/")
    if "\\" in path:
        problem = "contains a backslash"
    elif path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        problem = "is absolute"
    elif ".." in segments:
        problem = "climbs out of its folder with '..'"
    else:
        return
    raise FormatError(f"The archive path '{path}' {problem}; such archives are refused.")


def write_zip(files: dict[str, bytes]) -> bytes:
    """A zip of the files; a fixed timestamp keeps the same content byte-for-byte the same."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in files.items():
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    return f"{size / 1024:,.1f} kB" if size < MB else f"{size / MB:,.1f} MB"
