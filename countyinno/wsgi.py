import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyinno.settings.base")  # tests set their own
application = get_wsgi_application()

# Embedded deployment: periodic work (reaping dead jobs, expiring listings) runs in this process.
from countyinno.core.schedule import start_embedded_scheduler  # noqa: E402

start_embedded_scheduler()
