"""Paper statements a lead hands out: one A5 page per household, in Chinese, with a QR code of
the statement's link. The CJK font is embedded as a subset (core.pdf_fonts), so every viewer
shows the Chinese."""

import io
from collections.abc import Iterable
from xml.sax.saxutils import escape

import qrcode
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from core.pdf_fonts import pdf_font

from .money import format_exact, format_yuan
from .selectors import StatementDetail, statement_get, statement_tokens


def _styles(font: str) -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=15, leading=20, spaceAfter=4),
        "body": ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13),
        "small": ParagraphStyle(
            "small", fontName=font, fontSize=8, leading=11, textColor=colors.grey
        ),
        "total": ParagraphStyle("total", fontName=font, fontSize=13, leading=18),
    }


def _qr(url: str, size_mm: float = 28) -> Image:
    picture = qrcode.make(url, box_size=6, border=2)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    buffer.seek(0)
    return Image(buffer, width=size_mm * mm, height=size_mm * mm)


def _yuan(fen: int) -> str:
    return f"￥{format_yuan(fen)}" if fen >= 0 else f"-￥{format_yuan(-fen)}"


def _story(detail: StatementDetail, font: str) -> list:
    styles = _styles(font)
    head = Table(
        [
            [
                [
                    Paragraph(_("加工费结算单"), styles["title"]),
                    Paragraph(f"{_('户主')}：{escape(detail.household_name)}", styles["body"]),
                    Paragraph(f"{_('工坊')}：{escape(detail.workshop)}", styles["body"]),
                    Paragraph(
                        f"{_('结算期')}：{escape(detail.period_name)}"
                        f"（{detail.starts_on:%Y-%m-%d} ~ {detail.ends_on:%Y-%m-%d}）",
                        styles["body"],
                    ),
                    Paragraph(f"{_('收款账户')}：{detail.account_masked or '—'}", styles["body"]),
                    *(
                        [
                            Paragraph(
                                f"{_('农户确认')}：{escape(detail.payment_status_label)}",
                                styles["body"],
                            )
                        ]
                        if detail.payment_status
                        else []
                    ),
                ],
                _qr(detail.url),
            ]
        ],
        colWidths=[95 * mm, 32 * mm],
    )
    # The font even where every cell is a flowable: a table sets its cells' font regardless.
    head.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), font)])
    )
    # The page's figures, in the same order: each adds up to the next (see views.statement).
    rows: list[list] = []
    emphasis: list[int] = []
    for line in detail.lines:
        emphasis.append(len(rows))
        rows.append([Paragraph(f"<b>{escape(line.product)}</b>", styles["body"]), ""])
        if line.pieces:
            rows.append(
                [
                    f"{_('合格')} {line.pieces} × ￥{format_exact(line.fee)}",
                    f"￥{format_exact(line.first_pass_exact)}",
                ]
            )
        if line.rework_pieces:
            rows.append(
                [
                    f"{_('返工合格')} {line.rework_pieces} × ￥{format_exact(line.rework_fee)}",
                    f"￥{format_exact(line.rework_exact)}",
                ]
            )
        gross = _("计件金额") + (_("（四舍五入到分）") if line.rounded else "")
        rows.append([gross, _yuan(line.gross_fen)])
        lead = line.lead_name or _("带头人")
        center = line.center_name or _("服务中心")
        rows.append(
            [
                Paragraph(escape(_("减 带头人 %(name)s 分成") % {"name": lead}), styles["body"]),
                _yuan(-line.lead_fen),
            ]
        )
        rows.append(
            [
                Paragraph(
                    escape(_("减 服务中心 %(name)s 分成") % {"name": center}), styles["body"]
                ),
                _yuan(-line.center_fen),
            ]
        )
        rows.append([_("您得"), _yuan(line.amount_fen)])
    for adjustment in [*detail.adjustments, *detail.extras]:
        rows.append(
            [
                Paragraph(
                    f"{adjustment['kind_label']}：{escape(adjustment['reason'])}", styles["body"]
                ),
                _yuan(adjustment["amount_fen"]),
            ]
        )
    if not rows:
        rows.append([_("本期没有合格件"), _yuan(0)])
    table = Table(rows, colWidths=[98 * mm, 30 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                *(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f1ede4")) for i in emphasis),
            ]
        )
    )
    return [
        head,
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 4 * mm),
        Paragraph(
            f"{_('合格件数（含返工）')}：{detail.pieces}　　"
            f"{_('本期合计')}：<b>{_yuan(detail.total_fen)}</b>",
            styles["total"],
        ),
        Paragraph(f"{_('状态')}：{detail.status_label}", styles["body"]),
        Spacer(1, 3 * mm),
        Paragraph(
            _("扫描二维码可在手机上查看本结算单。如有疑问请联系工坊带头人。"), styles["small"]
        ),
    ]


def statements_pdf(details: Iterable[StatementDetail]) -> bytes:
    """One page per statement, in the order given."""
    font = pdf_font()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A5,
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=10 * mm,
        bottomMargin=10 * mm,
        title=_("加工费结算单"),
        initialFontName=font,  # not Helvetica: a base-14 font is never embedded
    )
    story: list = []
    for detail in details:
        if story:
            story.append(PageBreak())
        story += _story(detail, font)
    if not story:
        story.append(Paragraph(_("没有结算单。"), _styles(font)["body"]))
    document.build(story)
    return buffer.getvalue()


def statement_pdf_get(*, token: str) -> bytes:
    """One household's paper statement, behind its token (no login)."""
    return statements_pdf([statement_get(token=token)])


def period_statements_pdf(*, viewer, period_id: int, workshop_id: int | None) -> bytes:
    """The paper copies a lead hands out: every statement of its workshop in the period."""
    tokens = statement_tokens(viewer=viewer, period_id=period_id, workshop_id=workshop_id)
    return statements_pdf(statement_get(token=token) for token in tokens)
