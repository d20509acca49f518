#!/usr/bin/env python
"""Build the vendored Chinese fonts in static/fonts/ from the system Noto Sans CJK.

Takes the "Noto Sans CJK SC" Regular and Bold faces out of the Debian
``fonts-noto-cjk`` collections (.ttc), subsets them to GB2312 plus common
punctuation and symbols, and writes CFF-flavoured OpenType (.otf) files:

    static/fonts/NotoSansSC-Regular.otf
    static/fonts/NotoSansSC-Bold.otf

Usage (from the repository root, with fontTools installed):

    python tools/subset_font.py

Options let you point at other .ttc files or another output directory; see
``--help``.  The font names (family, PostScript name, copyright, licence) are
kept unchanged.  The fonts are licensed under the SIL Open Font License 1.1,
see static/fonts/OFL.txt.
"""

import argparse
import sys
import unicodedata
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT_DIR = REPO_ROOT / "static" / "fonts"
SYSTEM_FONT_DIR = Path("/usr/share/fonts/opentype/noto")

# (source collection, output file name)
FACES = [
    (SYSTEM_FONT_DIR / "NotoSansCJK-Regular.ttc", "NotoSansSC-Regular.otf"),
    (SYSTEM_FONT_DIR / "NotoSansCJK-Bold.ttc", "NotoSansSC-Bold.otf"),
]

# The face we want inside the collection (name ID 1 = font family).
TARGET_FAMILY = "Noto Sans CJK SC"

# Extra characters used by the project; they are all in GB2312 already, but
# listing them here makes sure they can never be dropped by mistake.
PROJECT_CHARS = "池州贵池东至石台青阳九华山"

COMMON_SYMBOLS = (
    "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
    "×÷—…·℃№○●■□▲△★☆→←↑↓√"
)


def gb2312_chars():
    """Every character of GB2312, found by decoding each valid two-byte code."""
    chars = set()
    for row in range(0xA1, 0xF8):  # rows 0xA1..0xF7
        for col in range(0xA1, 0xFF):  # columns 0xA1..0xFE
            try:
                chars.add(bytes((row, col)).decode("gb2312"))
            except UnicodeDecodeError:
                pass  # unassigned code point
    return chars


def wanted_codepoints():
    """The set of Unicode code points the subset must cover."""
    cps = set()
    cps.update(range(0x20, 0x7F))  # printable ASCII
    cps.update(range(0xA0, 0xC0))  # Latin-1 punctuation and signs (NBSP..¿)
    cps.update((0xD7, 0xF7))  # × ÷
    cps.update(range(0x2010, 0x2028))  # general punctuation: dashes, quotes, …, ‰
    cps.update(range(0x3000, 0x3040))  # CJK symbols and punctuation
    cps.update(range(0xFF00, 0xFFF0))  # half-width and full-width forms
    cps.update(range(0x2160, 0x216C))  # Roman numerals Ⅰ..Ⅻ
    cps.update(ord(c) for c in COMMON_SYMBOLS)
    cps.update(ord(c) for c in PROJECT_CHARS)
    cps.update(ord(c) for c in gb2312_chars())
    return cps


def find_face_index(collection_path, family):
    """Index of the font whose family name (name ID 1) is exactly ``family``."""
    collection = TTCollection(str(collection_path), lazy=True)
    try:
        for index, font in enumerate(collection.fonts):
            if font["name"].getDebugName(1) == family:
                return index
    finally:
        collection.close()
    raise SystemExit(f"{collection_path}: no face with family name {family!r}")


