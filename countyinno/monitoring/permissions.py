"""Who may do what in county innovation monitoring: every predicate of the app, in one place.

Frameworks are province-wide reference data (`via=ANYWHERE`); campaigns and index runs belong to the
province that opened them; county submissions to their county, reviewed up the city → province chain.
"""

from django.db.models import Q

from countyinno.accounts.roles import ADMINS, CITY, COUNTY, PROVINCE
from countyinno.core.permissions import ANYWHERE, NOTHING, define

from .models import CountySubmission, FrameworkNode, IndexRun, IndicatorFramework, SurveyCampaign

# ------------------------------------------------------------------ frameworks
can_create_framework = define("monitoring.create_framework", roles={PROVINCE},
                              description="import or create a new indicator framework (a draft version)")
can_change_framework = define("monitoring.change_framework", IndicatorFramework, action="change", roles={PROVINCE},
                              via=ANYWHERE, description="publish a framework, or copy it to a new draft version")
can_edit_node = define("monitoring.edit_node", FrameworkNode, action="change", roles={PROVINCE}, via=ANYWHERE,
                       description="edit an indicator of a draft framework")

# ------------------------------------------------------------------ campaigns
can_open_campaign = define("monitoring.open_campaign", roles={PROVINCE},
                           description="open the annual survey (one submission per county)")
can_change_campaign = define("monitoring.change_campaign", SurveyCampaign, action="change", roles={PROVINCE},
                             via=("region",), description="close a campaign of the admin's province")


def _in_own_province(path: str):
    """`where` for province-wide information: objects of the official's own province."""
    def where(user):
        province_id = getattr(getattr(user, "region", None), "province_id", None)
        return Q(**{path: province_id}) if province_id else NOTHING
    return where


can_remind_campaign = define("monitoring.remind_overdue", SurveyCampaign, action="remind", roles={PROVINCE, CITY},
                             via=ANYWHERE, where=_in_own_province("province_id"),
                             description="send 催报 notices to the overdue counties of the admin's area")
can_batch_review = define("monitoring.batch_review", roles={CITY, PROVINCE},
                          description="approve many submissions at once (each one asks its own review predicate)")
can_run_index = define("monitoring.run_index", SurveyCampaign, action="run_index", roles={PROVINCE},
                       via=("region",), description="start an index run on a campaign's approved data")

# ------------------------------------------------------------------ county submissions
can_edit_submission = define("monitoring.edit_submission", CountySubmission, action="edit",
                             roles={COUNTY, PROVINCE}, via=("region",),
                             description="enter or upload a county's values (the state is checked by the action)")
can_submit_submission = define("monitoring.submit_submission", CountySubmission, action="submit", roles={COUNTY},
                               via=("region",), description="the county hands its answers in for review")
can_city_review_submission = define("monitoring.city_review_submission", CountySubmission, action="city_review",
                                    roles={CITY}, via=("region",),
                                    description="the city approves or returns a county's submission")
can_province_review_submission = define("monitoring.province_review_submission", CountySubmission,
                                        action="province_review", roles={PROVINCE}, via=("region",),
                                        description="the province approves or returns a submission")
can_move_submission = define("monitoring.move_submission", CountySubmission, action="move", roles=ADMINS,
                             via=("region",),
                             description="take some workflow step on a submission (the API's gate; each step "
                                         "asks its own predicate)")

# ------------------------------------------------------------------ index runs
can_compute_index_run = define("monitoring.compute_index_run", IndexRun, action="compute", roles={PROVINCE},
                               via=("region",), description="record an index run's progress and results")
can_review_index_run = define("monitoring.review_index_run", IndexRun, action="review", roles={PROVINCE},
                              via=("region",), where=Q(status="succeeded"),
                              description="look at a computed run before it is published")
can_publish_index_run = define("monitoring.publish_index_run", IndexRun, action="publish", roles={PROVINCE},
                               via=("region",), where=Q(status="succeeded", published_at__isnull=True),
                               description="publish a run: its results become province-wide information")


def _published_in_own_province(user):
    return Q(status="succeeded", published_at__isnull=False) & _in_own_province("campaign__province_id")(user)


can_view_published_results = define("monitoring.view_published_results", IndexRun, action="view_results",
                                    roles=ADMINS, via=ANYWHERE, where=_published_in_own_province,
                                    description="every official of the province sees a published run's results")
can_download_run_inputs = define("monitoring.download_run_inputs", IndexRun, action="download_inputs",
                                 roles={PROVINCE}, via=("region",),
                                 description="download every county's raw input of a run (reproduction bundle)")
