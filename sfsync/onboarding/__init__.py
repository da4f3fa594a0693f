"""
`sfsync init`: onboard an org in four steps, each a module.

- describe and sample (`survey.py`, the only one that talks to the org): Lead and every
  object that holds activity for leads, field fill counts, a sample of the newest leads,
  GROUP BY aggregates over tasks, events and campaign responses, the users;
- propose (`proposal.py` with `inputs.py`, `criteria.py`, `signals.py`, `creators.py`, and the
  marketing-automation `footprints.py`; pure): inputs, fit, BANT, engagement signals and
  sources, touches and who is not a person;
- write (`document.py`, pure): the definition file, every choice commented with its counts.

    survey = survey_org(client, instance=url)
    text = render_definition(propose(survey, today=date.today()))
"""

from __future__ import annotations

from sfsync.onboarding.document import render_definition
from sfsync.onboarding.facts import OrgSurvey
from sfsync.onboarding.proposal import Proposal, propose
from sfsync.onboarding.survey import survey_org

__all__ = ["OrgSurvey", "Proposal", "propose", "render_definition", "survey_org"]
