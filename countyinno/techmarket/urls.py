from django.urls import path

from . import views

app_name = "techmarket"
urlpatterns = [
    path("", views.market, name="market"),
    path("node/<str:code>/", views.market, name="node"),
    path("node/<str:code>/subscription/", views.subscription, name="subscription"),
    path("listings/<int:pk>/", views.listing_detail, name="listing"),
    path("listings/<int:pk>/<str:action>/", views.listing_action, name="listing-action"),
    path("new/<str:kind>/", views.listing_create, name="create"),
    path("review/", views.review_queue, name="review"),
    path("bulletins/", views.bulletin, name="bulletin"),
    path("bulletins/<str:code>/", views.bulletin, name="bulletin-node"),
    path("events/", views.events, name="events"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/pairings/<int:pairing_pk>/outcome/", views.pairing_outcome, name="pairing-outcome"),
]
