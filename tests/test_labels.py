"""The one table of labels: every code a person reads has "中文 / English", per vocabulary."""

import re
from typing import get_args

import pytest

from app.allocations.schemas import MethodCode, ObjectiveCode
from app.departure.schemas import DECISIONS
from app.departure.service import REASONS, action_for
from app.labels import VOCABULARIES, label, to_code, words
from app.placements.schemas import CONTACTS, END_REASONS, OUTCOMES
from app.reports.schemas import CHANNELS as REPORT_CHANNELS
from app.reports.sections import DEFINITIONS
from app.training.schemas import CLASS_STATUSES, ENROLMENT_STATUSES, MODES, RESULTS
from app.vacancies.schemas import SHIFTS, VACANCY_STATUSES
from app.workers.schemas import CHANNELS, EDUCATION_LEVELS
from matching.ranking import TIERS

CHINESE = re.compile(r"[\u4e00-\u9fff]")
USED = {
    "education": EDUCATION_LEVELS,
    "channel": (*CHANNELS, *REPORT_CHANNELS),
    "shift": SHIFTS,
    "vacancy_status": VACANCY_STATUSES,
    "end_reason": END_REASONS,
    "contact": CONTACTS,
    "outcome": OUTCOMES,
    "flag_decision": DECISIONS,
    "action": ("call", "visit", "employer_talk", "transfer", "dispute_case"),
    "allocation_method": get_args(MethodCode),
    "allocation_objective": get_args(ObjectiveCode),
    "placement_status": ("upcoming", "active", "ended"),
    "risk_reason": tuple(REASONS),
    "definition": tuple(DEFINITIONS),
    # training
    "training_mode": MODES,
    "training_class_status": CLASS_STATUSES,
    "enrolment_status": ENROLMENT_STATUSES,
    "training_result": RESULTS,
    # matching tiers
    "match_tier": TIERS,
}


@pytest.mark.parametrize("vocabulary", sorted(USED))
def test_every_code_in_use_has_a_chinese_and_an_english_label(vocabulary):
    for code in USED[vocabulary]:
        text = label(vocabulary, code)
        zh, sep, en = text.partition(" / ")
        assert sep and CHINESE.search(zh) and re.search("[A-Za-z]", en) and not CHINESE.search(en), (code, text)


def test_the_same_code_reads_by_its_vocabulary():
    assert label("end_reason", "dismissed") == "被辞退 / Dismissed by the employer"
    assert label("flag_decision", "dismissed") == "不予处理 / Dismissed, no action needed"
    assert to_code("end_reason", "被辞退") == "dismissed" and to_code("flag_decision", "不予处理") == "dismissed"
    assert to_code("flag_decision", "被辞退") == "被辞退"  # another vocabulary's word is not an answer to a flag


def test_chinese_words_are_unambiguous_within_a_vocabulary():
    for vocabulary, table in VOCABULARIES.items():
        said = [item.zh for item in table.values()] + [a for item in table.values() for a in item.aliases]
        assert len(said) == len(set(said)), vocabulary
        assert set(words(vocabulary).values()) <= set(table)


def test_every_action_the_rules_give_has_a_label():
    reasons = [[], ["note_arrears"], ["wage_gap"], ["far_no_housing"], ["missed_checkins"]]
    actions = {action_for(risk, r) for risk in (0.0, 0.2, 0.5) for r in reasons}
    assert actions <= set(VOCABULARIES["action"])


def test_one_channel_list_and_one_legal_age_everywhere():
    from typing import get_args

    from app.incentives.schemas import ChannelCode as IncentiveChannel
    from app.reports.schemas import CHANNELS as REPORT_CHANNELS
    from app.workers.schemas import MIN_WORKING_AGE, ChannelCode
    from matching.features import CHANNEL_NAMES
    from matching.ranking.channels import CHANNELS, LEGAL_AGE, PREFERENCES

    assert REPORT_CHANNELS is CHANNEL_NAMES and CHANNELS is CHANNEL_NAMES
    assert get_args(IncentiveChannel) == CHANNEL_NAMES  # a Literal for the schema, spelled as the one list
    assert set(get_args(ChannelCode)) == set(PREFERENCES) == {"any", *CHANNEL_NAMES}
    assert MIN_WORKING_AGE == LEGAL_AGE
