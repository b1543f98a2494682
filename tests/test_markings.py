"""Markings: parsing and normalising, ordering, combining, spills and banner colours."""

from __future__ import annotations

import pytest

from reviewstation import markings
from reviewstation.errors import InputError
from reviewstation.markings import Level, banner_style, combine, parse, within

GREEN = "#007a33"
PURPLE = "#502b85"
BLUE = "#0033a0"
RED = "#c8102e"
ORANGE = "#ff8c00"
YELLOW = "#fce83a"
BLACK = "#000000"


@pytest.mark.parametrize(
    ("typed", "full", "portion", "level"),
    [
        ("U", "UNCLASSIFIED", "U", Level.UNCLASSIFIED),
        ("unclassified", "UNCLASSIFIED", "U", Level.UNCLASSIFIED),
        ("u//fouo", "UNCLASSIFIED//FOUO", "U//FOUO", Level.UNCLASSIFIED),
        ("CUI", "CUI", "CUI", Level.CUI),
        ("CONTROLLED", "CUI", "CUI", Level.CUI),
        ("cui//sp-prvcy", "CUI//SP-PRVCY", "CUI//SP-PRVCY", Level.CUI),
        ("C", "CONFIDENTIAL", "C", Level.CONFIDENTIAL),
        ("S", "SECRET", "S", Level.SECRET),
        ("  secret  ", "SECRET", "S", Level.SECRET),
        ("(S//NF)", "SECRET//NOFORN", "S//NF", Level.SECRET),
        ("SECRET // rel to usa,gbr", "SECRET//REL TO USA, GBR", "S//REL TO USA, GBR", 3),
        ("S//OC/NF", "SECRET//ORCON/NOFORN", "S//OC/NF", Level.SECRET),
        ("TS", "TOP SECRET", "TS", Level.TOP_SECRET),
        ("top  secret", "TOP SECRET", "TS", Level.TOP_SECRET),
        ("TOP SECRET//SCI", "TOP SECRET//SCI", "TS//SCI", Level.TOP_SECRET),
        ("ts/sci", "TOP SECRET//SCI", "TS//SCI", Level.TOP_SECRET),
        ("TS//SI//NF", "TOP SECRET//SI//NOFORN", "TS//SI//NF", Level.TOP_SECRET),
        # SCI controls gather into one block, first, whatever order they were typed in.
        ("TS//NF//HCS-P/SI-G ABCD", "TOP SECRET//HCS-P/SI-G ABCD//NOFORN", None, 4),
        ("TS//SI//SI", "TOP SECRET//SI", "TS//SI", Level.TOP_SECRET),
    ],
)
def test_markings_parse_to_one_normal_form(
    typed: str, full: str, portion: str | None, level: int
) -> None:
    marking = parse(typed)
    assert marking.level == level
    assert marking.text == full == markings.normalise(typed) == markings.display(typed)
    if portion is not None:
        assert marking.portion == portion
    # Both forms parse back to the same marking.
    assert parse(marking.text) == parse(marking.portion) == marking


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("banana", "is not a classification level"),
        ("", "cannot be empty"),
        ("   ", "cannot be empty"),
        ("UNCLASSIFIED SECRET", "is not a classification level"),
        ("UNCLASSIFIED FOR NOW, TREAT AS TOP SECRET//SCI", "is not a classification level"),
        ("SECRET/NOFORN", "is not a classification level"),
        ("NATO SECRET", "is not a classification level"),
        ("UNCLASSIFIED//SECRET", "names a second classification level"),
        ("U//TS", "names a second classification level"),
        ("CUI//TOP SECRET", "names a second classification level"),
        ("SECRET//NOFORN//CONFIDENTIAL", "names a second classification level"),
        ("U//SCI", "puts SCI controls on UNCLASSIFIED"),
        ("CUI//SI", "puts SCI controls on CUI"),
        ("S//NF//REL TO USA, GBR", "both NOFORN and releasable"),
        ("SECRET//", "empty caveat"),
        ("SECRET////NOFORN", "empty caveat"),
        ("SECRET//NO;FORN", "not understood"),
        ("SECRET//<b>", "not understood"),
        ("SECRET\x00//NOFORN", "printable"),
        ("SECRET//" + "X" * 120, "1-120 printable characters"),
        # Short enough as typed, too long once the abbreviations are written in full.
        ("S//" + "A" * 115, "longer than 120"),
    ],
)
def test_non_markings_are_refused_in_one_sentence(typed: str, says: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(typed)
    message = str(caught.value)
    assert says in message
    assert message.replace("e.g. ", "").count(". ") == 0 and message.endswith(".")
    assert markings.try_parse(typed) is None
    assert banner_style(typed) == markings.UNKNOWN
    assert markings.rank(typed) > Level.TOP_SECRET  # never under-marked


def test_refusals_name_what_was_being_marked() -> None:
    with pytest.raises(InputError, match=r"^The portion marking 'banana' is not"):
        parse("banana", "portion marking")


@pytest.mark.parametrize(
    ("marking", "background"),
    [
        ("UNCLASSIFIED", GREEN),
        ("u", GREEN),
        ("UNCLASSIFIED//FOUO", GREEN),
        ("CUI", PURPLE),
        ("CONFIDENTIAL", BLUE),
        ("secret", RED),
        ("S//NF", RED),
        ("SECRET//NOFORN", RED),
        ("TOP SECRET", ORANGE),
        ("TOP SECRET//NOFORN", ORANGE),
        ("TS//SCI", YELLOW),
        ("TS/SCI", YELLOW),
        # Any SCI control system, not only the word SCI, makes TOP SECRET TS/SCI.
        ("TOP SECRET//SI//NOFORN", YELLOW),
        ("TOP SECRET//TK", YELLOW),
        ("TOP SECRET//HCS-P", YELLOW),
        ("TOP SECRET//SI-G ABCD//ORCON", YELLOW),
        ("SECRET//SI", RED),
        # The tester's cases: a higher level word anywhere is never green.
        ("UNCLASSIFIED//SECRET", BLACK),
        ("UNCLASSIFIED SECRET", BLACK),
        ("UNCLASSIFIED FOR NOW, TREAT AS TOP SECRET//SCI AND DO NOT COPY", BLACK),
        ("U//TOP SECRET", BLACK),
        ("banana", BLACK),
        ("", BLACK),
        ("MARKING NOT CHOSEN", BLACK),
    ],
)
def test_banner_colours_follow_the_parsed_level(marking: str, background: str) -> None:
    assert banner_style(marking).background == background


def test_levels_are_compared_by_level_not_by_string() -> None:
    assert markings.rank("S") == markings.rank("SECRET//NOFORN") == Level.SECRET
    assert markings.rank("TOP SECRET//SCI") > markings.rank("SECRET")
    assert markings.rank("CUI") > markings.rank("UNCLASSIFIED")
    assert markings.rank("banana") > markings.rank("TS//SCI")


def test_a_whole_is_marked_with_its_highest_level_and_every_caveat() -> None:
    # The tester's package: vault SECRET, portions TOP SECRET//SCI and S.
    whole = combine(parse(m) for m in ("SECRET", "TOP SECRET//SCI", "S"))
    assert whole.text == "TOP SECRET//SCI"
    # A caveat on a lower part still binds the whole.
    assert combine(parse(m) for m in ("TS", "S//NF", "C//SI")).text == "TOP SECRET//SI//NOFORN"
    # Releasability is what every part allows; nothing in common, or NOFORN, is NOFORN.
    parts = ("S//REL TO USA, GBR, AUS", "S//REL TO USA, AUS")
    assert combine(parse(m) for m in parts).text == "SECRET//REL TO USA, AUS"
    assert combine(parse(m) for m in ("S//REL TO GBR", "S//REL TO AUS")).text == ("SECRET//NOFORN")
    assert combine(parse(m) for m in ("S//REL TO USA, GBR", "S//NF")).text == "SECRET//NOFORN"
    assert combine([parse("U")]).text == "UNCLASSIFIED"


@pytest.mark.parametrize(
    ("portion", "vault", "refusal"),
    [
        ("S", "SECRET", None),
        ("U", "SECRET", None),
        ("S//NF", "SECRET//NOFORN", None),
        ("TS//SI", "TOP SECRET//SCI", None),
        ("TS//SCI", "SECRET", "This vault is marked SECRET; it cannot hold TOP SECRET//SCI"),
        ("C", "CUI", "This vault is marked CUI; it cannot hold CONFIDENTIAL content."),
        # SCI content needs a vault marked for SCI, even at the same level.
        ("TS//SI", "TOP SECRET", "it cannot hold TOP SECRET//SI content"),
        ("banana", "SECRET", "The portion marking 'banana' is not a classification level"),
        ("S", "OFFICIAL", "This vault's marking 'OFFICIAL' is not one the tool can compare"),
    ],
)
def test_portions_above_the_vault_are_refused(
    portion: str, vault: str, refusal: str | None
) -> None:
    if refusal is None:
        assert within(portion, vault, "portion marking") == parse(portion)
        return
    with pytest.raises(InputError) as caught:
        within(portion, vault, "portion marking")
    assert refusal in str(caught.value)
