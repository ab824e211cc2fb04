"""An Excel template for every return, generated from its declaration (``etl/spec/*.yaml``).

An analyst starting a return no national format holds (supervision, audits, EDT handovers…)
needs more than a page of column rules: a workbook with the headings spelt as the loader
expects, a note on each saying what goes in it, drop-down lists for codes and flags, date
cells formatted as dates, one example row that loads as it is, and the rules on a sheet
beside it. Everything comes from the declaration, so a template never disagrees with the
loader; the loader reads the return's own sheet and leaves the ``Instructions`` and ``Codes``
sheets aside (``TEMPLATE_SHEETS``).
"""

from __future__ import annotations

import io
from datetime import date, datetime, time

from etl.returns import Column, ReturnSpec

#: Sheets a template adds beside the return's: the loader does not read them as data.
TEMPLATE_SHEETS = ("Instructions", "Codes")
#: The month the example row is for, and the day its dates fall on.
EXAMPLE_MONTH = date(2021, 5, 1)
EXAMPLE_DAY = date(2021, 5, 10)
#: Rows given a drop-down list, a date format and a check, below the headings.
ROWS = 2000
_TYPE_WORDS = {
    "id": "an identifier (pseudonymous: never a name, NHS number or UPN)",
    "text": "text",
    "code": "one of the listed codes",
    "flag": "Y or N",
    "date": "a date (dd/mm/yyyy)",
    "datetime": "a date and time (dd/mm/yyyy hh:mm)",
    "number": "a number",
    "integer": "a whole number",
}
_EXAMPLE_IDS = {"child_id": "C0001", "worker_id": "W0001", "team": "Team A"}


def file_name(spec: ReturnSpec, month: date = EXAMPLE_MONTH) -> str:
    """The name the loader expects a filled-in template under."""
    return f"{spec.name}_{month:%Y-%m}.xlsx" if spec.monthly else f"{spec.name}.xlsx"


def example_value(column: Column) -> object:
    """A value that passes the column's checks, for the example row.

    Every date is the same day, so a date that must not be before another (``not_before``)
    is never before it; flags are Y, so a flag that may be Y only where another is Y is too.
    A column's declared ``example`` comes first.
    """
    if column.example is not None:
        return column.example or None  # "" is a blank cell
    if column.type == "date":
        return EXAMPLE_DAY
    if column.type == "datetime":
        return datetime.combine(EXAMPLE_DAY, time(18, 30))
    if column.type == "flag":
        return "Y"
    if column.type == "code":
        return column.codes[0]
    if column.type in ("number", "integer"):
        low = column.min if column.min is not None else 0
        value = low + (1 if column.min_exclusive or (column.type == "integer" and low < 1) else 0)
        if column.max is not None:
            value = min(value, column.max)
        return int(value) if column.type == "integer" else float(value)
    if column.name in _EXAMPLE_IDS:
        return _EXAMPLE_IDS[column.name]
    return f"{column.name.replace('_', ' ').capitalize()} 1"


def _note(column: Column) -> str:
    need = "Required" if column.required else "May be left blank"
    if column.optional:
        need += "; the column may be left out"
    lines = [column.description.strip(), f"{need}. {_TYPE_WORDS[column.type].capitalize()}."]
    if column.codes:
        lines.append("Codes: " + ", ".join(column.codes))
    if column.min is not None or column.max is not None:
        low = (
            ""
            if column.min is None
            else f"{'over' if column.min_exclusive else 'at least'} {column.min:g}"
        )
        high = "" if column.max is None else f"at most {column.max:g}"
        lines.append("Range: " + ", ".join(x for x in (low, high) if x))
    if column.not_before:
        lines.append(f"Not before {column.not_before}.")
    if column.only_if:
        lines.append(f"Y only where {column.only_if} is Y.")
    return "\n".join(lines)


