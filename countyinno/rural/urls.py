from django.urls import path

from . import views

app_name = "rural"
urlpatterns = [
    path("", views.home, name="home"),
    path("ask/", views.ask, name="ask"),
    path("questions/", views.questions, name="questions"),
    path("questions/<int:pk>/", views.answer_page, name="answer-page"),
    path("questions/<int:pk>/answer/", views.answer, name="answer"),
    path("questions/<int:pk>/route/", views.route, name="route"),
    path("questions/<int:pk>/promote/", views.promote, name="promote"),
    path("activities/", views.activities, name="activities"),
    path("targets/", views.dashboard, name="targets"),
]
