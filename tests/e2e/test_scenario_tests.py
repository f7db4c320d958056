"""Every trainer-written scenario test (dialogues/tests/*.yml), in every language, against the real stack."""
from __future__ import annotations

import pytest

from actions.catalogue import get_catalogue
from actions.library import ScenarioLibrary
from actions.settings import PROJECT_ROOT
from bot.scenario_tests import check_library_tests, load_cases, play_case

pytestmark = pytest.mark.e2e

_CASES, _PROBLEMS = check_library_tests(ScenarioLibrary(PROJECT_ROOT / "dialogues", get_catalogue()))


def test_every_scenario_has_valid_tests_reaching_every_ending():
    assert not _PROBLEMS, "\n".join(map(str, _PROBLEMS))
    library = ScenarioLibrary(PROJECT_ROOT / "dialogues", get_catalogue())
    for scenario in library.all():
        reached = {case.ending for case in _CASES if case.scenario == scenario.id}
        assert reached == set(scenario.endings), scenario.id


@pytest.mark.parametrize("case,language", [
    pytest.param(case, language, id=f"{case.scenario}-{index}-{language}")
    for index, case in enumerate(_CASES) for language in case.languages
])
def test_scenario_case(sqlite_stack, case, language):
    failures = play_case(sqlite_stack.webhook_url, case, language)
    assert not failures, f"{case.label} [{language}]\n" + "\n".join(failures)


def test_the_guides_worked_example_passes_its_own_tests(sqlite_stack, live_dialogues, catalogue):
    from tests.unit.test_authoring_doc import worked_example

    scenario_file, test_file = worked_example(live_dialogues)
    try:
        cases = load_cases(test_file, ScenarioLibrary(live_dialogues, catalogue))
        for case in cases:
            for language in case.languages:
                failures = play_case(sqlite_stack.webhook_url, case, language)
                assert not failures, "\n".join(failures)
    finally:
        scenario_file.unlink()
        test_file.unlink()
