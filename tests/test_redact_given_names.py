"""Bare first names, short forms and slips, as patients write them (invented comments), and the
places, wards and ordinary words that must survive."""

import pytest

from insightkit.redact import Redactor
from insightkit.redact.lexicon import english_words, given_names_freq, is_english


@pytest.fixture(scope="module")
def names_only():
    return Redactor(use_ner=False)


@pytest.fixture(scope="module")
def full():
    return Redactor()


def red(r, text):
    return r.redact_text(text)[0]


def test_lexicon_loads_from_installed_packages():
    names = given_names_freq()
    assert len(names) > 5000 and names["margaret"] >= 5 and "tesco" not in names
    assert "calm" in english_words() and is_english("appointments") and not is_english("faye")


@pytest.mark.parametrize("text, gone", [
    ("Faye was lovely and so was the tea.", ["Faye"]),
    ("The care my dad received was great, Becky and Dot went the extra mile.", ["Becky", "Dot"]),
    ("Please pass on my thanks to nurse yvonne on the night shift.", ["yvonne"]),
    ("The lady on reception, Chole, sorted it all out.", ["Chole"]),
    ("Wojciech explained everything twice without a sigh.", ["Wojciech"]),
    ("Jog, Marguerite & Lea were welcoming from start to finish.", ["Marguerite", "Lea"]),
    ("Dr P is very good at getting the prescriptions out on time.", ["P"]),
    ("Thanks Dawn. You made a horrible week bearable.", ["Dawn"]),
    ("Emma(physio) got me walking again.", ["Emma"]),
    ("Stacey's team on the phone line were kind.", ["Stacey"]),
])
def test_names_in_patient_comments_are_removed(names_only, text, gone):
    out = red(names_only, text)
    for word in gone:
        assert word not in out.replace("[PERSON]", ""), out
    assert "[PERSON]" in out


@pytest.mark.parametrize("text", [
    "I hope this helps someone else in the same position.",
    "Hope this is useful feedback for the clinic.",
    "Calm, clean and quiet. Put simply, the best ward I have been on.",
    "My Mum and Dad both said the staff on Florence Ward were outstanding.",
    "The physio in the Coalville clinic was good and so was the parking.",
    "I was moved to Harvey 1 late at night which was upsetting.",
    "We stopped at Tesco on the way back because the canteen was shut.",
    "Will the appointment letters ever arrive on time?",
    "Mr X saw me, then the matron came over.",
    "Dr I see now is better than the last one.",
    "Good Info, Nice To Meet Other People In The Group.",
    "We have three CNIOs now and they talk to each other.",
    "Im not convinced the board understands it.",
    "That was really interesting, thank you. Anything else?",
])
def test_places_wards_and_words_survive(names_only, text):
    assert red(names_only, text) == text


def test_a_name_that_is_also_a_word_needs_a_reason(names_only):
    # inside a sentence and capitalised in an ordinarily written text: a name
    assert red(names_only, "I was seen by Grace who was brilliant.") == "I was seen by [PERSON] who was brilliant."
    # the ordinary word stays
    assert red(names_only, "She showed great grace under pressure.") == "She showed great grace under pressure."
    # in a text that capitalises every word, a capital says nothing
    assert red(names_only, "The Staff Showed Grace And Patience") == "The Staff Showed Grace And Patience"
    # a staff title is a cue even then
    assert "[PERSON]" in red(names_only, "THANK YOU TO Nurse Grace")


def test_first_name_takes_its_surname_and_recurs(names_only):
    out, log = names_only.redact_text("Vicky Lewis phoned me back. Later Vicky rang again.")
    assert out == "[PERSON] phoned me back. Later [PERSON] rang again."
    assert {e["original"] for e in log} == {"Vicky Lewis", "Vicky"}


def test_ner_places_after_a_preposition_are_not_people(full):
    assert red(full, "Get the psychiatrist from Nottingham to ring me.") == "Get the psychiatrist from Nottingham to ring me."
    assert "[PERSON]" in red(full, "Thanks to Michelle from the front desk.")


@pytest.mark.parametrize("text, org", [
    ("Across the Lancashire and South Cumbria system we share one record.", "Lancashire and South Cumbria system"),
    ("We joined the kent & medway ICB digital board.", "kent & medway ICB"),
    ("Staffordshire and Stoke-on-Trent integrated care board funded it.",
     "Staffordshire and Stoke-on-Trent integrated care board"),
])
def test_integrated_care_systems_are_organisations(names_only, text, org):
    out, log = names_only.redact_text(text)
    assert org not in out and "[ORG]" in out
    assert any(e["method"] == "org_system" for e in log)


def test_a_county_alone_is_a_place(names_only):
    text = "We live in Devon and the whole system is slow."
    assert red(names_only, text) == text


def test_a_word_or_place_listed_with_a_name_stays(names_only):
    # a greeting or a place beside a name is not another name
    assert red(names_only, "Morning, Hannah. Good to see you.") == "Morning, [PERSON]. Good to see you."
    assert red(names_only, "It's Manchester, Tom, the traffic is always bad.") == \
        "It's Manchester, [PERSON], the traffic is always bad."
