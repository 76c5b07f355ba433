"""Measuring an uploaded Office file (.xlsx, .docx: a zip of XML parts) before reading it.

A file built to exhaust the server declares what it is: a zip member that unzips to far
more than it weighs (a deflate bomb), a part larger than any real bank, millions of cells
in one sheet, an XML entity declaration (the "billion laughs"). All of that can be read
from the zip directory and from streaming the parts once, in bounded memory, so such a
file is refused before any library builds rows or paragraphs from it. The messages are
Vietnamese, in lower case to follow a file name, like :mod:`contest.helpers.tables`.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

import defusedxml.ElementTree as SafeTree
from defusedxml import DefusedXmlException

from contest.helpers.formatting import format_number
from contest.services.errors import DomainError

#: Parts in one package: a real workbook or document has tens.
MAX_MEMBERS = 2_000
#: A member that unzips to more than this many times its stored size, past RATIO_FLOOR, is
#: a bomb: real XML compresses 5–20×, a sheet of millions of empty cells 200× and more.
MAX_RATIO = 100
RATIO_FLOOR = 2 * 1024 * 1024
#: Chunk read while streaming a part.
_CHUNK = 1024 * 1024
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_CELL_NS = re.compile(rb"<(?:\w+:)?c[ >]")


class PackageRefused(DomainError):
    """The file is not a package that may be read; the message says why and what to do."""


@dataclass
class Package:
    """What a package holds, as measured."""

    names: set[str] = field(default_factory=set)
    content_types: set[str] = field(default_factory=set)
    #: Worksheet part name → cells it declares (``<c`` elements).
    cells: dict[str, int] = field(default_factory=dict)

    @property
    def has_macros(self) -> bool:
        return any(n.lower().endswith("vbaproject.bin") for n in self.names) or any(
            "macroenabled" in t.lower() or "vbaproject" in t.lower() for t in self.content_types)

    @property
    def has_embedded_objects(self) -> bool:
        return any("/embeddings/" in n.lower() or "/activex/" in n.lower() for n in self.names)

    @property
    def has_external_links(self) -> bool:
        return any("externallink" in n.lower() for n in self.names)


def inspect_package(
    data: bytes,
    *,
    kind: str,
    max_total_bytes: int,
    max_part_bytes: int,
    max_cells: int | None = None,
) -> Package:
    """Measure the package ``data`` (``kind`` is ".xlsx" or ".docx", for messages).

    Refuses (:class:`PackageRefused`) a damaged zip, too many parts, a part or a total that
    unzips past the limits or at a bomb's ratio, an XML part declaring a DTD or entities,
    and with ``max_cells`` a workbook whose sheets declare more cells than that.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise PackageRefused(
            f"không đọc được tệp {kind} (tệp hỏng hoặc không đúng dạng). Hãy mở bằng Word/Excel "
            f"và lưu lại dạng {kind}.") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise PackageRefused(f"tệp {kind} có quá nhiều thành phần ({len(infos)}). "
                                 "Hãy lưu lại tệp chỉ với nội dung cần nhập.")
        total = 0
        for info in infos:
            total += info.file_size
            if info.file_size > max_part_bytes or total > max_total_bytes:
                raise PackageRefused(
                    f"tệp {kind} giải nén ra quá lớn (có thể là «bom nén»). Hãy chỉ để lại "
                    "nội dung cần nhập, bỏ ảnh lớn, rồi lưu lại.")
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(
                    info.compress_size, 1):
                raise PackageRefused(
                    f"tệp {kind} nén bất thường: một phần giải nén ra gấp hơn {MAX_RATIO} lần "
                    "(có thể là «bom nén»). Hãy mở bằng Word/Excel và lưu lại.")
        package = Package(names={info.filename for info in infos})
        try:
            for info in infos:
                name = info.filename
                if not name.lower().endswith((".xml", ".rels", ".vml")):
                    continue
                counting = max_cells is not None and name.startswith("xl/worksheets/")
                _stream_part(archive, info, kind, package if counting else None, max_cells)
            if "[Content_Types].xml" in package.names:
                root = SafeTree.fromstring(archive.read("[Content_Types].xml"),
                                           forbid_dtd=True)
                package.content_types = {el.get("ContentType", "") for el in root}
        except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile):
            raise PackageRefused(
                f"không đọc được tệp {kind} (tệp hỏng). Hãy mở bằng Word/Excel và lưu lại."
            ) from None
        except (DefusedXmlException, SafeTree.ParseError):
            raise _entities(kind) from None
    return package


def _entities(kind: str) -> PackageRefused:
    return PackageRefused(
        f"tệp {kind} có khai báo DTD/thực thể XML (kiểu «billion laughs»), không phải tệp "
        "Word/Excel bình thường. Hãy mở bằng Word/Excel và lưu lại.")


def _stream_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, kind: str,
                 package: Package | None, max_cells: int | None) -> None:
    """Read a part once in chunks: no DTD in its prolog; its cells counted when asked."""
    cells = 0
    tail = b""
    with archive.open(info) as part:
        first = True
        while chunk := part.read(_CHUNK):
            if first:
                # A DTD can only stand before the root element, so in the first bytes.
                if _DTD.search(chunk[:4096]):
                    raise _entities(kind)
                first = False
            if package is None:
                break
            window = tail + chunk
            cells += len(_CELL_NS.findall(window)) - len(_CELL_NS.findall(tail))
            tail = chunk[-8:]
            if max_cells is not None and cells > max_cells:
                raise PackageRefused(
                    f"trang tính khai báo hơn {format_number(max_cells)} ô (có thể do định dạng "
                    "cả hàng/cột). Hãy chép riêng bảng cần nhập sang một tệp mới rồi lưu lại.")
    if package is not None:
        package.cells[info.filename] = cells
