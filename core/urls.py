from django.urls import path

from core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("help/formats/", views.formats, name="formats"),
    path("help/guide/", views.guide, name="guide"),
    path("help/guide/anh/<str:filename>", views.guide_image, name="guide_image"),
    path("help/guide/<slug:page>/", views.guide, name="guide_page"),
]
