"""The stylesheet names sides logically (margin-inline-start, text-align: start, inset-inline),
never left or right, so a right-to-left language mirrors every page (#14; the browser proof is
tests/ui/test_rtl.py). A physical side is allowed only when listed here with its reason."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STYLESHEETS = [ROOT / "static" / "css" / "app.css"]
TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]

# "selector { property }" → why it must stay physical. None yet.
ALLOWED: dict[str, str] = {}

PHYSICAL = re.compile(
    r"""(?<![\w-])(
        (margin|padding|border)-(left|right)[\w-]*\s*:
      | (left|right)\s*:
      | text-align\s*:\s*(left|right)
      | float\s*:\s*(left|right)
      | clear\s*:\s*(left|right)
    )""",
    re.VERBOSE | re.IGNORECASE,
)
# A four-value margin/padding whose right and left differ is physical too ("4px 0 10px 12px").
SHORTHAND = re.compile(r"(?<![\w-])(margin|padding)\s*:\s*([^;}]+)", re.IGNORECASE)


def _rules(css: str):
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    for match in re.finditer(r"([^{}]+)\{([^{}]*)\}", css):
        yield match.group(1).strip(), match.group(2)


def physical_sides(css: str) -> list[str]:
    found = []
    for selector, body in _rules(css):
        for declaration in body.split(";"):
            declaration = declaration.strip()
            if not declaration:
                continue
            shorthand = SHORTHAND.match(declaration)
            values = shorthand.group(2).split() if shorthand else []
            if PHYSICAL.search(declaration) or (len(values) == 4 and values[1] != values[3]):
                key = f"{selector} {{ {declaration} }}"
                if key not in ALLOWED:
                    found.append(key)
    return found


def test_the_checker_sees_physical_sides():
    css = (
        ".a{margin-left:4px}.b{padding-right:1em}.c{text-align:left}.d{float:right}"
        ".e{position:fixed;left:0}.f{padding:4px 0 10px 12px}.g{border-right-color:red}"
    )
    assert len(physical_sides(css)) == 7
    logical = (
        ".a{margin-inline-start:4px}.c{text-align:start}.e{inset-inline:0}"
        ".f{padding:4px 0 10px 0}.g{border-inline-end-color:red}.h{text-align:center}"
    )
    assert physical_sides(logical) == []


def test_no_rule_in_app_css_uses_a_physical_side():
    for path in STYLESHEETS:
        assert physical_sides(path.read_text()) == [], path


def test_no_inline_style_in_a_template_uses_a_physical_side():
    found = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            text = path.read_text()
            styles = re.findall(r'style="([^"]*)"', text)
            styles += re.findall(r"<style>(.*?)</style>", text, flags=re.DOTALL)
            for style in styles:
                style = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "0", style)  # template tags
                css = style if "{" in style else f"x{{{style}}}"
                found += [f"{path.relative_to(ROOT)}: {rule}" for rule in physical_sides(css)]
    assert found == []
