import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyinno.settings.base")  # tests set their own
application = get_wsgi_application()
