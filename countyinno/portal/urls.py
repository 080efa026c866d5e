from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("home/county-stats.json", views.county_stats, name="home-county-stats"),
]