def _validation(column: Column, letter: str, codes_ref: str | None):  # type: ignore[no-untyped-def]
    """The data validation (drop-down or check) a column's cells get, or None."""
    from openpyxl.worksheet.datavalidation import DataValidation

    where = f"{letter}2:{letter}{ROWS + 1}"
    if column.type == "flag":
        rule = DataValidation(type="list", formula1='"Y,N"', allow_blank=not column.required)
    elif column.type == "code":
        rule = DataValidation(type="list", formula1=codes_ref, allow_blank=not column.required)
    elif column.type == "date":
        rule = DataValidation(type="date", operator="greaterThanOrEqual", formula1="DATE(2000,1,1)")
    elif column.type in ("integer", "number"):
        kind = "whole" if column.type == "integer" else "decimal"
        low = -1e9 if column.min is None else column.min
        high = 1e9 if column.max is None else column.max
        rule = DataValidation(type=kind, operator="between", formula1=str(low), formula2=str(high))
    else:
        return None
    rule.error = _note(column)[:255]
    rule.errorTitle = column.name[:32]
    rule.showErrorMessage = True
    rule.add(where)
    return rule


def template_workbook(spec: ReturnSpec) -> bytes:
    """The return's template as ``.xlsx`` bytes."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = spec.name[:31]
    codes = wb.create_sheet("Codes")
    code_column = 0
    for i, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(i)
        cell = ws.cell(row=1, column=i, value=column.name)
        cell.font = Font(bold=True)
        cell.comment = Comment(_note(column), "template", width=320, height=160)
        ref = None
        if column.codes:
            code_column += 1
            code_letter = get_column_letter(code_column)
            codes.cell(row=1, column=code_column, value=column.name).font = Font(bold=True)
            for j, code in enumerate(column.codes, start=2):
                codes.cell(row=j, column=code_column, value=code)
            ref = f"=Codes!${code_letter}$2:${code_letter}${len(column.codes) + 1}"
        rule = _validation(column, letter, ref)
        if rule is not None:
            ws.add_data_validation(rule)
        value = example_value(column)
        example = ws.cell(row=2, column=i, value=value)
        if column.type in ("date", "datetime"):
            fmt = "dd/mm/yyyy" if column.type == "date" else "dd/mm/yyyy hh:mm"
            example.number_format = fmt
            for row in range(3, ROWS + 2):
                ws.cell(row=row, column=i).number_format = fmt
        ws.column_dimensions[letter].width = max(14, len(column.name) + 4)
    ws.freeze_panes = "A2"
    if not code_column:
        codes.cell(row=1, column=1, value="(this return has no code lists)")
    _instructions(wb.create_sheet("Instructions", 0), spec)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _instructions(ws, spec: ReturnSpec) -> None:  # type: ignore[no-untyped-def]
    from openpyxl.styles import Alignment, Font

    name = file_name(spec).replace(f"{EXAMPLE_MONTH:%Y-%m}", "YYYY-MM")
    lines = [
        (f"{spec.title}: the {spec.name} return", True),
        (f"One row per: {spec.grain}.", False),
        ("", False),
        ("How to fill it in", True),
        (f"1. Fill the '{spec.name[:31]}' sheet: one row per record, under the headings in row 1 "
         "(keep them as they are). Row 2 is an example: replace it.", False),
        ("2. Each heading has a note saying what goes in it; code and flag cells have a "
         "drop-down list; date cells are dates (dd/mm/yyyy).", False),
        (f"3. Save it as {name}" + (" (the month the return is for)." if spec.monthly else "."),
         False),
        ("4. Load it on the Load returns page, or: python -m etl load " + name, False),
        ("Use pseudonymous IDs only: never names, dates of birth, addresses, postcodes, NHS "
         "numbers or UPNs. Columns that hold them are dropped and the file is not kept.", False),
        ("", False),
        ("Columns", True),
    ]  # fmt: skip
    for text, bold in lines:
        ws.append([text])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=bold)
    ws.append(["Column", "Required", "Type", "What goes in it", "Codes"])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for column in spec.columns:
        ws.append(
            [
                column.name,
                "yes" if column.required else "may be blank",
                _TYPE_WORDS[column.type],
                column.description.strip(),
                ", ".join(column.codes),
            ]
        )
        ws.cell(row=ws.max_row, column=4).alignment = Alignment(wrap_text=True)
    for letter, width in zip("ABCDE", (34, 14, 28, 80, 30), strict=True):
        ws.column_dimensions[letter].width = width
