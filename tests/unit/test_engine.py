"""The scenario engine on a small fixture scenario: transitions, points, trust, endings."""
import pytest

from actions.engine import AttemptState, competency_scores, play_turn, start_state, total_score
from actions.scoring import get_feature_rules, get_lexicon


def turn(mini, catalogue, state, move, text="...", language="en"):
    return play_turn(mini, catalogue, get_lexicon(language), get_feature_rules(), state, move, text, language)


def test_listed_move_moves_on_with_catalogue_points_and_step_trust(mini, catalogue):
    out = turn(mini, catalogue, start_state(mini), "greet", "Good morning")
    assert out.next_step == "name"
    assert out.points == {"respect": 1}
    assert out.trust == 4 and out.trust_delta == 1
    assert out.client_lines == ["My name is Amina Haddad."]
    assert out.state.step == "name" and out.state.turn == 1


def test_step_override_replaces_the_catalogue_default(mini, catalogue):
    out = turn(mini, catalogue, start_state(mini), "ask_documents", "Do you have your passport?")
    assert out.points == {"empathy": -1}  # catalogue says service +1; the step replaces it
    assert out.client_lines == ["Documents? Already?"]
    assert out.state.step == "arrival"


def test_unlisted_move_uses_otherwise(mini, catalogue):
    out = turn(mini, catalogue, start_state(mini), "paraphrase", "So you need to register?")
    assert out.next_step == "arrival"
    assert out.points == {"empathy": 2}
    assert out.client_lines == ["...Sorry?"]


def test_harmful_moves_lower_trust_until_the_client_leaves(mini, catalogue):
    state = start_state(mini)
    out = turn(mini, catalogue, state, "dismiss", "Not my problem.")
    assert out.trust == 1 and out.ending is None
    out = turn(mini, catalogue, out.state, "condescend", "Do you even know what a form is?")
    assert out.ending is not None and out.ending.id == "left" and out.ending.type == "client_leaves"
    assert out.client_lines[-1] == "I will come back another day."
    assert out.state.done


def test_wary_line_when_trust_is_low(mini, catalogue):
    state = AttemptState(step="name", trust=3)
    out = turn(mini, catalogue, state, "rush", "Quick, quick")  # stays on name, trust 2 <= 6/2
    assert out.client_lines == ["Yes?"]  # a say replaces the step line when staying
    state = AttemptState(step="arrival", trust=2)
    out = turn(mini, catalogue, state, "greet", "Hello")
    assert out.client_lines == ["My name is Amina Haddad."]


def test_fallback_is_answered_in_character_and_scored_zero(mini, catalogue):
    state = start_state(mini)
    out = turn(mini, catalogue, state, "nlu_fallback", "asdf qwer")
    assert not out.understood and out.points == {} and out.trust == state.trust
    assert out.client_lines == ["Sorry, I don't understand."]
    out = turn(mini, catalogue, out.state, "out_of_scope", "nice weather")
    assert out.client_lines == ["Could you say that more simply?"]


def test_resolved_ending_and_language(mini, catalogue):
    state = AttemptState(step="name", trust=4)
    out = turn(mini, catalogue, state, "explain_procedure", "Primero registramos la dirección.", language="es")
    assert out.ending.id == "done" and out.ending.type == "resolved"
    assert out.client_lines == ["¡Gracias!"]


def test_max_turns_ends_the_attempt(mini, catalogue):
    state = AttemptState(step="arrival", trust=3, turn=5)
    out = turn(mini, catalogue, state, "paraphrase", "So you need an address registration?")
    assert out.state.done and out.ending.id == "left"  # no unresolved ending: the client leaves


def test_played_attempt_cannot_continue(mini, catalogue):
    with pytest.raises(ValueError):
        turn(mini, catalogue, AttemptState(step="name", trust=3, ending="done"), "greet")


def test_scores_scale_targets_to_100_and_clamp(mini):
    scores = competency_scores(mini, {"respect": 1, "empathy": 5, "clarity": -3, "service": 2})
    assert scores == {"respect": 50, "empathy": 100, "clarity": 0, "service": 50}
    assert total_score(mini, scores) == 50  # mean of the targeted respect, empathy, clarity


def test_state_round_trips_through_json(mini):
    state = AttemptState(step="name", trust=2, turn=3, explained_terms=("KEP",))
    assert AttemptState.from_json(state.to_json()) == state


def test_with_an_interpreter_talking_about_the_client_costs_language_access_and_the_interpreter_reminds_once(mini, catalogue):
    from dataclasses import replace as dc_replace

    from actions.scenarios import Interpreter

    reminder = {"en": "(Interpreter) Please speak to Mrs Haddad directly.", "es": "(Intérprete) Hable directamente con la Sra. Haddad."}
    scene = dc_replace(mini, interpreter=Interpreter("Nadia Sabbagh", {"en": "Nadia interprets Arabic."}, reminder))
    out = turn(scene, catalogue, start_state(scene), "ask_documents", "Ask her if she has her passport.")
    assert out.points == {"empathy": -1, "language_access": -1}
    assert out.client_lines[0] == reminder["en"] and ("feature_third_person", {}) in out.features.notes
    again = turn(scene, catalogue, out.state, "ask_documents", "Does she have a rental contract?")
    assert again.points == {"empathy": -1, "language_access": -1} and reminder["en"] not in again.client_lines
    direct = turn(scene, catalogue, start_state(scene), "ask_documents", "Do you have your passport with you?")
    assert direct.points == {"empathy": -1}
    spanish = turn(scene, catalogue, start_state(scene), "ask_documents", "Pregúntele si tiene el pasaporte.", "es")
    assert spanish.points.get("language_access") == -1 and spanish.client_lines[0] == reminder["es"]


def test_without_an_interpreter_third_person_talk_is_not_scored(mini, catalogue):
    out = turn(mini, catalogue, start_state(mini), "ask_documents", "Ask her if she has her passport.")
    assert "language_access" not in out.points
