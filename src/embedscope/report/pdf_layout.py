"""Page furniture of ``report.pdf``: styles, tables that wrap instead of overflowing, images, page footer."""

from __future__ import annotations

import html
import io
from collections.abc import Mapping
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Image, Paragraph, Spacer, Table, TableStyle

from embedscope.report.caption_lines import caption_lines
from embedscope.report.sections import TableData

PAGE_SIZE = A4
MARGIN = 2 * cm
PAGE_WIDTH = PAGE_SIZE[0] - 2 * MARGIN  # usable width between the margins
PAGE_HEIGHT = PAGE_SIZE[1] - 2 * MARGIN
FOOTER_Y = 1.0 * cm  # baseline of the footer text, from the bottom edge
HEADER_COLOR = "#263238"
STRIPE_COLOR = "#f2f4f5"
GRID_COLOR = "#b0bec5"
MUTED_COLOR = "#546e7a"
TABLE_FONT_SIZE = 8  # with 10 pt leading, 40 rows fit a page
MAX_FIGURE_HEIGHT = 0.62 * PAGE_HEIGHT  # two figures with their captions fit one page


def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles of the document."""
    sheet = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=sheet["BodyText"], fontSize=9.5, leading=13, spaceAfter=4)
    cell = ParagraphStyle("cell", parent=body, fontSize=TABLE_FONT_SIZE, leading=10, spaceAfter=0,
                          splitLongWords=True)
    head = ParagraphStyle("cell_head", parent=cell, fontName="Helvetica-Bold", textColor=colors.white)
    return {
        "title": ParagraphStyle("title", parent=sheet["Title"], fontSize=22, leading=27, alignment=0),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=12, leading=16, textColor=colors.HexColor(MUTED_COLOR)),
        "big": ParagraphStyle("big", parent=body, fontSize=15, leading=20, spaceBefore=6, spaceAfter=8),
        "h1": ParagraphStyle("h1", parent=sheet["Heading1"], fontSize=16, leading=20, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=sheet["Heading2"], fontSize=12, leading=15, spaceBefore=8, spaceAfter=4),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=colors.HexColor(MUTED_COLOR)),
        "cell": cell,
        "cell_right": ParagraphStyle("cell_right", parent=cell, alignment=TA_RIGHT),
        "cell_head": head,
        "cell_head_right": ParagraphStyle("cell_head_right", parent=head, alignment=TA_RIGHT),
    }


def text(value: str) -> str:
    """Plain text escaped for a reportlab Paragraph (which reads a small HTML subset)."""
    return html.escape(value, quote=False)


def filename_caption(name: str, *, width: float | None = None, style: ParagraphStyle | None = None) -> str:
    """A filename for a narrow caption: folder and file on separate lines, so a line breaks after a "/" (and,
    given the column ``width`` and ``style``, after a "_" or "-") rather than inside a word
    (``astronaut_0372.jp|g``); a piece wider than the column shrinks the font (down to 6 pt) instead."""
    folder, slash, base = name.rpartition("/")
    parts = [f"{folder}/", base] if slash else [name]
    if width is None or style is None:
        return "<br/>".join(text(part) for part in parts)

    def measure(value: str, size: float) -> float:
        return stringWidth(value, style.fontName, size)

    fitted = [caption_lines(part, width, measure, size=style.fontSize) for part in parts]
    size = min(part_size for _, part_size in fitted)
    lines = [line for part in parts for line in caption_lines(part, width, measure, size=size)[0]]
    caption = "<br/>".join(text(line) for line in lines)
    return caption if size == style.fontSize else f'<font size="{size:.2f}">{caption}</font>'


def table(data: TableData, sheet: dict[str, ParagraphStyle], *, width: float = PAGE_WIDTH) -> Table:
    """A striped table whose columns share ``width`` by ``data.widths``; every cell is a wrapping Paragraph,
    so long filenames or parameter values break inside their column instead of overflowing the page."""
    scale = width / sum(data.widths)
    col_widths = [w * scale for w in data.widths]
    header = [Paragraph(text(title), sheet["cell_head_right" if data.is_numeric(column) else "cell_head"])
              for column, title in enumerate(data.header)]
    body = [
        [Paragraph(text(value), sheet["cell_right" if data.is_numeric(column) else "cell"])
         for column, value in enumerate(row)]
        for row in data.rows
    ]
    result = Table([header, *body], colWidths=col_widths, repeatRows=1, hAlign="LEFT")
    result.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(HEADER_COLOR)),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor(STRIPE_COLOR)]),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor(GRID_COLOR)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]))
    return result


def image(png: bytes, *, width: float = PAGE_WIDTH, max_height: float = MAX_FIGURE_HEIGHT) -> Image:
    """A PNG scaled to ``width`` (or less, to stay under ``max_height``), centred."""
    picture = Image(io.BytesIO(png))
    scale = min(width / picture.imageWidth, max_height / picture.imageHeight)
    picture.drawWidth = picture.imageWidth * scale
    picture.drawHeight = picture.imageHeight * scale
    picture.hAlign = "CENTER"
    return picture


GALLERY_COLUMNS = 6  # thumbnails per row
CELL_PADDING = 6  # reportlab's default left and right padding of a table cell, points
GALLERY_IMAGE = 2.3 * cm  # longest side of a thumbnail on the page


def thumbnail(picture: bytes, *, size: float = GALLERY_IMAGE) -> Image:
    """A JPEG/PNG thumbnail drawn with its longest side ``size`` points."""
    thumb = Image(io.BytesIO(picture))
    scale = size / max(thumb.imageWidth, thumb.imageHeight)
    thumb.drawWidth, thumb.drawHeight = thumb.imageWidth * scale, thumb.imageHeight * scale
    return thumb


def gallery(items: list[tuple[str, bytes]], sheet: dict[str, ParagraphStyle]) -> Table:
    """Thumbnails with their filenames below, ``GALLERY_COLUMNS`` a row."""
    cells: list[list[object]] = []
    width = PAGE_WIDTH / GALLERY_COLUMNS
    for name, picture in items:
        caption = filename_caption(name, width=width - 2 * CELL_PADDING, style=sheet["small"])
        cells.append([thumbnail(picture), Paragraph(caption, sheet["small"])])
    rows = [cells[i:i + GALLERY_COLUMNS] for i in range(0, len(cells), GALLERY_COLUMNS)]
    rows[-1] += [[Spacer(1, 1)] for _ in range(GALLERY_COLUMNS - len(rows[-1]))]
    result = Table(rows, colWidths=[width] * GALLERY_COLUMNS, hAlign="LEFT")
    result.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    return result


def example_pairs(
    rows: list[tuple[str, str, str]], thumbnails: Mapping[str, bytes], sheet: dict[str, ParagraphStyle]
) -> Table:
    """Selected sample and nearest removed sample side by side, each as thumbnail + name, with the distance.

    Args:
        rows: (selected name, removed name, formatted distance).
        thumbnails: name → image bytes; a name without one shows its name only.
    """
    def cell(name: str) -> list[object]:
        caption = Paragraph(text(name), sheet["small"])  # a wide column: the name stays on one line
        return [thumbnail(thumbnails[name]), caption] if name in thumbnails else [caption]

    header = [Paragraph(text(title), sheet[style]) for title, style in (
        ("selected", "cell_head"), ("nearest not selected", "cell_head"), ("distance", "cell_head_right"))]
    body = [[cell(selected), cell(removed), Paragraph(text(distance), sheet["cell_right"])]
            for selected, removed, distance in rows]
    result = Table([header, *body], colWidths=[0.4 * PAGE_WIDTH, 0.4 * PAGE_WIDTH, 0.2 * PAGE_WIDTH],
                   repeatRows=1, hAlign="LEFT")
    result.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(HEADER_COLOR)),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor(STRIPE_COLOR)]),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor(GRID_COLOR)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 1), (1, -1), "CENTER"),
    ]))
    return result


def numbered_canvas(footer: str) -> type[Canvas]:
    """A canvas class that writes ``footer · page N of M`` on every page (two passes: M is known at save)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._draw_footer(total)
                super().showPage()
            super().save()

        def _draw_footer(self, total: int) -> None:
            self.saveState()
            self.setFont("Helvetica", 7.5)
            self.setFillColor(colors.HexColor(MUTED_COLOR))
            self.setStrokeColor(colors.HexColor(GRID_COLOR))
            self.line(MARGIN, FOOTER_Y + 10, PAGE_SIZE[0] - MARGIN, FOOTER_Y + 10)
            self.drawString(MARGIN, FOOTER_Y, footer)
            self.drawRightString(PAGE_SIZE[0] - MARGIN, FOOTER_Y, f"page {self._pageNumber} of {total}")
            self.restoreState()

    return NumberedCanvas
