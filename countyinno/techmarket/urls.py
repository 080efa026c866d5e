from django.urls import path

from . import views

app_name = "techmarket"
urlpatterns = [
    path("", views.market, name="market"),
    path("node/<str:code>/", views.market, name="node"),
    path("node/<str:code>/subscription/", views.subscription, name="subscription"),
    path("listings/<int:pk>/", views.listing_detail, name="listing"),
    path("listings/<int:pk>/edit/", views.listing_edit, name="edit"),
    path("listings/<int:pk>/bookmark/", views.bookmark, name="bookmark"),
    path("listings/<int:pk>/interest/", views.express_interest, name="interest"),
    path("listings/<int:pk>/<str:action>/", views.listing_action, name="listing-action"),
    path("new/<str:kind>/", views.listing_create, name="create"),
    path("review/", views.review_queue, name="review"),
    path("bookmarks/", views.bookmarks, name="bookmarks"),
    path("negotiations/", views.negotiations, name="negotiations"),
    path("negotiations/<int:pk>/", views.negotiation_detail, name="negotiation"),
    path("negotiations/<int:pk>/<str:action>/", views.negotiation_action, name="negotiation-action"),
    path("bulletins/", views.bulletin, name="bulletin"),
    path("bulletins/<str:code>/", views.bulletin, name="bulletin-node"),
    path("events/", views.events, name="events"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/pairings/<int:pairing_pk>/outcome/", views.pairing_outcome, name="pairing-outcome"),
]
