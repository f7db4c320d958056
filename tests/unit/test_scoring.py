"""Text features: jargon from the lexicon, long messages, using the client's name."""
from actions.scoring import get_feature_rules, get_lexicon, text_features


def features(text, **kwargs):
    return text_features(text, get_lexicon("en"), get_feature_rules(), **kwargs)


def test_unexplained_jargon_costs_clarity():
    result = features("You need the certificado de empadronamiento and your NIE.")
    assert result.jargon == ["NIE", "certificado de empadronamiento"] or set(result.jargon) == {"NIE", "certificado de empadronamiento"}
    assert result.points == {"clarity": -2}


def test_jargon_is_capped_per_turn():
    result = features("Bring the AMKA, AFM, KEP receipt and the apostille.")
    assert len(result.jargon) == 4
    assert result.points == {"clarity": -2}


def test_explained_term_is_free_and_remembered():
    result = features("You need a NIE, which means your foreigner identity number.")
    assert result.jargon == [] and result.newly_explained == ["NIE"] and result.points == {}
    later = features("Bring the NIE on Tuesday.", explained_terms=result.newly_explained)
    assert later.points == {}


def test_allowed_terms_and_case_sensitive_acronyms():
    assert features("Do you have the padrón?", allowed_terms=["padrón"]).points == {}
    assert features("My colleague Kep will help.").points == {}  # a name, not the acronym KEP


def test_long_message_costs_clarity():
    text = " ".join(["First we register your address."] * 6)
    result = features(text)
    assert result.long_message and result.points == {"clarity": -1}
    assert not features("First we register your address. Then you get the card.").long_message


def test_using_the_name_once_known_earns_respect_once():
    assert features("Thank you, Mrs Haddad.", client_name="Amina Haddad").points == {}
    known = features("Thank you, Mrs Haddad.", client_name="Amina Haddad", name_known=True)
    assert known.used_name and known.points == {"respect": 1}
    again = features("Thank you, Mrs Haddad.", client_name="Amina Haddad", name_known=True, name_used_before=True)
    assert again.points == {}


def test_terms_and_names_match_with_or_without_accents():
    assert features("Tiene que ir al padron primero.").jargon == ["padrón"]
    assert features("Do you have the padron?", allowed_terms=["padrón"]).points == {}
    greek = text_features("Ευχαριστώ πολύ, κυρία Μπεναλι.", get_lexicon("el"), get_feature_rules(),
                          client_name="Samira Benali Σαμίρα Μπεναλί", name_known=True)
    assert greek.used_name and greek.points == {"respect": 1}
