from django.urls import path

from linli.points import views

app_name = "points"
urlpatterns = [
    path("", views.account_list, name="account_list"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("residents/<int:resident_pk>/award/", views.award_create, name="award_create"),
    path("residents/<int:resident_pk>/redeem/", views.desk_redeem, name="desk_redeem"),
    path("transfers/<int:pk>/reverse/", views.transfer_reverse, name="transfer_reverse"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/<str:community>/<str:action>/", views.rule_edit, name="rule_edit"),
    path("rewards/", views.reward_list, name="reward_list"),
    path("rewards/new/", views.reward_create, name="reward_create"),
    path("rewards/<int:pk>/", views.reward_edit, name="reward_edit"),
    path("redemptions/", views.redemption_list, name="redemption_list"),
    path("redemptions/pickup/", views.pickup_code, name="pickup_code"),
    path("redemptions/<int:pk>/", views.redemption_detail, name="redemption_detail"),
    path("redemptions/<int:pk>/pickup/", views.redemption_pickup, name="redemption_pickup"),
    path("redemptions/<int:pk>/cancel/", views.redemption_cancel, name="redemption_cancel"),
    # The residents' steps, from their 积分 tab (/m/points/).
    path("m/rewards/<int:pk>/redeem/", views.portal_redeem, name="portal_redeem"),
    path("m/redemptions/<int:pk>/cancel/", views.portal_cancel, name="portal_cancel"),
]
