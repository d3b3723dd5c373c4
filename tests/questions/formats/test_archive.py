import io
import stat
import zipfile

import pytest

from apps.questions.formats.archive import read_zip, write_zip
from apps.questions.formats.base import FormatError

pytestmark = [pytest.mark.unit]

MB = 1024 * 1024


def archive_with(name: str, data: bytes = b"x", *, mode: int | None = None) -> bytes:
    """A zip holding one member written as is, whatever its name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(name)
        if mode is not None:
            info.external_attr = mode << 16
        archive.writestr(info, data)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """300 MB of zeros deflated to a few hundred kB, written in chunks to keep memory low."""
    buffer = io.BytesIO()
    chunk = bytes(MB)
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("zeros.bin", "w") as member,
    ):
        for _ in range(300):
            member.write(chunk)
    return buffer.getvalue()


def test_read_zip_returns_files_by_path():
    data = write_zip({"imsmanifest.xml": b"<manifest/>", "items/1/ecg.png": b"\x89PNG"})

    assert read_zip(data) == {"imsmanifest.xml": b"<manifest/>", "items/1/ecg.png": b"\x89PNG"}


def test_write_zip_is_byte_for_byte_stable():
    assert write_zip({"a.txt": b"a"}) == write_zip({"a.txt": b"a"})


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../evil.py", "The archive path '../evil.py' climbs out of its folder with '..'; "
         "such archives are refused."),
        ("items/../../evil.py", "The archive path 'items/../../evil.py' climbs out of its folder "
         "with '..'; such archives are refused."),
        ("/etc/cron.d/evil", "The archive path '/etc/cron.d/evil' is absolute; such archives are "
         "refused."),
        ("C:/evil.bat", "The archive path 'C:/evil.bat' is absolute; such archives are refused."),
        ("items\\evil.py", "The archive path 'items\\evil.py' contains a backslash; such archives "
         "are refused."),
    ],
)  # fmt: skip
def test_read_zip_refuses_paths_that_escape(name, message):
    with pytest.raises(FormatError) as error:
        read_zip(archive_with(name))

    assert str(error.value) == message


def test_read_zip_refuses_symbolic_links():
    data = archive_with("figures/ecg.png", b"/etc/passwd", mode=stat.S_IFLNK | 0o777)

    with pytest.raises(FormatError) as error:
        read_zip(data)

    assert str(error.value) == "The archive member 'figures/ecg.png' is a symbolic link."


def test_read_zip_refuses_a_zip_bomb_before_expanding_it(zip_bomb):
    with pytest.raises(FormatError) as error:
        read_zip(zip_bomb)

    assert str(error.value).startswith("The archive member 'zeros.bin' expands ")
    assert str(error.value).endswith(" times (more than 100:1), as a zip bomb does.")


def test_read_zip_refuses_more_than_the_total_size():
    data = write_zip({"a.bin": bytes(range(256)) * 8})  # 2 kB that barely compresses

    with pytest.raises(FormatError) as error:
        read_zip(data, max_total_bytes=1024)

    assert str(error.value) == "The archive expands to 2.0 kB; the limit is 1.0 kB."


def test_read_zip_refuses_a_large_archive():
    with pytest.raises(FormatError) as error:
        read_zip(write_zip({"a.txt": b"a"}), max_archive_bytes=10)

    assert str(error.value) == "The archive is 111 bytes; the limit is 10 bytes."


def test_read_zip_refuses_a_member_twice():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bank.json", b"{}")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("bank.json", b"[]")

    with pytest.raises(FormatError) as error:
        read_zip(buffer.getvalue())

    assert str(error.value) == "The archive holds 'bank.json' twice."


def test_read_zip_refuses_what_is_not_a_zip():
    with pytest.raises(FormatError) as error:
        read_zip(b"PK\x03\x04 but nothing more")

    assert str(error.value) == "The file is not a readable zip archive: File is not a zip file."
