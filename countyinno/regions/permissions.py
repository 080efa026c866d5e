"""Who may do what with regions: the region tree, boundaries and reference facts are platform data.

They are loaded from the files shipped with the app (or a province's own files) by the CLI
(`countyinno load_regions`) and the demo, inside `audit.system()`; no role may load them (superusers
pass every predicate). Everyone signed in may read them (`Region.scope.public_view`).
"""

from countyinno.core.permissions import define

can_load_regions = define("regions.load_regions", roles=(),
                          description="load the region tree, boundaries and facts: platform work only")