def subset_options():
    options = subset.Options()
    # Keep every name record (all name IDs, all platforms and languages), so
    # the family / PostScript names, version, copyright and licence stay intact.
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.name_legacy = True
    # Draw a visible box for characters that are not in the subset.
    options.notdef_glyph = True
    options.notdef_outline = True
    options.recalc_bounds = True
    options.recalc_timestamp = False
    # Keep the default OpenType feature set (kern, vert, ...), but drop
    # 'locl': in this SC font it only maps to Japanese / Korean / Traditional
    # glyph variants, which would pull thousands of extra glyphs into the
    # subset.  Add the CJK spacing features that are off the default list.
    features = [f for f in options.layout_features if f != "locl"]
    features += ["halt", "palt", "vhal", "vpal", "fwid", "hwid", "pwid"]
    options.layout_features = sorted(set(features))
    # Keep CFF hinting and subroutines: smaller files, better small-size print.
    options.hinting = True
    options.desubroutinize = False
    options.flavor = None  # plain OpenType/CFF (.otf), no WOFF/WOFF2
    return options


def sync_cff_names(font):
    """Make the CFF table's names match the name table.

    The faces of a Noto CJK .ttc share one CFF table, whose FontName and
    FamilyName are those of the Japanese face ("NotoSansCJKjp-Regular").
    The OpenType spec wants the CFF FontName to equal the PostScript name
    (name ID 6), so use the SC names from the name table.
    """
    name = font["name"]
    ps_name = name.getDebugName(6)
    family = name.getDebugName(16) or name.getDebugName(1)
    cff = font["CFF "].cff
    old_ps_name = cff.fontNames[0]
    cff.fontNames[0] = ps_name
    top = cff.topDictIndex[0]
    old_family = getattr(top, "FamilyName", None)
    if old_family:
        top.FamilyName = family
        if getattr(top, "FullName", None):
            top.FullName = top.FullName.replace(old_family, family)
    for font_dict in getattr(top, "FDArray", None) or []:
        fd_name = getattr(font_dict, "FontName", None)
        if fd_name and fd_name.startswith(old_ps_name):
            font_dict.FontName = ps_name + fd_name[len(old_ps_name):]


def build(source, out_path, codepoints):
    index = find_face_index(source, TARGET_FAMILY)
    options = subset_options()
    options.font_number = index
    font = subset.load_font(str(source), options, lazy=False)
    try:
        subsetter = subset.Subsetter(options=options)
        subsetter.populate(unicodes=codepoints)
        subsetter.subset(font)
        sync_cff_names(font)
        cmap = font.getBestCmap()
        # Unassigned code points inside the requested blocks are not "missing".
        missing = sorted(
            cp for cp in codepoints
            if cp not in cmap and unicodedata.category(chr(cp)) != "Cn")
        out_path.parent.mkdir(parents=True, exist_ok=True)
        subset.save_font(font, str(out_path), options)
        name = font["name"]
        print(
            f"{out_path.relative_to(REPO_ROOT) if out_path.is_relative_to(REPO_ROOT) else out_path}: "
            f"face #{index} of {source.name}, "
            f"PostScript name {name.getDebugName(6)!r}, "
            f"{name.getDebugName(5)}, "
            f"{len(font.getGlyphOrder())} glyphs, "
            f"{out_path.stat().st_size / 1024 / 1024:.2f} MiB"
        )
        if missing:
            shown = " ".join(f"U+{cp:04X}" for cp in missing[:40])
            more = " ..." if len(missing) > 40 else ""
            print(f"  {len(missing)} requested characters not in the source font: {shown}{more}")
    finally:
        font.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--regular", type=Path, default=FACES[0][0],
                        help="Noto Sans CJK Regular .ttc (default: %(default)s)")
    parser.add_argument("--bold", type=Path, default=FACES[1][0],
                        help="Noto Sans CJK Bold .ttc (default: %(default)s)")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR,
                        help="output directory (default: %(default)s)")
    args = parser.parse_args(argv)

    codepoints = wanted_codepoints()
    print(f"Subsetting to {len(codepoints)} code points "
          f"({len(gb2312_chars())} of them from GB2312)", flush=True)
    for source, out_name in ((args.regular, FACES[0][1]), (args.bold, FACES[1][1])):
        if not source.exists():
            raise SystemExit(f"{source} not found (install the Debian package fonts-noto-cjk)")
        build(source, args.out_dir / out_name, codepoints)
    return 0


if __name__ == "__main__":
    sys.exit(main())
