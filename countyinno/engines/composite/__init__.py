"""Composite index engine (COINr-compatible), pure Python: numpy, pandas, scipy — no Django.

    from countyinno.engines.composite import Framework, Pipeline
    framework = Framework.from_frames(imeta, idata)
    result = Pipeline.from_config(config).run(framework)
    result.scores        # every aggregate's score per unit and year
"""

from .errors import CompositeError, InputProblem  # noqa: F401
from .framework import Framework  # noqa: F401
from .pipeline import Pipeline, PipelineResult  # noqa: F401
