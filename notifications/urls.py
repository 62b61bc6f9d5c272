from django.urls import path

from notifications import views, views_webhook

app_name = "notifications"

urlpatterns: list = [
    path("delivery-report/<str:channel>/", views_webhook.delivery_report, name="delivery_report"),
    path("reminders/", views.reminder_communes, name="reminder_communes"),
    path("reminders/<str:code>/", views.reminder_list, name="reminders"),
    path("reminders/<str:code>/pause/", views.reminder_pause, name="reminder_pause"),
    path("reminders/<str:code>/resume/", views.reminder_resume, name="reminder_resume"),
    path("reminders/<str:code>/send/", views.reminder_send, name="reminder_send"),
    path("messages/", views.message_list, name="messages"),
]
