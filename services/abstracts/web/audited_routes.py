"""Which audit actions each unsafe organiser route records (checked against the app's routes by a test)."""

from __future__ import annotations

from services.common.audit_routes import RouteActions

PROGRAMME = "/api/organiser/programme"
ROUTES: RouteActions = {
    ("POST", "/organiser/abstracts/assign"): ("abstracts.assign",),
    ("POST", "/api/organiser/assign"): ("abstracts.assign",),
    ("POST", "/organiser/abstracts/{abstract_id}/decide"): ("abstracts.decide",),
    ("POST", "/api/organiser/abstracts/{abstract_id}/decision"): ("abstracts.decide",),
    ("POST", "/organiser/abstracts/{abstract_id}/unassign"): ("abstracts.unassign",),
    ("POST", "/api/organiser/abstracts/{abstract_id}/unassign"): ("abstracts.unassign",),
    ("POST", "/organiser/abstracts/{abstract_id}/ask-another"): ("abstracts.ask-another",),
    ("POST", "/api/organiser/abstracts/{abstract_id}/ask-another"): ("abstracts.ask-another",),
    ("PUT", "/api/organiser/abstracts/{abstract_id}/symposium"): ("abstracts.symposium.amend",),
    ("POST", "/organiser/decisions/stage"): ("abstracts.decision.stage",),
    ("POST", "/api/organiser/decisions/stage"): ("abstracts.decision.stage",),
    ("POST", "/organiser/decisions/{abstract_id}/unstage"): ("abstracts.decision.unstage",),
    ("DELETE", "/api/organiser/decisions/{abstract_id}"): ("abstracts.decision.unstage",),
    ("POST", "/organiser/decisions/release"): ("abstracts.decision.release",),
    ("POST", "/api/organiser/decisions/release"): ("abstracts.decision.release",),
    ("POST", "/organiser/reviewers"): ("abstracts.reviewer.add",),
    ("POST", "/api/organiser/reviewers"): ("abstracts.reviewer.add",),
    ("POST", "/organiser/reviewers/{reviewer_id}/revoke"): ("abstracts.reviewer.revoke-link",),
    ("POST", "/api/organiser/reviewers/{reviewer_id}/revoke"): ("abstracts.reviewer.revoke-link",),
    ("POST", "/organiser/programme/generate"): ("abstracts.programme.generate",),
    ("POST", f"{PROGRAMME}/generate"): ("abstracts.programme.generate",),
    ("POST", "/organiser/programme/update"): ("abstracts.programme.update",),
    ("POST", f"{PROGRAMME}/update"): ("abstracts.programme.update",),
    ("POST", "/organiser/programme/move-session"): ("abstracts.programme.move-session",),
    ("POST", f"{PROGRAMME}/sessions/{{session_id}}/move"): ("abstracts.programme.move-session",),
    ("POST", "/organiser/programme/move-presentation"): ("abstracts.programme.move-presentation",),
    ("POST", f"{PROGRAMME}/presentations/{{abstract_id}}/move"): ("abstracts.programme.move-presentation",),
    ("POST", "/organiser/programme/chair"): ("abstracts.programme.chair",),
    ("POST", f"{PROGRAMME}/sessions/{{session_id}}/chair"): ("abstracts.programme.chair",),
    ("POST", "/organiser/programme/publish"): ("abstracts.programme.publish",),
    ("POST", f"{PROGRAMME}/publish"): ("abstracts.programme.publish",),
    ("POST", "/organiser/erase-person"): ("abstracts.person.erase",),
    ("POST", "/api/organiser/people/erase"): ("abstracts.person.erase",),
}
